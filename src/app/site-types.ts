/**
 * The site check's data (what src/app/check-site.ts builds and src/app/site-report.ts turns into
 * the report): the readiness cells, the destinations reached or not, the per-pair evaluations.
 */
import type {ZmigrateError} from '../errors.js'
import type {CpuCompareResult, HostFacts, PathProbe} from '../hosts/facts-types.js'
import type {ResolvedHost} from '../profiles/types.js'
import type {ReadinessStatus} from '../report/check-site-report.js'
import type {Readiness as PlacementReadiness} from '../site/types.js'
import type {CheckContext, Finding, GuestUnderCheck} from '../rules/types.js'
import type {HostCapacity} from './host-capacity.js'

/**
 * One cell of the readiness matrix: can this guest go to this destination, and what stops it.
 * Placement's Readiness (src/site/types.ts) plus the guest's UUID: the list goes to placement as it is.
 */
export interface Readiness extends PlacementReadiness {
  uuid?: string
  /** blocked: a blocker finding; actions: action findings only (the plan handles them); ok: neither. */
  status: ReadinessStatus
  /** Ids of the rules with a blocker finding, each once, in the order of the findings. */
  blockers: string[]
}

export interface ReachedDestination {
  name: string
  host: ResolvedHost
  reachable: true
  facts: HostFacts
  /** The probes of every checked guest's disk paths on this host. */
  probes: ReadonlyMap<string, PathProbe>
  /** `hypervisor-cpu-compare` on this host, by guest `<cpu>` XML. */
  cpuCompare: ReadonlyMap<string, CpuCompareResult>
  /** Room for guests (checkSite always reads it; the one-destination check does not). */
  capacity?: HostCapacity
}

export interface UnreachedDestination {
  name: string
  host: ResolvedHost
  reachable: false
  /** Why: HostAccessError (connection, host key, login; exit 3) or the host's script failing. */
  error: ZmigrateError
}

export interface PairEvaluation {
  guest: GuestUnderCheck
  destination: string
  /** The rules' input (what the planner needs); absent when the destination was not reached. */
  context?: CheckContext
  findings: Finding[]
  readiness: Readiness
}

/** Facts, probes and per-pair findings: what both forms of check build on. */
export interface SiteEvaluation {
  source: {host: ResolvedHost; facts: HostFacts; probes: ReadonlyMap<string, PathProbe>}
  guests: GuestUnderCheck[]
  destinations: (ReachedDestination | UnreachedDestination)[]
  /** Guest-major: the first guest against every destination in order, then the next guest, … */
  pairs: PairEvaluation[]
  roundTrips: Record<string, number>
}

export type SiteDestination = (ReachedDestination & {capacity: HostCapacity}) | UnreachedDestination
