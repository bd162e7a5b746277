/**
 * Whether one destination can take one guest. Two kinds of check: the fixed ones (readiness,
 * relocation domain, pin, exclude) do not change while guests are placed; the others (anti-
 * affinity, memory, vCPUs) depend on what is on the destination already, including the guests
 * placed there earlier in the same evacuation.
 */
import type {GuestPlacementRule} from '../profiles/types.js'
import {formatBytes} from '../units.js'
import type {GuestToPlace, HostCapacity, Readiness, RefusalReason, SitePolicy} from './types.js'

/** A destination while guests are being placed onto it. */
export interface DestinationState {
  capacity: HostCapacity
  /** Guests placed there so far in this run, in order. */
  placed: GuestToPlace[]
  placedMemoryKiB: number
  /** vCPUs of the active guests there plus those placed. */
  vcpus: number
}

export function startState(capacity: HostCapacity): DestinationState {
  const vcpus = capacity.guests.filter((g) => isActive(g.state)).reduce((sum, g) => sum + g.vcpus, 0)
  return {capacity, placed: [], placedMemoryKiB: 0, vcpus}
}

/** A shut-off guest holds no memory and runs no vCPUs: only its definition moves. */
export function isActive(state: string): boolean {
  return state !== 'shut off'
}

/** The memory a guest takes from a destination's free memory when it arrives. */
export function countedMemoryKiB(guest: GuestToPlace): number {
  return isActive(guest.state) && !guest.hugepages ? guest.memoryKiB : 0
}

export function guestRule(policy: SitePolicy, guest: string): GuestPlacementRule | undefined {
  return Object.hasOwn(policy.placement.guests, guest) ? policy.placement.guests[guest] : undefined
}

/** The relocation domain the guest moves within, if any. */
export function guestDomain(policy: SitePolicy, guest: string): string | undefined {
  return guestRule(policy, guest)?.domain ?? policy.placement.defaultDomain
}

/** Reasons that do not change as guests are placed. */
export function fixedReasons(guest: GuestToPlace, destination: string, readiness: Readiness | undefined, policy: SitePolicy): RefusalReason[] {
  const reasons: RefusalReason[] = []
  if (!readiness) reasons.push({code: 'not-checked', message: `not checked: no readiness of ${guest.name} for ${destination}`})
  else if (readiness.status === 'blocked') {
    const ids = readiness.blockers.length > 0 ? [...new Set(readiness.blockers)].sort().join(', ') : 'a blocker'
    reasons.push({code: 'blocked', message: `blocked: ${ids}`})
  }
  const domain = guestDomain(policy, guest.name)
  if (domain !== undefined) {
    const members = Object.hasOwn(policy.relocationDomains, domain) ? policy.relocationDomains[domain] : []
    if (!members.includes(destination)) reasons.push({code: 'not-in-domain', message: `not in relocation domain ${domain}`})
  }
  const rule = guestRule(policy, guest.name)
  if (rule?.exclude.includes(destination)) reasons.push({code: 'excluded', message: 'excluded by the profile'})
  if (rule?.pin && !rule.pin.includes(destination))
    reasons.push({code: 'not-pinned', message: `not pinned: the profile pins ${guest.name} to ${rule.pin.join(', ')}`})
  return reasons
}

/**
 * Reasons that depend on what is on the destination now, and what was placed there before.
 * Anti-affinity counts group members there in any state (a shut-off one may be started), by
 * name, never the guest itself (its own leftover definition has its UUID).
 */
export function loadReasons(guest: GuestToPlace, at: DestinationState, policy: SitePolicy): RefusalReason[] {
  const reasons: RefusalReason[] = []
  for (const [group, members] of Object.entries(policy.placement.antiAffinity)) {
    if (!members.includes(guest.name)) continue
    const there = at.capacity.guests.filter((g) => g.uuid !== guest.uuid && g.name !== guest.name && members.includes(g.name)).map((g) => g.name)
    const placed = at.placed.filter((g) => members.includes(g.name)).map((g) => g.name)
    for (const name of [...new Set(there)].sort()) reasons.push({code: 'anti-affinity', message: `anti-affinity group ${group}: ${name} already there`})
    for (const name of placed) reasons.push({code: 'anti-affinity', message: `anti-affinity group ${group}: ${name} placed there in this run`})
  }
  const needs = countedMemoryKiB(guest)
  const left = memoryLeftKiB(at, policy)
  if (needs > 0 && needs > left) {
    const {memoryKiB: reserve} = policy.placement.reserve
    const after = [
      reserve > 0 && `the ${kib(reserve)} reserve`,
      at.placed.length > 0 && `${at.placed.length} guest${at.placed.length === 1 ? '' : 's'} placed here`,
    ].filter(Boolean)
    reasons.push({
      code: 'memory',
      message: `memory: needs ${kib(needs)}, ${left > 0 ? kib(left) : 'nothing'} free${after.length > 0 ? ` after ${after.join(' and ')}` : ''}`,
    })
  }
  return reasons
}

/** Free memory after the reserve and the guests placed so far. */
export function memoryLeftKiB(at: DestinationState, policy: SitePolicy): number {
  return at.capacity.freeMemoryKiB - policy.placement.reserve.memoryKiB - at.placedMemoryKiB
}

/**
 * The soft vCPU limit. KVM runs vCPUs as host threads and overcommits them freely (dest-cpus is a
 * warning, not a blocker), so vCPUs are not counted at all unless the profile sets
 * placement.reserve.cpus; then a destination where the active vCPUs would exceed its online CPUs
 * minus the reserve is avoided while another fits, never refused. Undefined: within the limit.
 */
export function vcpuWarning(guest: GuestToPlace, at: DestinationState, policy: SitePolicy): string | undefined {
  const reserve = policy.placement.reserve.cpus
  if (reserve === undefined || !isActive(guest.state)) return undefined
  const limit = at.capacity.onlineCpus - reserve
  if (at.vcpus + guest.vcpus <= limit) return undefined
  return `vCPUs: ${at.vcpus} there + ${guest.vcpus} > ${at.capacity.onlineCpus} online CPUs - ${reserve} reserved; KVM overcommits, so it runs, with contention`
}

export function kib(value: number): string {
  return formatBytes(value * 1024)
}

/** Code-unit order: the same on every machine and locale (localeCompare is not), for stable tie-breaks. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
