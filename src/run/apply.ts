/**
 * Applies a plan, journaling after every change. On a failed step, the completed steps are
 * undone in reverse order (run/rollback.ts); what cannot be undone is reported for a human. The
 * runner decides nothing about policy: the plan already holds every choice.
 *
 * A step's outcome and the journal's are kept apart: only a failed *step* starts a rollback. A
 * journal that cannot be written stops the run where it is (run/journal-store.ts).
 */
import type {PlanHostRole, PlanStep} from '../plan/types.js'
import {abortMessage, isCancelledByUser} from './abort-reason.js'
import type {DirtyRateSampling} from '../hosts/dirty-rate-command.js'
import type {EventSink} from './events.js'
import {finishReason, stoppedBySignal, type FinishEvidence} from './finish-reason.js'
import {domainState, type HostRef} from './host-ops.js'
import {addEvent, type Journal, type StepRecord} from './journal.js'
import {DEFAULT_RETRY_DELAYS_MS, fileStore, JournalWriteError, recordJournal, type JournalStore, type Persist} from './journal-store.js'
import {rollback} from './rollback.js'
import {errorLine, isDone, runAction, StepError, waitForMigrationJob, type StepEnv, type StepResult} from './steps.js'

export interface ApplyOptions {
  hosts: Record<PlanHostRole, HostRef>
  emit: EventSink
  /**
   * Aborting stops the current step and rolls back (first Ctrl-C; `zmigrate cancel`, whose reason
   * names who cancelled: cancel-request.ts). Once verified, the migration stands: only cleanup is skipped.
   */
  signal?: AbortSignal
  detachTimeoutSeconds?: number
  progressIntervalMs?: number
  /** Where the journal is written (default: its file); tests inject failures here. */
  store?: JournalStore
  /** Delays between attempts to write the journal. */
  journalRetryDelaysMs?: readonly number[]
  /** How the dirty rate is measured before the migration (profile migration.dirty-rate-seconds and -windows); default one 1 s window. */
  dirtyRate?: DirtyRateSampling
}

export async function applyJournal(journal: Journal, opts: ApplyOptions): Promise<Journal> {
  // one write at a time, in order: the migrate step's notes must not land after a later state
  let last: Promise<void> = Promise.resolve()
  const persist: Persist = () => {
    const next = last.catch(() => undefined).then(() => recordJournal(journal, opts.store ?? fileStore, opts.journalRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS))
    last = next
    return next
  }
  const env: StepEnv = {
    guest: journal.plan.guest.name,
    domain: journal.plan.guest.uuid,
    hosts: opts.hosts,
    emit: opts.emit,
    signal: opts.signal,
    detachTimeoutSeconds: opts.detachTimeoutSeconds ?? 30,
    progressIntervalMs: opts.progressIntervalMs ?? 1000,
    guestState: journal.plan.guest.state,
    ...(journal.plan.prediction ? {prediction: journal.plan.prediction} : {}),
    dirtyRate: opts.dirtyRate ?? {seconds: 1, windows: 1},
    note: (patch) => {
      journal.migration = {...journal.migration, ...patch}
      // as it happens, best effort: the step's own end is journaled (and a failure to write stops the run) right after
      void persist().catch(() => undefined)
    },
  }
  if (journal.status === 'running') {
    await applySteps(journal, env, opts, persist)
    if (journal.status === 'running') {
      journal.status = 'succeeded'
      journal.finishReason = 'completed'
    }
    await persist()
  }
  if (journal.status === 'rolling-back') await rollback(journal, env, persist)
  return journal
}

async function applySteps(journal: Journal, env: StepEnv, opts: ApplyOptions, persist: Persist): Promise<void> {
  const steps = new Map(journal.plan.steps.map((s) => [s.id, s]))
  for (const record of journal.steps) {
    if (record.state === 'done' || record.state === 'skipped') continue
    const step = steps.get(record.id)
    if (!step) throw new Error(`journal step ${record.id} is not in its plan`) // loadJournal checks this
    if (opts.signal?.aborted) {
      // after verification the migration stands: what is left is cleanup, left behind, as when it fails
      if (verifiedBefore(journal, step)) {
        await leftBehind(journal, record, `${abortMessage(opts.signal)}: not run`, opts, persist)
        continue
      }
      await fail(journal, record, abortMessage(opts.signal), opts, persist, {sourceAnswered: true, destinationAnswered: true})
      return
    }
    if ((record.state === 'running' || record.state === 'failed') && (await confirmDone(journal, record, step, env, persist))) continue
    const before = {...record}
    record.state = 'running'
    record.startedAt = new Date().toISOString()
    delete record.error
    // before the step runs: a journal that cannot say "running" stops the run here, the step not begun
    await persist().catch((error: unknown) => {
      Object.assign(record, before)
      if (!before.startedAt) delete record.startedAt
      throw error instanceof JournalWriteError ? new JournalWriteError(journal, error.cause) : error
    })
    opts.emit({type: 'step-start', step: step.id, kind: step.kind, description: step.description})
    let result: StepResult
    try {
      result = await runAction(step, env)
    } catch (error) {
      const message = opts.signal?.aborted ? `${abortMessage(opts.signal)} during ${step.id}` : errorLine(error)
      if (await arrivedDespite(error, message, journal, record, step, env, persist)) continue
      if (verifiedBefore(journal, step)) {
        // cleanup after a verified migration: its failure leaves something behind, never undoes the move
        await leftBehind(journal, record, message, opts, persist)
        continue
      }
      await fail(journal, record, message, opts, persist, error instanceof StepError && error.finish ? error.finish : await hostsAnswer(env))
      return
    }
    record.result = result
    record.state = 'done'
    record.endedAt = new Date().toISOString()
    await persist() // a failure here stops the run; it never undoes the step that just succeeded
    opts.emit({type: 'step-done', step: step.id, durationMs: Date.parse(record.endedAt) - Date.parse(record.startedAt), result})
  }
}

/** Resumed after a crash: the step may have completed (or still be completing) on the host. */
async function confirmDone(journal: Journal, record: StepRecord, step: PlanStep, env: StepEnv, persist: Persist): Promise<boolean> {
  if (step.kind === 'migrate') await waitForMigrationJob(step, env, 6 * 3600_000)
  if (!(await isDone(step, env).catch(() => false))) return false
  record.state = 'done'
  record.endedAt = new Date().toISOString()
  record.result = {...record.result, confirmedOnResume: true}
  addEvent(journal, 'resume', `${step.id} had completed before zmigrate stopped`)
  await persist()
  env.emit({type: 'step-skipped', step: step.id, reason: 'completed before zmigrate stopped'})
  return true
}

/** libvirt reported an error, yet the guest arrived: the move happened; go on. */
async function arrivedDespite(
  error: unknown,
  message: string,
  journal: Journal,
  record: StepRecord,
  step: PlanStep,
  env: StepEnv,
  persist: Persist,
): Promise<boolean> {
  if (step.kind !== 'migrate' || !(error instanceof StepError) || !error.guestLocation) return false
  const {source, destination} = error.guestLocation
  record.result = {guestLocation: error.guestLocation}
  if (!((destination === 'running' || destination === 'paused') && (source === 'absent' || source === 'shut off'))) return false
  record.state = 'done'
  record.endedAt = new Date().toISOString()
  addEvent(journal, 'notice', `virsh reported "${message}" but ${env.guest} is ${destination} on the destination; continuing`)
  await persist()
  return true
}

/** Has a verify step before this one completed? Then the migration is done and verified. */
function verifiedBefore(journal: Journal, step: PlanStep): boolean {
  const kinds = new Map(journal.plan.steps.map((s) => [s.id, s.kind]))
  const at = journal.steps.findIndex((r) => r.id === step.id)
  return journal.steps.slice(0, at).some((r) => kinds.get(r.id) === 'verify' && r.state === 'done')
}

async function leftBehind(journal: Journal, record: StepRecord, message: string, opts: ApplyOptions, persist: Persist): Promise<void> {
  record.state = 'failed'
  record.error = message
  record.endedAt = new Date().toISOString()
  addEvent(journal, 'notice', `after verification: ${message}`, {step: record.id})
  await persist()
  opts.emit({type: 'step-failed', step: record.id, error: message})
}

/** After a step other than the migration failed: does each host still answer? (for the finish reason) */
async function hostsAnswer(env: StepEnv): Promise<Omit<FinishEvidence, 'step'>> {
  const answers = async (h: HostRef) =>
    domainState(h, env.domain).then(
      () => true,
      () => false,
    )
  const [sourceAnswered, destinationAnswered] = await Promise.all([answers(env.hosts.source), answers(env.hosts.destination)])
  return {sourceAnswered, destinationAnswered}
}

async function fail(
  journal: Journal,
  record: StepRecord,
  message: string,
  opts: ApplyOptions,
  persist: Persist,
  evidence: Omit<FinishEvidence, 'step'>,
): Promise<void> {
  record.state = 'failed'
  record.error = message
  record.endedAt = new Date().toISOString()
  journal.failedStep = record.id
  journal.status = 'rolling-back'
  // zmigrate's own stop first (a limit's cancel); else a signal that came during the step
  const stoppedBy = evidence.stoppedBy ?? stoppedBySignal(opts.signal)
  journal.finishReason = finishReason({...evidence, step: 'failed', ...(stoppedBy ? {stoppedBy} : {})})
  const reason: unknown = opts.signal?.reason
  if (journal.finishReason === 'cancelled-by-user' && isCancelledByUser(reason)) journal.cancelledBy = reason.by
  addEvent(journal, 'step-failed', message, {step: record.id})
  await persist()
  opts.emit({type: 'step-failed', step: record.id, error: message})
}
