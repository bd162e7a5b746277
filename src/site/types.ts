/**
 * The site as a whole: what placement reads (guests to move, each destination's readiness and
 * capacity, the profile's placement policy) and what it decides. Pure data: the facts come
 * from src/hosts through src/app, the readiness from the multi-destination check.
 */
import type {ResolvedProfile} from '../profiles/types.js'

export const READINESS_STATUSES = ['ok', 'actions', 'blocked'] as const
export type ReadinessStatus = (typeof READINESS_STATUSES)[number]

/** One guest checked against one destination (the multi-destination check gives one per pair). */
export interface Readiness {
  /** Guest name, as on the host it is on now. */
  guest: string
  /** Profile host name. */
  destination: string
  /** ok: nothing to prepare; actions: the plan has steps to prepare (detach, copy, map); blocked: a blocker. */
  status: ReadinessStatus
  /** Rule ids of the blocker findings (empty unless blocked). */
  blockers: string[]
}

/** What placement reads of the profile. */
export type SitePolicy = Pick<ResolvedProfile, 'relocationDomains' | 'placement'>

export interface GuestToPlace {
  name: string
  uuid: string
  /** virsh state: running, paused, shut off, ... */
  state: string
  /** What the guest holds now (`<currentMemory>`, the balloon size), KiB. */
  memoryKiB: number
  vcpus: number
  /** The host it is on now: never a candidate for it. */
  source: string
  /** Backed by huge pages: its memory comes from the huge page pool, which free memory does not count. */
  hugepages?: boolean
  /** Only these destinations are considered (bringing a guest home: its home). Unset: every destination given. */
  candidates?: readonly string[]
}

/** A guest defined on a host now. */
export interface ResidentGuest {
  name: string
  uuid: string
  state: string
  memoryKiB: number
  vcpus: number
}

export interface HostCapacity {
  host: string
  /** What the host can give new guests now: MemAvailable (else MemFree), KiB; the guests running there already hold theirs. */
  freeMemoryKiB: number
  onlineCpus: number
  /** Every guest defined there now, in any state. */
  guests: ResidentGuest[]
}

export interface PlacementInput {
  guests: readonly GuestToPlace[]
  destinations: readonly HostCapacity[]
  readiness: readonly Readiness[]
  policy: SitePolicy
}

/**
 * Why a destination cannot take a guest: a fixed list runbooks can key on.
 * - not-checked: no readiness for this guest and destination (placement never guesses)
 * - no-facts: the destination's capacity is unknown (not read)
 * - blocked: the check found blockers there (the message names their rule ids)
 * - not-in-domain: outside the guest's relocation domain
 * - excluded: the profile's placement.guests.NAME.exclude
 * - not-pinned: the profile pins the guest to other hosts
 * - anti-affinity: a guest of one of its anti-affinity groups is, or is being placed, there
 * - memory: not enough free memory after the reserve and the guests placed there before it
 */
export const REFUSAL_CODES = ['not-checked', 'no-facts', 'blocked', 'not-in-domain', 'excluded', 'not-pinned', 'anti-affinity', 'memory'] as const
export type RefusalCode = (typeof REFUSAL_CODES)[number]

export interface RefusalReason {
  code: RefusalCode
  /** One line, e.g. "blocked: dasd-missing-on-destination", "memory: needs 4 GiB, 1.5 GiB free after the 512 MiB reserve and 2 guests placed here". */
  message: string
}

export interface Refusal {
  destination: string
  /** Every reason, not only the first. */
  reasons: RefusalReason[]
}

export interface PlacedGuest {
  kind: 'placed'
  guest: string
  uuid: string
  source: string
  destination: string
  /** 1, 2, …: the order guests were placed in, and the order to start their migrations in. */
  order: number
  /** Why this destination rather than another, one line. */
  why: string
  /** Placed despite these (a soft limit passed, actions to prepare). */
  warnings: string[]
  /** The destinations that could not take it, and why. */
  refused: Refusal[]
}

export interface UnplacedGuest {
  kind: 'nowhere'
  guest: string
  uuid: string
  source: string
  /** Every destination considered, with every reason it cannot take the guest. */
  nowhere: Refusal[]
}

export type GuestPlacement = PlacedGuest | UnplacedGuest

/** A destination after placement. */
export interface DestinationLoad {
  host: string
  /** Guests placed there, in order. */
  placed: string[]
  /** Free memory minus the reserve minus the memory of the guests placed there (may be negative only if it already was). */
  memoryLeftKiB: number
  /** vCPUs of the active guests there plus those placed. */
  vcpus: number
}

export interface PlacementResult {
  /** In the order guests were considered: pinned and most constrained first, then the biggest. */
  placements: GuestPlacement[]
  /** Every destination given, by host name. */
  destinations: DestinationLoad[]
}
