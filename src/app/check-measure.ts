/**
 * The dirty-rate measurement of a check (profile migration.measure-dirty-rate, or check --measure):
 * the running guests chosen on the source, measured together in one command there
 * (hosts/dirty-rate-measure.ts) while the other hosts are read, and their rates put on the
 * source's facts, where the rule migration-may-not-converge and the plan's prediction read them.
 * Off by default: it costs dirty-rate-seconds (+1 s) and turns on dirty logging in each guest
 * for that long.
 */
import {measureDirtyRates} from '../hosts/dirty-rate-measure.js'
import type {DirtyRateFact, HostFacts} from '../hosts/facts-types.js'
import type {HostTransport} from '../hosts/transport.js'
import {UUID} from '../plan/values.js'
import type {ResolvedHost, ResolvedProfile} from '../profiles/types.js'
import type {GuestUnderCheck} from '../rules/types.js'

/** Whether this check measures: the request's --measure, else the profile's switch. */
export function measuresDirtyRates(profile: ResolvedProfile, requested: boolean | undefined): boolean {
  return requested ?? profile.migration.dirtyRate.measure
}

/** The dirty rates of the chosen guests that run, by UUID (lower case); empty when there are none. */
export async function measureGuests(
  t: HostTransport,
  host: ResolvedHost,
  profile: ResolvedProfile,
  guests: readonly GuestUnderCheck[],
): Promise<Map<string, DirtyRateFact>> {
  const running = guests.flatMap((g) => (g.state === 'running' && g.domain.uuid && UUID.test(g.domain.uuid) ? [g.domain.uuid] : []))
  if (running.length === 0) return new Map()
  return measureDirtyRates(t, host.libvirtUri, running, profile.migration.dirtyRate.seconds)
}

/** The facts with each measured guest's dirty rate on its summary. */
export function withDirtyRates(facts: HostFacts, rates: ReadonlyMap<string, DirtyRateFact>): HostFacts {
  if (rates.size === 0) return facts
  return {...facts, guests: facts.guests.map((g) => (rates.has(g.uuid.toLowerCase()) ? {...g, dirtyRate: rates.get(g.uuid.toLowerCase())} : g))}
}

/** The guest's dirty rate on these facts, when it was measured. */
export function measuredDirtyRate(facts: HostFacts, guest: GuestUnderCheck): DirtyRateFact | undefined {
  const uuid = guest.domain.uuid?.toLowerCase()
  return uuid === undefined ? undefined : facts.guests.find((g) => g.uuid.toLowerCase() === uuid)?.dirtyRate
}
