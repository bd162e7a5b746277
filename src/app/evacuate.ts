/**
 * The evacuate use case (`zmigrate evacuate HOST`): empty a host across the site. One site check
 * of every guest against every candidate (facts once per host) gives the readiness matrix;
 * placement (src/site) gives each guest a destination within the profile's relocation domains,
 * pins, anti-affinity and reserve, or the reasons it stays; the rolling window (src/run/window.ts)
 * moves them within the concurrency caps. Each guest is planned again from fresh facts right
 * before it starts (earlier moves change the destinations) and journaled on its own, under its
 * lock; the evacuation journal ties them together and records where each came from. With
 * `-o FILE` it stops after placement and writes the evacuation as one reviewable plan file
 * instead (app/evacuation-plan.ts), applied later with `zmigrate migrate --plan FILE`.
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
import type {EvacuationPlan} from '../plan/types.js'
import {checkSite, chooseDestinations, WHOLE_SITE, type PairEvaluation} from './check-site.js'
import {evacuationPlanFor, stayReasons} from './evacuation-plan.js'
import {placementCapacity} from './host-capacity.js'
import {moveGuests, windowLimits, windowProfile} from './move-guests.js'
import {writePlan} from './plan-file.js'

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
  /** Asked once with the placement before anything changes, when some guest can move; false cancels. */
  confirm: (placements: readonly GuestPlacement[]) => Promise<boolean>
  /** Continue this evacuation journal instead of starting one. */
  resumeFile?: string
  /** Write the evacuation plan file here and change nothing (`-o FILE`). */
  output?: string
}

export interface Evacuation {
  /** planned: the evacuation plan file was written (-o), nothing changed. */
  ending: 'dry-run' | 'planned' | 'cancelled' | 'ran'
  /** The placement this run computed (empty on --resume: the journal holds it). */
  placements: GuestPlacement[]
  report?: EvacuationReport
  /** The evacuation plan written (-o). */
  plan?: EvacuationPlan
  exitCode: ExitCodeValue
}

/** Candidate destinations: those named (never the host itself), or with none or `site`, every other host (chooseDestinations' rule). */
export function destinationsFor(profile: ResolvedProfile, host: string, to?: readonly string[]): string[] {
  const chosen = chooseDestinations(profile, host, to && to.length > 0 ? to.join(',') : WHOLE_SITE)
  return (chosen.form === 'one' ? [chosen.to] : chosen.to).filter((h) => h !== host)
}

/**
 * Where each guest of the host can go: the site check, then placement. Pure apart from the check.
 * The pairs are the check's, for an evacuation plan to build each placed guest's plan from.
 */
export async function placeEvacuation(
  req: Pick<EvacuateRequest, 'profile' | 'host' | 'to'>,
  pool: HostPool,
): Promise<{placements: GuestPlacement[]; pairs: PairEvaluation[]}> {
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
  return {placements: result.placements, pairs: site.pairs}
}

export function journalFor(placements: readonly GuestPlacement[], host: string, dataDir: string): EvacuationJournal {
  return newEvacuationJournal(
    {
      purpose: 'evacuate',
      host,
      guests: placements.flatMap((p) =>
        p.kind === 'placed' ? [{name: p.guest, uuid: p.uuid, home: host, source: host, destination: p.destination, order: p.order}] : [],
      ),
      stays: placements.flatMap((p) => (p.kind === 'nowhere' ? [{name: p.guest, reasons: stayReasons(p.nowhere)}] : [])),
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
    if (req.output) return await writeEvacuationPlan(req, req.output, pool)
    const {placements} = await placeEvacuation(req, pool)
    if (req.dryRun) return {ending: 'dry-run', placements, exitCode: ExitCode.OK}
    // nothing to ask when no guest can move: the run records who stays and why (exit 1 if any does)
    const movable = placements.some((p) => p.kind === 'placed')
    if (movable && !(await req.confirm(placements))) return {ending: 'cancelled', placements, exitCode: ExitCode.OK}
    const {report, exitCode} = await moveGuests(journalFor(placements, req.host, req.dataDir), req, pool)
    return {ending: 'ran', placements, report, exitCode}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}

/**
 * `evacuate HOST -o FILE`: the placement and every placed guest's plan, checked and planned with
 * the profile the window will use (the bandwidth share of these caps), written atomically; nothing
 * changes on a host.
 */
async function writeEvacuationPlan(req: EvacuateRequest, file: string, pool: HostPool): Promise<Evacuation> {
  const caps = windowLimits(req.profile, req.caps)
  const profile = windowProfile(req.profile, caps)
  const {placements, pairs} = await placeEvacuation({...req, profile}, pool)
  const plan = evacuationPlanFor({
    profile,
    host: req.host,
    destinations: destinationsFor(profile, req.host, req.to),
    caps,
    placements,
    pairs,
    toolVersion: req.toolVersion,
  })
  await writePlan(file, plan)
  return {ending: 'planned', placements, plan, exitCode: ExitCode.OK}
}
