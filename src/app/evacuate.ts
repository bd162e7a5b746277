/**
 * The evacuate use case (`zmigrate evacuate HOST`): empty a host across the site. One site check
 * of every guest against every candidate (facts once per host) gives the readiness matrix;
 * placement (src/site) gives each guest a destination within the profile's relocation domains,
 * pins, anti-affinity and reserve, or the reasons it stays; the rolling window (src/run/window.ts)
 * moves them within the concurrency caps. Each guest is planned again from fresh facts right
 * before it starts (earlier moves change the destinations) and journaled on its own, under its
 * lock; the evacuation journal ties them together and records where each came from.
 */
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {profileHost} from '../profiles/hosts.js'
import type {ConcurrencyLimits, ResolvedProfile} from '../profiles/types.js'
import type {EvacuationReport} from '../report/evacuation-report.js'
import type {EventSink} from '../run/events.js'
import {loadEvacuationJournal, newEvacuationJournal, type EvacuationJournal} from '../run/evacuation-journal.js'
import {placeGuests} from '../site/placement.js'
import type {GuestPlacement} from '../site/types.js'
import {checkSite, chooseDestinations, WHOLE_SITE} from './check-site.js'
import {placementCapacity} from './host-capacity.js'
import {moveGuests} from './move-guests.js'

export interface EvacuateRequest {
  profile: ResolvedProfile
  toolVersion: string
  dataDir: string
  emit: EventSink
  signal?: AbortSignal
  /** The host to empty. */
  host: string
  /** Candidate destinations; absent or ['site']: every other host of the profile. */
  to?: readonly string[]
  /** Flags over the profile's concurrency caps. */
  caps?: Partial<ConcurrencyLimits>
  dryRun?: boolean
  /** Asked once with the placement before anything changes; false cancels. */
  confirm: (placements: readonly GuestPlacement[]) => Promise<boolean>
  /** Continue this evacuation journal instead of starting one. */
  resumeFile?: string
}

export interface Evacuation {
  ending: 'dry-run' | 'cancelled' | 'ran'
  /** The placement this run computed (empty on --resume: the journal holds it). */
  placements: GuestPlacement[]
  report?: EvacuationReport
  exitCode: ExitCodeValue
}

/** Candidate destinations: those named (never the host itself), or with none or `site`, every other host (chooseDestinations' rule). */
export function destinationsFor(profile: ResolvedProfile, host: string, to?: readonly string[]): string[] {
  const chosen = chooseDestinations(profile, host, to && to.length > 0 ? to.join(',') : WHOLE_SITE)
  return (chosen.form === 'one' ? [chosen.to] : chosen.to).filter((h) => h !== host)
}

/** Where each guest of the host can go: the site check, then placement. Pure apart from the check. */
export async function placeEvacuation(req: Pick<EvacuateRequest, 'profile' | 'host' | 'to'>, pool: HostPool): Promise<GuestPlacement[]> {
  const site = await checkSite({profile: req.profile, from: req.host, to: destinationsFor(req.profile, req.host, req.to), guests: [], all: true}, pool)
  const result = placeGuests({
    guests: site.guests.map((g) => ({
      name: g.name,
      uuid: g.domain.uuid ?? '',
      state: g.state,
      memoryKiB: g.domain.currentMemoryKiB ?? g.domain.memoryKiB,
      vcpus: g.domain.vcpus ?? 1,
      source: req.host,
    })),
    destinations: site.destinations.flatMap((d) => (d.reachable ? [placementCapacity(d.name, d.capacity)] : [])),
    readiness: site.readiness,
    policy: req.profile,
  })
  return result.placements
}

export function journalFor(placements: readonly GuestPlacement[], host: string, dataDir: string): EvacuationJournal {
  return newEvacuationJournal(
    {
      purpose: 'evacuate',
      host,
      guests: placements.flatMap((p) =>
        p.kind === 'placed' ? [{name: p.guest, uuid: p.uuid, home: host, source: host, destination: p.destination, order: p.order}] : [],
      ),
      stays: placements.flatMap((p) =>
        p.kind === 'nowhere' ? [{name: p.guest, reasons: p.nowhere.map((n) => `${n.destination}: ${n.reasons.map((r) => r.message).join('; ')}`)}] : [],
      ),
    },
    dataDir,
  )
}

/** With a `pool` from the caller, connections stay open for the caller; without one, they are closed before returning. */
export async function evacuate(req: EvacuateRequest, callerPool?: HostPool): Promise<Evacuation> {
  const pool = callerPool ?? new HostPool()
  try {
    if (req.resumeFile) {
      const {report, exitCode} = await moveGuests(await loadEvacuationJournal(req.resumeFile), req, pool)
      return {ending: 'ran', placements: [], report, exitCode}
    }
    profileHost(req.profile, req.host, 'evacuate')
    const placements = await placeEvacuation(req, pool)
    if (req.dryRun) return {ending: 'dry-run', placements, exitCode: ExitCode.OK}
    if (!(await req.confirm(placements))) return {ending: 'cancelled', placements, exitCode: ExitCode.OK}
    const {report, exitCode} = await moveGuests(journalFor(placements, req.host, req.dataDir), req, pool)
    return {ending: 'ran', placements, report, exitCode}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}
