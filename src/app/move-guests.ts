/**
 * Moving the guests an evacuation journal lists (evacuate, and next `return`) through the rolling
 * window. Each guest is planned from fresh facts when its turn comes — the moves before it changed
 * its destination — and applied with its own journal under its own lock; one that fails is rolled
 * back on its own and the others go on. A rollback that needs a human, or an interrupt, stops new
 * starts; those in flight finish. `--resume` continues a guest from its journal and starts the
 * ones that never did.
 */
import {ZmigrateError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HostPool} from '../hosts/connect.js'
import {PlanBlockedError} from '../plan/build-plan.js'
import type {ConcurrencyLimits, ResolvedProfile} from '../profiles/types.js'
import type {EvacuationReport} from '../report/evacuation-report.js'
import {applyPlanOrResume} from '../run/apply-plan.js'
import type {EventSink} from '../run/events.js'
import {EvacuationRecorder, type EvacuationGuest, type EvacuationJournal} from '../run/evacuation-journal.js'
import {runWindow, type WindowJob} from '../run/window.js'
import {bandwidthShare} from '../site/schedule.js'
import {obtainPlan} from './migrate.js'

export interface MoveRequest {
  profile: ResolvedProfile
  toolVersion: string
  dataDir: string
  emit: EventSink
  signal?: AbortSignal
  caps?: Partial<ConcurrencyLimits>
}

const RESUMABLE: readonly EvacuationGuest['state'][] = ['pending', 'running', 'interrupted']

function limitsFor(req: MoveRequest): ConcurrencyLimits {
  const given = Object.fromEntries(Object.entries(req.caps ?? {}).filter(([, v]) => v !== undefined))
  return {...req.profile.concurrency, ...given}
}

interface Stop {
  reason?: string
}

function guestJob(g: EvacuationGuest, req: MoveRequest, limits: ConcurrencyLimits, recorder: EvacuationRecorder, pool: HostPool, stop: Stop): WindowJob<void> {
  const emit: EventSink = (e) => req.emit({...e, guest: g.name})
  // the site's total bandwidth shared between the migrations the window runs at once
  const profile = {...req.profile, migration: {...req.profile.migration, bandwidthMiB: bandwidthShare(req.profile.migration, limits.site)}}
  const settle = async (state: EvacuationGuest['state'], reason?: string) => {
    await recorder.update(g.uuid, {state, ...(reason ? {reason} : {})})
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
        return settle(report.outcome)
      }
      let plan
      try {
        plan = await obtainPlan({profile, toolVersion: req.toolVersion, guest: g.name, from: g.source, to: g.destination, dataDir: req.dataDir}, pool)
      } catch (error) {
        // the guest stays; the others go on (a host that cannot be reached shows in their outcomes too)
        if (!(error instanceof ZmigrateError)) throw error
        return settle(error instanceof PlanBlockedError ? 'blocked' : 'stale', error.message)
      }
      await recorder.update(g.uuid, {state: 'running'})
      const {report} = await applyPlanOrResume(
        {profile, plan, dataDir: req.dataDir, emit, signal: req.signal, onJournal: (file) => recorder.update(g.uuid, {journal: file})},
        pool,
      )
      return settle(report.outcome)
    },
  }
}

export async function moveGuests(journal: EvacuationJournal, req: MoveRequest, pool: HostPool): Promise<{report: EvacuationReport; exitCode: ExitCodeValue}> {
  const recorder = new EvacuationRecorder(journal)
  const limits = limitsFor(req)
  const stop: Stop = {}
  const todo = journal.guests.filter((g) => RESUMABLE.includes(g.state)).sort((a, b) => a.order - b.order)
  journal.status = 'running'
  delete journal.stopReason
  await recorder.save()
  const run = await runWindow(
    todo.map((g) => guestJob(g, req, limits, recorder, pool, stop)),
    limits,
    {
      stopStarting: () => {
        if (req.signal?.aborted) stop.reason ??= 'interrupted'
        return stop.reason !== undefined
      },
    },
  )
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
      ...(g.journal ? {journal: g.journal} : {}),
      ...(g.reason ? {reason: g.reason} : {}),
    })),
    stays: j.stays,
  }
}

/** The worst guest decides, as for migrate --all: 4 over 130 over 1; every guest moved and none stayed: 0. */
export function evacuationExitCode(r: EvacuationReport): ExitCodeValue {
  const outcomes = new Set(r.guests.map((g) => g.outcome))
  if (outcomes.has('rollback-incomplete')) return ExitCode.ROLLBACK_INCOMPLETE
  if (outcomes.has('interrupted') || r.stopReason === 'interrupted') return ExitCode.INTERRUPTED
  return r.ok ? ExitCode.OK : ExitCode.BLOCKED
}
