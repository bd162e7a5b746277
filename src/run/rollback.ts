/**
 * Undoing the completed steps of a failed run, newest first. Only what this run changed is
 * undone: the DASDs it set online (of those the plan named), the images it created. Each undo
 * is journaled; one that fails is recorded with what a human must do.
 */
import type {PlanStep, StepAction} from '../plan/types.js'
import {addEvent, type Journal, type StepRecord} from './journal.js'
import type {Persist} from './journal-store.js'
import {errorLine, isDone, runAction, type StepEnv} from './steps.js'

/** Undo commands do not listen to the abort signal: they must finish. */
export async function rollback(journal: Journal, env: StepEnv, persist: Persist): Promise<void> {
  const undoEnv: StepEnv = {...env, signal: undefined}
  const steps = new Map(journal.plan.steps.map((s) => [s.id, s]))
  const records = new Map(journal.steps.map((r) => [r.id, r]))
  if (journal.undo.length === 0) {
    for (const record of [...journal.steps].reverse()) {
      const step = steps.get(record.id)
      if (record.state !== 'done' || !step?.undo) continue
      const action = undoFor(step, record)
      journal.undo.push({stepId: step.id, action: action ?? step.undo, state: action ? 'pending' : 'not-needed'})
    }
    await persist()
  }
  for (const u of journal.undo) {
    if (u.state === 'done' || u.state === 'not-needed') continue
    const step = steps.get(u.stepId)
    const record = records.get(u.stepId)
    // the action comes from the plan (fingerprinted), narrowed by what the step recorded; the
    // journal's copy is for the report
    const action = step && record ? undoFor(step, record) : undefined
    if (!step || !action) {
      u.state = 'not-needed'
      await persist()
      continue
    }
    u.state = 'running'
    u.startedAt = new Date().toISOString()
    await persist()
    env.emit({type: 'undo-start', step: u.stepId, description: action.description})
    try {
      // an undo interrupted by a crash may have taken effect already (resume): check first
      if (!(await isDone(action, undoEnv).catch(() => false))) await runAction(action, undoEnv)
      u.state = 'done'
      u.endedAt = new Date().toISOString()
      delete u.error
      await persist()
      env.emit({type: 'undo-done', step: u.stepId, durationMs: Date.parse(u.endedAt) - Date.parse(u.startedAt)})
    } catch (error) {
      u.state = 'failed'
      u.error = errorLine(error)
      u.manual = manualFor(step, action, journal, u.error)
      u.endedAt = new Date().toISOString()
      await persist()
      env.emit({type: 'undo-failed', step: u.stepId, error: u.error, manual: u.manual})
    }
  }
  journal.status = journal.undo.every((u) => u.state === 'done' || u.state === 'not-needed') ? 'rolled-back' : 'rollback-incomplete'
  addEvent(journal, 'rollback', journal.status)
  await persist()
}

/**
 * The undo of a completed step, limited to what this run changed; undefined when nothing is left
 * to undo. DASDs: those the step reported changing AND the plan named (a journal's result is
 * never trusted to widen the undo). Images: only one this run created.
 */
export function undoFor(step: PlanStep, record: StepRecord): StepAction | undefined {
  const undo = step.undo
  if (!undo) return undefined
  if (undo.kind === 'set-dasd-offline') {
    const changed = Array.isArray(record.result?.changed) ? new Set(record.result.changed) : new Set()
    const busIds = undo.busIds.filter((id) => changed.has(id))
    return busIds.length > 0 ? {...undo, busIds} : undefined
  }
  if (undo.kind === 'remove-image') return record.result?.created === true ? undo : undefined
  return undo
}

/** Manual instructions when an undo fails, per kind. */
function manualFor(step: PlanStep, undo: StepAction, journal: Journal, error: string): string {
  const g = `${journal.plan.guest.name} (UUID ${journal.plan.guest.uuid})`
  const domain = journal.plan.guest.uuid
  const host = undo.host === 'source' ? journal.plan.source.host : journal.plan.destination.host
  switch (undo.kind) {
    case 'attach-device':
      return `re-attach ${undo.device.label} to ${g} on ${host}: the device XML is in the journal (${journal.file}, step ${step.id}); virsh attach-device --domain ${domain} --file FILE ${undo.scope.map((s) => `--${s}`).join(' ')} (failed: ${error})`
    case 'detach-device':
      return `detach ${undo.device.label} from ${g} on ${host} (virsh detach-device --domain ${domain} --file FILE ${undo.scope.map((s) => `--${s}`).join(' ')}; XML in the journal, step ${step.id}) (failed: ${error})`
    case 'migrate':
      return `${g} is on ${journal.plan.destination.host}; migrate it back to ${journal.plan.source.host} by hand if it must run there (failed: ${error})`
    case 'remove-image':
      return `remove ${undo.image.path} on ${host}, which zmigrate created (failed: ${error})`
    case 'set-dasd-offline':
      return `set DASD ${undo.busIds.join(', ')} offline on ${host} if they should be (chzdev -d dasd …) (failed: ${error})`
    default:
      return `${undo.description} (failed: ${error})`
  }
}
