/**
 * Where each guest of an evacuation goes. Pure and deterministic: the same input, in any order,
 * gives the same answer.
 *
 * Algorithm: a decreasing bin packing (first-fit decreasing's order; the bin is the least loaded
 * that fits, which spreads an evacuated host over the others):
 * 1. For each guest, the destinations its fixed constraints allow: readiness not blocked (a guest
 *    is never placed where the check found a blocker, nor where it was not checked), inside its
 *    relocation domain, pinned there if pinned, not excluded. Never its own host.
 * 2. Guests in order: pinned first, then those with fewer allowed destinations, then by the
 *    memory they take (biggest first), vCPUs, name, UUID. Big and constrained guests go first
 *    so that small ones fill what is left; a guest that only fits on one host finds it free.
 * 3. Each guest goes to the allowed destination where it fits (anti-affinity, memory after the
 *    reserve and the guests placed there before it), preferring, in turn: within the soft vCPU
 *    limit (only when the profile sets reserve.cpus), readiness ok over actions, the least memory
 *    placed there by this evacuation, the fewest guests placed there, the most memory left after
 *    placing it, the host name. Its memory then counts there. Least incoming memory before most
 *    memory left: the rolling window lets only K migrations arrive at one host at once
 *    (concurrency.incoming), so the evacuation lasts as long as its busiest destination's queue,
 *    and the memory a guest moves is what its migration time grows with (longest-processing-time
 *    balancing); guests piled onto the roomiest host would wait for each other while another
 *    destination idles, and a destination lost mid-evacuation takes fewer of them with it.
 *    Memory headroom is the reserve's job: a destination is a candidate only while the guest fits
 *    within it.
 * 4. A guest that fits nowhere gets every destination with every reason.
 */
import {
  compareText,
  countedMemoryKiB,
  fixedReasons,
  guestRule,
  isActive,
  kib,
  loadReasons,
  memoryLeftKiB,
  startState,
  vcpuWarning,
  type DestinationState,
} from './constraints.js'
import type {GuestPlacement, GuestToPlace, PlacementInput, PlacementResult, Readiness, Refusal} from './types.js'

interface Candidate {
  host: string
  state: DestinationState
  readiness: Readiness
}

interface Fit extends Candidate {
  vcpuWarning?: string
  memoryLeftAfterKiB: number
}

export function placeGuests(input: PlacementInput): PlacementResult {
  const {policy} = input
  const states = new Map<string, DestinationState>()
  for (const capacity of [...input.destinations].sort((a, b) => compareText(a.host, b.host))) states.set(capacity.host, startState(capacity))
  const readiness = new Map<string, Readiness>()
  for (const r of input.readiness) if (!readiness.has(key(r.guest, r.destination))) readiness.set(key(r.guest, r.destination), r)

  // step 1: the fixed constraints of every guest against every destination it may consider
  const considered = input.guests.map((guest) => {
    const hosts = guest.candidates ? [...new Set(guest.candidates)].sort(compareText) : [...states.keys()]
    const refused: (Refusal & {state?: DestinationState})[] = []
    const allowed: Candidate[] = []
    for (const host of hosts.filter((h) => h !== guest.source)) {
      const state = states.get(host)
      const r = readiness.get(key(guest.name, host))
      const reasons = fixedReasons(guest, host, r, policy)
      if (!state) reasons.unshift({code: 'no-facts', message: `no capacity facts for ${host} (not read)`})
      if (reasons.length > 0 || !state || !r) refused.push({destination: host, reasons, state})
      else allowed.push({host, state, readiness: r})
    }
    return {guest, allowed, refused}
  })

  // step 2: the order
  considered.sort((a, b) => {
    const pinned = Number(guestRule(policy, b.guest.name)?.pin !== undefined) - Number(guestRule(policy, a.guest.name)?.pin !== undefined)
    return (
      pinned ||
      a.allowed.length - b.allowed.length ||
      countedMemoryKiB(b.guest) - countedMemoryKiB(a.guest) ||
      b.guest.vcpus - a.guest.vcpus ||
      compareText(a.guest.name, b.guest.name) ||
      compareText(a.guest.uuid, b.guest.uuid)
    )
  })

  // step 3: place
  const placements: GuestPlacement[] = []
  let order = 0
  for (const {guest, allowed, refused} of considered) {
    const fits: Fit[] = []
    const full: Refusal[] = []
    for (const candidate of allowed) {
      const reasons = loadReasons(guest, candidate.state, policy)
      if (reasons.length > 0) full.push({destination: candidate.host, reasons})
      else
        fits.push({
          ...candidate,
          vcpuWarning: vcpuWarning(guest, candidate.state, policy),
          memoryLeftAfterKiB: memoryLeftKiB(candidate.state, policy) - countedMemoryKiB(guest),
        })
    }
    // every reason, not only the first: the load at a refused destination too
    const fixed = refused.map(({destination, reasons, state}) => ({destination, reasons: state ? [...reasons, ...loadReasons(guest, state, policy)] : reasons}))
    const all = [...fixed, ...full].sort((a, b) => compareText(a.destination, b.destination))
    const base = {guest: guest.name, uuid: guest.uuid, source: guest.source}
    if (fits.length === 0) {
      placements.push({...base, kind: 'nowhere', nowhere: all})
      continue
    }
    fits.sort(preference)
    const [best] = fits
    const why = whyText(guest, fits)
    place(guest, best.state)
    const warnings = [best.vcpuWarning, best.readiness.status === 'actions' && `${best.host} needs actions before the move (see check)`].filter(
      (w): w is string => typeof w === 'string',
    )
    placements.push({...base, kind: 'placed', destination: best.host, order: ++order, why, warnings, refused: all})
  }

  const destinations = [...states.values()].map((s) => ({
    host: s.capacity.host,
    placed: s.placed.map((g) => g.name),
    memoryLeftKiB: memoryLeftKiB(s, policy),
    vcpus: s.vcpus,
  }))
  return {placements, destinations}
}

function place(guest: GuestToPlace, state: DestinationState): void {
  state.placed.push(guest)
  state.placedMemoryKiB += countedMemoryKiB(guest)
  if (isActive(guest.state)) state.vcpus += guest.vcpus
}

/** Best first: within the soft vCPU limit, readiness ok over actions, least memory and fewest guests placed there, most memory left, host name. */
function preference(a: Fit, b: Fit): number {
  return (
    Number(a.vcpuWarning !== undefined) - Number(b.vcpuWarning !== undefined) ||
    Number(a.readiness.status !== 'ok') - Number(b.readiness.status !== 'ok') ||
    a.state.placedMemoryKiB - b.state.placedMemoryKiB ||
    a.state.placed.length - b.state.placed.length ||
    b.memoryLeftAfterKiB - a.memoryLeftAfterKiB ||
    compareText(a.host, b.host)
  )
}

/** The first preference that set the winner apart from the runner-up, in words. */
function whyText(guest: GuestToPlace, fits: readonly Fit[]): string {
  const [best, next] = fits
  const left = `${leftText(best.memoryLeftAfterKiB)} left after it`
  const memory = countedMemoryKiB(guest) > 0 ? left : `${guest.state === 'shut off' ? 'shut off' : 'huge pages'}: its memory is not counted; ${left}`
  if (!next) return `the only destination that can take it (${memory})`
  const of = `of ${fits.length} that can take it`
  if ((best.vcpuWarning === undefined) !== (next.vcpuWarning === undefined)) return `${of}, within the vCPU limit (${memory})`
  if (best.readiness.status !== next.readiness.status) return `${of}, ready without actions (${memory})`
  if (best.state.placedMemoryKiB !== next.state.placedMemoryKiB) {
    return `${of}, the least memory arriving there so far: ${kib(best.state.placedMemoryKiB)} (${next.host}: ${kib(next.state.placedMemoryKiB)}); ${memory}`
  }
  if (best.state.placed.length !== next.state.placed.length) {
    return `${of}, the fewest guests arriving there so far: ${best.state.placed.length} (${next.host}: ${next.state.placed.length}); ${memory}`
  }
  if (best.memoryLeftAfterKiB !== next.memoryLeftAfterKiB) return `${of}, the most memory left: ${left} (${next.host}: ${leftText(next.memoryLeftAfterKiB)})`
  return `${of}, equal on memory (${left}): first by host name`
}

/** A shut-off guest may go where less than the reserve is free: that is "nothing" left, not a negative size. */
function leftText(value: number): string {
  return value > 0 ? kib(value) : 'nothing'
}

function key(guest: string, destination: string): string {
  return `${guest}\u0000${destination}`
}
