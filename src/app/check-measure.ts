/**
 * The measurement of a check (profile migration.measure-dirty-rate, or check --measure): the
 * running guests chosen on the source, measured together in one command there
 * (hosts/dirty-rate-measure.ts: each one's dirty rate and resident RAM) while the other hosts are
 * read, and put on the source's facts, where the rule migration-may-not-converge and the plan's
 * prediction read them. Off by default: it costs dirty-rate-windows x dirty-rate-seconds (and a
 * moment for QEMU to finish each window) and turns on dirty logging in each guest for that long.
 */
import {dirtyRateModeFor} from '../hosts/dirty-rate-command.js'
import {measureGuests, type GuestMeasurement, type MeasureTarget} from '../hosts/dirty-rate-measure.js'
import type {DirtyRateFact, HostFacts, ResidentMemoryFact} from '../hosts/facts-types.js'
import type {HostTransport} from '../hosts/transport.js'
import {UUID} from '../plan/values.js'
import type {ResolvedHost, ResolvedProfile} from '../profiles/types.js'
import type {GuestUnderCheck} from '../rules/types.js'

/** Whether this check measures: the request's --measure, else the profile's switch. */
export function measuresDirtyRates(profile: ResolvedProfile, requested: boolean | undefined): boolean {
  return requested ?? profile.migration.dirtyRate.measure
}

/** How the measurement addresses a guest: by UUID, with its name, domain type and size (dirty-rate-measure.ts MeasureTarget). */
function measureTarget(guest: Pick<GuestUnderCheck, 'name' | 'domain'> & {domain: {uuid: string}}): MeasureTarget {
  const {uuid, type, memoryKiB} = guest.domain
  return {uuid, name: guest.name, mode: dirtyRateModeFor(type), ...(memoryKiB !== undefined ? {memoryKiB} : {})}
}

/** What was measured of the chosen guests that run, by UUID (lower case); empty when there are none. */
export async function measureCheckedGuests(
  t: HostTransport,
  host: ResolvedHost,
  profile: ResolvedProfile,
  guests: readonly GuestUnderCheck[],
): Promise<Map<string, GuestMeasurement>> {
  const running = guests.flatMap((g) => {
    const uuid = g.domain.uuid
    return g.state === 'running' && uuid !== undefined && UUID.test(uuid) ? [measureTarget({...g, domain: {...g.domain, uuid}})] : []
  })
  if (running.length === 0) return new Map()
  return measureGuests(t, host.libvirtUri, running, profile.migration.dirtyRate)
}

/** The facts with each measured guest's dirty rate and resident RAM on its summary. */
export function withMeasurements(facts: HostFacts, measured: ReadonlyMap<string, GuestMeasurement>): HostFacts {
  if (measured.size === 0) return facts
  return {
    ...facts,
    guests: facts.guests.map((g) => {
      const m = measured.get(g.uuid.toLowerCase())
      return m ? {...g, dirtyRate: m.dirtyRate, ...(m.residentMemory ? {residentMemory: m.residentMemory} : {})} : g
    }),
  }
}

/** The guest's summary on these facts (by UUID). */
function summaryOf(facts: HostFacts, guest: GuestUnderCheck) {
  const uuid = guest.domain.uuid?.toLowerCase()
  return uuid === undefined ? undefined : facts.guests.find((g) => g.uuid.toLowerCase() === uuid)
}

/** The measured facts of a guest a report shows: its dirty rate and resident RAM, each when there is one. */
export function measuredOf(facts: HostFacts, guest: GuestUnderCheck): {dirtyRate?: DirtyRateFact; residentMemory?: ResidentMemoryFact} {
  const s = summaryOf(facts, guest)
  return {...(s?.dirtyRate ? {dirtyRate: s.dirtyRate} : {}), ...(s?.residentMemory ? {residentMemory: s.residentMemory} : {})}
}
