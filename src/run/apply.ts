/**
 * Applies a plan, journaling after every change. On a failed step, the completed steps are
 * undone in reverse order; what cannot be undone is reported for a human. The runner
 * decides nothing about policy: the plan already holds every choice.
 */
import {oneLine} from '../errors.js'
import type {PlanHostRole, PlanStep, StepAction} from '../plan/types.js'
import type {EventSink} from './events.js'
import type {HostRef} from './host-ops.js'
import {addEvent, saveJournal, type Journal, type StepRecord} from './journal.js'
import {isDone, runAction, StepError, waitForMigrationJob, type StepEnv} from './steps.js'

export interface ApplyOptions {
  hosts: Record<PlanHostRole, HostRef>
  emit: EventSink
  /** Aborting stops the current step and rolls back (first Ctrl-C). */
  signal?: AbortSignal
  detachTimeoutSeconds?: number
  progressIntervalMs?: number
}

const errorLine = (error: unknown): string => oneLine(String((error as Error)?.message ?? error))

/** Manual instructions when an undo fails, per kind. */
function manualFor(step: PlanStep, undo: StepAction, journal: Journal, error: string): string {
  const g = journal.plan.guest.name
  const host = undo.host === 'source' ? journal.plan.source.host : journal.plan.destination.host
  switch (undo.kind) {
    case 'attach-device':
      return `re-attach ${undo.device?.label} to ${g} on ${host}: the device XML is in the journal (${journal.file}, step ${step.id}); virsh attach-device ${g} FILE --live --config (failed: ${error})`
    case 'detach-device':
      return `detach ${undo.device?.label} from ${g} on ${host} (virsh detach-device ${g} FILE --live --config; XML in the journal, step ${step.id}) (failed: ${error})`
    case 'migrate':
      return `${g} is on ${journal.plan.destination.host}; migrate it back to ${journal.plan.source.host} by hand if it must run there (failed: ${error})`
    case 'remove-image':
      return `remove ${undo.image?.path} on ${host}, which zmigrate created (failed: ${error})`
    case 'set-dasd-offline':
      return `set DASD ${undo.busIds?.join(', ')} offline on ${host} if they should be (chzdev -d dasd …) (failed: ${error})`
    default:
      return `${undo.description} (failed: ${error})`
  }
}

export async function applyJournal(journal: Journal, opts: ApplyOptions): Promise<Journal> {
  const env: StepEnv = {
    guest: journal.plan.guest.name,
    guestUuid: journal.plan.guest.uuid,
    hosts: opts.hosts,
    emit: opts.emit,
    signal: opts.signal,
    detachTimeoutSeconds: opts.detachTimeoutSeconds ?? 30,
    progressIntervalMs: opts.progressIntervalMs ?? 1000,
  }
  const steps = new Map(journal.plan.steps.map((s) => [s.id, s]))
  if (journal.status === 'running') {
    for (const record of journal.steps) {
      if (record.state === 'done' || record.state === 'skipped') continue
      const step = steps.get(record.id)!
      if (opts.signal?.aborted) {
        await fail(journal, record, 'interrupted by signal', opts)
        break
      }
      if (record.state === 'running' || record.state === 'failed') {
        // resumed after a crash: the step may have completed (or still be completing) on the host
        if (step.kind === 'migrate') await waitForMigrationJob(step, env, 6 * 3600_000)
        if (await isDone(step, env).catch(() => false)) {
          record.state = 'done'
          record.endedAt = new Date().toISOString()
          record.result = {...record.result, confirmedOnResume: true}
          addEvent(journal, 'resume', `${step.id} had completed before zmigrate stopped`)
          await saveJournal(journal)
          opts.emit({type: 'step-skipped', step: step.id, reason: 'completed before zmigrate stopped'})
          continue
        }
      }
      record.state = 'running'
      record.startedAt = new Date().toISOString()
      delete record.error
      await saveJournal(journal)
      opts.emit({type: 'step-start', step: step.id, kind: step.kind, description: step.description})
      try {
        record.result = await runAction(step, env)
        record.state = 'done'
        record.endedAt = new Date().toISOString()
        await saveJournal(journal)
        opts.emit({type: 'step-done', step: step.id, durationMs: Date.parse(record.endedAt) - Date.parse(record.startedAt), result: record.result})
      } catch (error) {
        const message = opts.signal?.aborted ? `interrupted by signal during ${step.id}` : errorLine(error)
        if (step.kind === 'migrate' && error instanceof StepError && error.guestLocation) {
          const {source, destination} = error.guestLocation
          record.result = {guestLocation: error.guestLocation}
          // libvirt reported an error, yet the guest arrived: the move happened; go on.
          if ((destination === 'running' || destination === 'paused') && (source === 'absent' || source === 'shut off')) {
            record.state = 'done'
            record.endedAt = new Date().toISOString()
            addEvent(journal, 'notice', `virsh reported "${message}" but ${env.guest} is ${destination} on the destination; continuing`)
            await saveJournal(journal)
            continue
          }
        }
        await fail(journal, record, message, opts)
        break
      }
    }
    if (journal.status === 'running') journal.status = 'succeeded'
    await saveJournal(journal)
  }
  if (journal.status === 'rolling-back') await rollback(journal, env, opts)
  return journal
}

async function fail(journal: Journal, record: StepRecord, message: string, opts: ApplyOptions): Promise<void> {
  record.state = 'failed'
  record.error = message
  record.endedAt = new Date().toISOString()
  journal.failedStep = record.id
  journal.status = 'rolling-back'
  addEvent(journal, 'step-failed', message, {step: record.id})
  await saveJournal(journal)
  opts.emit({type: 'step-failed', step: record.id, error: message})
}

/** Undo completed steps, newest first. Undo commands do not listen to the abort signal: they must finish. */
async function rollback(journal: Journal, env: StepEnv, opts: ApplyOptions): Promise<void> {
  const undoEnv: StepEnv = {...env, signal: undefined}
  const steps = new Map(journal.plan.steps.map((s) => [s.id, s]))
  if (journal.undo.length === 0) {
    for (const record of [...journal.steps].reverse()) {
      const step = steps.get(record.id)!
      if (record.state !== 'done' || !step.undo) continue
      journal.undo.push({stepId: step.id, action: narrowUndo(step, record), state: 'pending'})
    }
    await saveJournal(journal)
  }
  for (const u of journal.undo) {
    if (u.state === 'done' || u.state === 'not-needed') continue
    const step = steps.get(u.stepId)!
    if (nothingToUndo(u.action)) {
      u.state = 'not-needed'
      await saveJournal(journal)
      continue
    }
    u.state = 'running'
    u.startedAt = new Date().toISOString()
    await saveJournal(journal)
    opts.emit({type: 'undo-start', step: u.stepId, description: u.action.description})
    try {
      // an undo interrupted by a crash may have taken effect already (resume): check first
      if (!(await isDone(u.action, undoEnv).catch(() => false))) await runAction(u.action, undoEnv)
      u.state = 'done'
      u.endedAt = new Date().toISOString()
      delete u.error
      await saveJournal(journal)
      opts.emit({type: 'undo-done', step: u.stepId, durationMs: Date.parse(u.endedAt) - Date.parse(u.startedAt)})
    } catch (error) {
      u.state = 'failed'
      u.error = errorLine(error)
      u.manual = manualFor(step, u.action, journal, u.error)
      u.endedAt = new Date().toISOString()
      await saveJournal(journal)
      opts.emit({type: 'undo-failed', step: u.stepId, error: u.error, manual: u.manual})
    }
  }
  journal.status = journal.undo.every((u) => u.state === 'done' || u.state === 'not-needed') ? 'rolled-back' : 'rollback-incomplete'
  addEvent(journal, 'rollback', journal.status)
  await saveJournal(journal)
}

/** Undo only what this run changed: DASDs it set online, images it created. */
function narrowUndo(step: PlanStep, record: StepRecord): StepAction {
  const undo = step.undo!
  if (undo.kind === 'set-dasd-offline' && Array.isArray(record.result?.changed)) return {...undo, busIds: record.result.changed as string[]}
  if (undo.kind === 'remove-image' && record.result?.created !== true) return {...undo, image: undefined}
  return undo
}

function nothingToUndo(action: StepAction): boolean {
  return (action.kind === 'set-dasd-offline' && (action.busIds ?? []).length === 0) || (action.kind === 'remove-image' && !action.image)
}
