/**
 * The migration journal: one JSON file per migration under the user's data dir, rewritten
 * atomically (src/atomic-file.ts: temp file, fsync, rename, fsync of the directory) after every
 * state change, so a killed zmigrate leaves a journal that `migrate --resume` can continue from.
 * The journal directory must be private (0700, ours): `--resume` trusts what it finds there to
 * decide which host commands to run, as root.
 */
import {randomBytes} from 'node:crypto'
import {dirname, join} from 'node:path'
import type {z} from 'zod'
import {ensurePrivateDir, writeFileAtomic} from '../atomic-file.js'
import {InputError} from '../errors.js'
import {readJsonFile} from '../json-file.js'
import {issueText} from '../plan/schema.js'
import {journalSchema} from './journal-schema.js'
import type {DirtyRateFact, ResidentMemoryFact} from '../hosts/facts-types.js'
import type {Plan, StepAction} from '../plan/types.js'
import type {LimitAction, Prediction} from '../predict/types.js'
import type {FinishReason, StoppedBy} from './finish-reason.js'
import type {LimitName} from './limits.js'

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped'
export type UndoState = 'pending' | 'running' | 'done' | 'failed' | 'not-needed'

export type JournalStatus =
  /** Steps are being applied (or zmigrate died while applying them: resume). */
  | 'running'
  | 'succeeded'
  /** Something failed; undoing completed steps. */
  | 'rolling-back'
  | 'rolled-back'
  /** Some undo failed: a human must finish (the report says what). */
  | 'rollback-incomplete'

export interface StepRecord {
  id: string
  state: StepState
  startedAt?: string
  endedAt?: string
  /** One line, when failed. */
  error?: string
  /** What the step observed or produced (e.g. created: true, downtime). */
  result?: Record<string, unknown>
}

export interface UndoRecord {
  stepId: string
  action: StepAction
  state: UndoState
  startedAt?: string
  endedAt?: string
  error?: string
  /** For a failed undo: what a human has to do. */
  manual?: string
}

export interface JournalEvent {
  at: string
  type: string
  message: string
  data?: Record<string, unknown>
}

export interface Journal {
  formatVersion: 1
  id: string
  file: string
  createdAt: string
  updatedAt: string
  status: JournalStatus
  plan: Plan
  steps: StepRecord[]
  undo: UndoRecord[]
  /** Where the time before the first step went (ms), when this run planned it. */
  timings?: PreflightTimings
  /** The step whose failure started the rollback. */
  failedStep?: string
  /** Why the run ended (finish-reason.ts), once it has: runbooks key on it. */
  finishReason?: FinishReason
  /** Who cancelled it (zmigrate cancel's request), when the finish reason is cancelled-by-user that way. */
  cancelledBy?: string
  /** What the migrate step measured, predicted and did about limits and cancels. */
  migration?: MigrationRecord
  events: JournalEvent[]
}

/** What the migrate step records as it happens (run/migrate-step.ts), beside its step record. */
export interface MigrationRecord {
  /** The guest's dirty rate, measured right before virsh migrate started (only when the plan could predict: a bandwidth is known). */
  dirtyRate?: DirtyRateFact
  /**
   * The prediction the report compares with what happened: the plan's scenario with the dirty rate
   * measured then ('measured-before-migrate'), or, without one, the plan's own ('plan').
   */
  prediction?: {
    basis: 'measured-before-migrate' | 'plan'
    dirtyRate: DirtyRateFact | {kind: 'not-measured'}
    /** The resident RAM measured then, when it was: the scenario's ramBytes is at most this. */
    residentMemory?: ResidentMemoryFact
    /** The RAM the prediction sends (absent in journals of older versions). */
    ramBytes?: number
    result: Prediction
  }
  /** The guest's resident RAM, read with the dirty rate. */
  residentMemory?: ResidentMemoryFact
  /** The limit found exceeded, what on-limit did about it, and whether libvirt took the command. */
  limit?: {limit: LimitName; action: LimitAction; detail: string; at: string; elapsedMs: number; sent: boolean; error?: string}
  /** zmigrate stopped the job (domjobabort): why, and whether libvirt took it. */
  stop?: {by: StoppedBy; at: string; sent: boolean; error?: string}
  /** The migration switched to post-copy (zmigrate's migrate-postcopy, or the source said so after a failure). */
  postcopyStarted?: boolean
  /** The last pass over memory libvirt reported (memory_iteration: 0 is the first). */
  lastIteration?: number
}

// compile-time proof that the schema (journal-schema.ts) and the type describe the same document
export const journalSchemaMatchesType = (j: Journal): z.infer<typeof journalSchema> => j
export const journalTypeMatchesSchema = (j: z.infer<typeof journalSchema>): Journal => j

export interface PreflightTimings {
  startupMs: number
  connectMs: number
  preflightMs: number
}

export function journalDir(dataDir: string): string {
  return join(dataDir, 'journals')
}

export function newJournal(plan: Plan, dataDir: string, now = new Date()): Journal {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const id = `${stamp}-${plan.guest.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${randomBytes(3).toString('hex')}`
  return {
    formatVersion: 1,
    id,
    file: join(journalDir(dataDir), `${id}.json`),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    status: 'running',
    plan,
    steps: plan.steps.map((s) => ({id: s.id, state: 'pending'})),
    undo: [],
    events: [],
  }
}

/** Persist the journal atomically: a reader sees the old or the new version, never half of one. */
export async function saveJournal(journal: Journal): Promise<void> {
  journal.updatedAt = new Date().toISOString()
  // Checked on every save, not once: a resumed journal may live in another directory.
  await ensurePrivateDir(dirname(journal.file), 'journal directory')
  await writeFileAtomic(journal.file, JSON.stringify(journal, null, 2) + '\n', {mode: 0o600})
}

/** Reads a journal and checks it against its schema: a damaged one is a located InputError. */
export async function loadJournal(file: string): Promise<Journal> {
  const parsed = journalSchema.safeParse(await readJsonFile(file, 'journal', 'E_JOURNAL'))
  if (!parsed.success) {
    throw new InputError(`not a valid zmigrate journal (formatVersion 1): ${issueText(parsed.error)}`, {
      location: {file},
      code: 'E_JOURNAL',
      remedy: 'Resume from the journal zmigrate wrote (its path is in the report); a damaged journal cannot be resumed: check both hosts by hand.',
    })
  }
  return {...parsed.data, file}
}

export function addEvent(journal: Journal, type: string, message: string, data?: Record<string, unknown>): JournalEvent {
  const event = {at: new Date().toISOString(), type, message, ...(data ? {data} : {})}
  journal.events.push(event)
  return event
}
