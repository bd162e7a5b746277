/**
 * Moving the guests an evacuation journal lists (evacuate, return, and an evacuation plan applied
 * with `migrate --plan`) through the rolling window. Each guest is planned from fresh facts when
 * its turn comes — the moves before it changed its destination — or, from an evacuation plan, runs
 * its reviewed plan only if a fresh plan still computes the same steps; it is applied with its own
 * journal under its own lock, and one that fails is rolled back on its own while the others go on.
 * A rollback that needs a human, or an interrupt, stops new starts; those in flight finish.
 * `zmigrate cancel --evacuation` stops new starts too, and cancels (rolls back) those in flight.
 * `--resume` continues a guest from its journal and starts the ones that never did.
 */
import {hostname} from 'node:os'
import {StalePlanError, UsageError, ZmigrateError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HostPool} from '../hosts/connect.js'
import {PlanBlockedError} from '../plan/build-plan.js'
import type {Plan} from '../plan/types.js'
import type {ConcurrencyLimits, ResolvedProfile} from '../profiles/types.js'
import type {EvacuationReport} from '../report/evacuation-report.js'
import {applyPlanOrResume} from '../run/apply-plan.js'
import type {EventSink} from '../run/events.js'
import type {FinishReason} from '../run/finish-reason.js'
import {evacuationCancelFile, isCancelledByUser} from '../run/cancel-request.js'
import {eitherSignal, watchCancelRequest} from '../run/cancel-watch.js'
import {EvacuationRecorder, type EvacuationGuest, type EvacuationJournal} from '../run/evacuation-journal.js'
import {processStartTicks} from '../run/guest-lock.js'
import {runWindow, type WindowJob} from '../run/window.js'
import {bandwidthShare} from '../site/schedule.js'
import {obtainPlan} from './migrate.js'
import {readReviewedEvacuation} from './plan-file.js'

export interface MoveRequest {
  profile: ResolvedProfile
  toolVersion: string
  dataDir: string
  emit: EventSink
  signal?: AbortSignal
  caps?: Partial<ConcurrencyLimits>
}

/** What --resume continues or starts: those in flight when it stopped, and those it never started (pending, or not attempted after a stop). */
const RESUMABLE: readonly EvacuationGuest['state'][] = ['pending', 'running', 'interrupted', 'not-attempted']

/** The guests a run of this journal moves (all of a new one; on --resume, those not finished), in their order. */
export function guestsToRun(journal: Pick<EvacuationJournal, 'guests'>): EvacuationGuest[] {
  return journal.guests.filter((g) => RESUMABLE.includes(g.state)).sort((a, b) => a.order - b.order)
}

/** The window's caps: the profile's concurrency, with the flags given over it. */
export function windowLimits(profile: ResolvedProfile, caps: Partial<ConcurrencyLimits> = {}): ConcurrencyLimits {
  const given = Object.fromEntries(Object.entries(caps).filter(([, v]) => v !== undefined))
  const {site, outgoing, incoming} = {...profile.concurrency, ...given}
  // no host sends or takes more at once than the whole site: `--max 3` with the default outgoing 4 is 3/3
  return {site, outgoing: Math.min(outgoing, site), incoming: Math.min(incoming, site)}
}

/** The profile each guest is planned with in a window: the site's total bandwidth shared between the migrations it runs at once. */
export function windowProfile(profile: ResolvedProfile, limits: ConcurrencyLimits): ResolvedProfile {
  return {...profile, migration: {...profile.migration, bandwidthMiB: bandwidthShare(profile.migration, limits.site)}}
}

interface Stop {
  reason?: string
}

/** Why a guest did not start (nothing of it changed), as its outcome. From a reviewed plan, a blocker now is a stale plan too. */
function stayedAs(error: ZmigrateError, reviewed: boolean): EvacuationGuest['state'] {
  if (error instanceof StalePlanError) return 'stale'
  if (error instanceof PlanBlockedError) return reviewed ? 'stale' : 'blocked'
  return 'blocked'
}

interface JobContext {
  req: MoveRequest
  profile: ResolvedProfile
  recorder: EvacuationRecorder
  pool: HostPool
  stop: Stop
  /** From an evacuation plan: each guest's reviewed plan, by UUID. */
  reviewed?: ReadonlyMap<string, Plan>
}

function guestJob(g: EvacuationGuest, ctx: JobContext): WindowJob<void> {
  const {req, profile, recorder, pool, stop, reviewed} = ctx
  const emit: EventSink = (e) => req.emit({...e, guest: g.name})
  const settle = async (state: EvacuationGuest['state'], reason?: string, finishReason?: FinishReason) => {
    await recorder.update(g.uuid, {state, ...(reason ? {reason} : {}), ...(finishReason ? {finishReason} : {})})
    if (state === 'rollback-incomplete') stop.reason ??= `the rollback of ${g.name} needs a human`
    if (state === 'interrupted') stop.reason ??= 'interrupted'
  }
  return {
    id: g.uuid,
    from: g.source,
    to: g.destination,
    async run() {
      if (g.journal) {
        const {report} = await applyPlanOrResume({profile, resumeFile: g.journal, dataDir: req.dataDir, emit, signal: req.signal}, pool)
        return settle(report.outcome, undefined, report.finishReason)
      }
      const saved = reviewed?.get(g.uuid)
      if (reviewed && !saved) return settle('stale', `${g.name} has no plan in the evacuation plan file`)
      let plan
      try {
        plan = await obtainPlan({profile, toolVersion: req.toolVersion, saved, guest: g.name, from: g.source, to: g.destination, dataDir: req.dataDir}, pool)
      } catch (error) {
        // the guest stays; the others go on (a host that cannot be reached shows in their outcomes too)
        if (!(error instanceof ZmigrateError)) throw error
        const state = stayedAs(error, reviewed !== undefined)
        return settle(state, error instanceof PlanBlockedError && state === 'stale' ? `its reviewed plan no longer applies: ${error.message}` : error.message)
      }
      await recorder.update(g.uuid, {state: 'running'})
      const {report} = await applyPlanOrResume(
        {profile, plan, dataDir: req.dataDir, emit, signal: req.signal, onJournal: (file) => recorder.update(g.uuid, {journal: file})},
        pool,
      )
      return settle(report.outcome, undefined, report.finishReason)
    },
  }
}

/**
 * The caps and reviewed plans of an evacuation that runs an evacuation plan: the file's caps (flags
 * cannot change them), and its plans, read again on --resume for the guests that never started.
 */
async function fromPlanFile(journal: EvacuationJournal, todo: readonly EvacuationGuest[], req: MoveRequest, given?: ReadonlyMap<string, Plan>) {
  const ref = journal.plan
  if (!ref) return {limits: windowLimits(req.profile, req.caps), reviewed: undefined}
  if (Object.values(req.caps ?? {}).some((v) => v !== undefined)) {
    throw new UsageError(
      `this evacuation runs the plan file ${ref.file}, whose window caps apply (site ${ref.caps.site}, outgoing ${ref.caps.outgoing}, incoming ${ref.caps.incoming})`,
      {
        code: 'E_USAGE',
        remedy: 'Resume it without --max, --outgoing and --incoming.',
      },
    )
  }
  if (given || todo.every((g) => g.journal)) return {limits: ref.caps, reviewed: given ?? new Map<string, Plan>()}
  const doc = await readReviewedEvacuation(ref, req.profile)
  return {limits: ref.caps, reviewed: new Map(doc.guests.map((g) => [g.uuid, g.plan]))}
}

/** With `reviewed` (an evacuation plan's guest plans by UUID), each guest runs its reviewed plan; otherwise it is planned at its turn. */
export async function moveGuests(
  journal: EvacuationJournal,
  req: MoveRequest,
  pool: HostPool,
  reviewed?: ReadonlyMap<string, Plan>,
): Promise<{report: EvacuationReport; exitCode: ExitCodeValue}> {
  const todo = guestsToRun(journal)
  const planned = await fromPlanFile(journal, todo, req, reviewed)
  const recorder = new EvacuationRecorder(journal)
  const stop: Stop = {}
  const runner = {pid: process.pid, startTicks: processStartTicks(process.pid), host: hostname(), since: new Date().toISOString()}
  Object.assign(journal, {status: 'running', runner})
  delete journal.stopReason
  await recorder.save()
  // `zmigrate cancel --evacuation`: no new starts, and every guest in flight cancelled (rolled back)
  const cancel = watchCancelRequest({
    file: evacuationCancelFile(journal.file),
    run: runner,
    matches: (t) => t.kind === 'evacuation' && t.id === journal.id,
  })
  const signal = eitherSignal(req.signal, cancel.signal)
  const ctx: JobContext = {req: {...req, signal}, profile: windowProfile(req.profile, planned.limits), recorder, pool, stop, reviewed: planned.reviewed}
  const run = await runWindow(
    todo.map((g) => guestJob(g, ctx)),
    planned.limits,
    {
      stopStarting: () => {
        if (signal.aborted) stop.reason ??= isCancelledByUser(signal.reason) ? `cancelled by user (${signal.reason.by})` : 'interrupted'
        return stop.reason !== undefined
      },
    },
  ).finally(() => cancel.stop())
  for (const r of run.results) {
    const g = journal.guests.find((x) => x.uuid === r.job)
    if (!g) continue
    if (!r.started) g.state = 'not-attempted'
    else if ('error' in r) Object.assign(g, {state: 'interrupted', reason: r.error instanceof Error ? r.error.message : String(r.error)})
  }
  journal.status = stop.reason ? 'stopped' : 'finished'
  if (stop.reason) journal.stopReason = stop.reason
  await recorder.save()
  const report = evacuationReport(journal, run.peak)
  return {report, exitCode: evacuationExitCode(report)}
}

export function evacuationReport(j: EvacuationJournal, peak: number): EvacuationReport {
  return {
    formatVersion: 1,
    ok: j.status === 'finished' && j.guests.every((g) => g.state === 'migrated') && j.stays.length === 0,
    purpose: j.purpose,
    host: j.host,
    journal: j.file,
    status: j.status,
    ...(j.stopReason ? {stopReason: j.stopReason} : {}),
    peak,
    guests: j.guests.map((g) => ({
      name: g.name,
      uuid: g.uuid,
      home: g.home,
      destination: g.destination,
      order: g.order,
      outcome: g.state,
      ...(g.finishReason ? {finishReason: g.finishReason} : {}),
      ...(g.journal ? {journal: g.journal} : {}),
      ...(g.reason ? {reason: g.reason} : {}),
    })),
    stays: j.stays,
    ...(j.plan ? {plan: {file: j.plan.file, fingerprint: j.plan.fingerprint}} : {}),
  }
}

/**
 * The worst guest decides, as for migrate --all: 4 over 130 over 1; every guest moved and none
 * stayed: 0. Running a reviewed evacuation plan, a guest whose plan went stale makes it 5 (over 1).
 */
export function evacuationExitCode(r: EvacuationReport): ExitCodeValue {
  const outcomes = new Set(r.guests.map((g) => g.outcome))
  if (outcomes.has('rollback-incomplete')) return ExitCode.ROLLBACK_INCOMPLETE
  if (outcomes.has('interrupted') || r.stopReason === 'interrupted') return ExitCode.INTERRUPTED
  if (r.plan && outcomes.has('stale')) return ExitCode.STALE_PLAN
  return r.ok ? ExitCode.OK : ExitCode.BLOCKED
}
