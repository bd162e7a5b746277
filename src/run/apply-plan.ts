/**
 * Applying a plan (or resuming a journal) with the hosts' connections: the guest's lock, the
 * journal, a last look that the guest is still as planned, then the steps (apply.ts). Which plan
 * to apply, and whether it is fresh, is decided above (app/migrate.ts).
 */
import type {HostPool} from '../hosts/connect.js'
import {validPlan} from '../plan/plan-file.js'
import type {Plan, PlanHostRole} from '../plan/types.js'
import {StalePlanError, UsageError} from '../errors.js'
import {assertPlanMatchesProfile, assertStepsIntact} from '../plan/integrity.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedProfile} from '../profiles/types.js'
import {applyJournal} from './apply.js'
import type {EventSink} from './events.js'
import {guestCancelFile, requestedBy, type CancelRequest} from './cancel-request.js'
import {eitherSignal, watchCancelRequest} from './cancel-watch.js'
import {acquireGuestLock} from './guest-lock.js'
import {domainState, type HostRef} from './host-ops.js'
import {recordJournal} from './journal-store.js'
import {addEvent, loadJournal, newJournal, type Journal, type PreflightTimings} from './journal.js'
import {migrationReport, type MigrationReport} from './report.js'

const host = (profile: ResolvedProfile, name: string) => profileHost(profile, name, 'the plan')

export async function hostRefs(profile: ResolvedProfile, plan: Plan, pool: HostPool): Promise<Record<PlanHostRole, HostRef>> {
  const source = host(profile, plan.source.host)
  const destination = host(profile, plan.destination.host)
  const [st, dt] = await Promise.all([pool.get(source), pool.get(destination)])
  return {
    source: {t: st, uri: source.libvirtUri, root: source.root},
    destination: {t: dt, uri: destination.libvirtUri, root: destination.root},
  }
}

export interface ApplyRequest {
  profile: ResolvedProfile
  plan?: Plan
  /** Continue this journal instead of starting one. */
  resumeFile?: string
  dataDir: string
  emit: EventSink
  signal?: AbortSignal
  /** How long starting, connecting, checking and planning took, for the report. */
  timings?: PreflightTimings
  /** Told the journal's file once it is written, before the first step (an evacuation records it). */
  onJournal?: (file: string) => Promise<void> | void
}

/** Reads a journal to resume and checks its plan as a plan file's is checked. */
async function resumable(file: string, profile: ResolvedProfile): Promise<Journal> {
  const journal = await loadJournal(file)
  assertStepsIntact(journal.plan, 'journal')
  assertPlanMatchesProfile(journal.plan, profile, 'journal')
  return journal
}

/**
 * Applies a plan under the guest's lock (by UUID), or resumes a journal. Nothing changes on a
 * host before the lock is held and the journal written.
 */
export async function applyPlanOrResume(request: ApplyRequest, pool: HostPool): Promise<{journal: Journal; report: MigrationReport}> {
  const first = request.resumeFile ? await resumable(request.resumeFile, request.profile) : undefined
  if (!first && !request.plan) throw new UsageError('nothing to apply: no plan and no journal', {code: 'E_USAGE'})
  const plan =
    first?.plan ??
    validPlan(
      request.plan,
      `(the plan computed for ${request.plan?.guest.name})`,
      'A host reported a value zmigrate cannot use safely (zmigrate facts HOST shows what it read); nothing was changed.',
    )
  if (first && finished(first)) return {journal: first, report: migrationReport(first)}
  const lock = await acquireGuestLock(request.dataDir, plan.guest.uuid, plan.guest.name)
  let journal: Journal | undefined
  // `zmigrate cancel GUEST` from another shell: aborts this guest's run alone (an evacuation's others go on)
  const cancel = watchCancelRequest({
    file: guestCancelFile(request.dataDir, plan.guest.uuid),
    run: lock.holder,
    matches: (t) => t.kind === 'guest' && t.uuid.toLowerCase() === plan.guest.uuid.toLowerCase(),
    onRequest: (r) => journal && noteCancel(journal, r),
  })
  const signal = eitherSignal(request.signal, cancel.signal)
  try {
    const hosts = await hostRefs(request.profile, plan, pool)
    if (request.resumeFile) {
      // read again under the lock: the run that held it may have moved the journal on
      journal = await resumable(request.resumeFile, request.profile)
      if (finished(journal)) return {journal, report: migrationReport(journal)}
    } else {
      await assertStillAsPlanned(plan, hosts)
      journal = newJournal(plan, request.dataDir)
      if (request.timings) journal.timings = request.timings
      await recordJournal(journal)
    }
    await lock.setJournal(journal.file).catch(() => undefined) // only for a second run's message (and cancel's)
    if (cancel.request) noteCancel(journal, cancel.request)
    await request.onJournal?.(journal.file)
    request.emit({type: 'plan', guest: plan.guest.name, from: plan.source.host, to: plan.destination.host, steps: plan.steps.length, journal: journal.file})
    await applyJournal(journal, {
      hosts,
      emit: request.emit,
      signal,
      detachTimeoutSeconds: request.profile.migration.detachTimeoutSeconds,
      dirtyRate: request.profile.migration.dirtyRate,
    })
    return {journal, report: migrationReport(journal)}
  } finally {
    await cancel.stop()
    await lock.release()
  }
}

/** The journal says who cancelled the run and when (once); the next write records it. */
function noteCancel(journal: Journal, r: CancelRequest): void {
  if (journal.events.some((e) => e.type === 'cancel-requested')) return
  addEvent(journal, 'cancel-requested', `cancelled by user (${requestedBy(r)} on ${r.by.host}, at ${r.requestedAt})`, {
    by: requestedBy(r),
    user: r.by.user,
    pid: r.by.pid,
    host: r.by.host,
    requestedAt: r.requestedAt,
  })
}

const finished = (j: Journal) => j.status === 'succeeded' || j.status === 'rolled-back'

/**
 * The plan was computed before the lock was taken: a run that held it meanwhile may have moved
 * the guest. Its state on the source must still be the planned one.
 */
async function assertStillAsPlanned(plan: Plan, hosts: Record<PlanHostRole, HostRef>): Promise<void> {
  const state = await domainState(hosts.source, plan.guest.uuid)
  if (state !== plan.guest.state) {
    throw new StalePlanError(`plan for ${plan.guest.name} is stale: it was ${plan.guest.state} on ${plan.source.host} and is ${state} there now`)
  }
}
