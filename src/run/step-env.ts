/**
 * What every step handler gets (StepEnv), what it returns, and how it fails: shared by the
 * handlers (steps.ts) and the migrate step (migrate-step.ts).
 */
import {oneLine, ZmigrateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {PlanHostRole, PlanPrediction} from '../plan/types.js'
import type {DirtyRateSampling} from '../hosts/dirty-rate-command.js'
import type {EventSink} from './events.js'
import type {FinishEvidence} from './finish-reason.js'
import type {HostRef} from './host-ops.js'
import type {MigrationRecord} from './journal.js'

export interface StepEnv {
  /** The guest's name, for messages. */
  guest: string
  /**
   * The guest's UUID, the only way steps name it to virsh: `--domain X` resolves X as an ID
   * first, then a UUID, then a name, so a guest named '1' would be whichever guest has ID 1.
   */
  domain: string
  hosts: Record<PlanHostRole, HostRef>
  emit: EventSink
  signal?: AbortSignal
  /** Seconds to wait for a detached device to disappear. */
  detachTimeoutSeconds: number
  /** How often to sample domjobinfo during a migration. */
  progressIntervalMs: number
  /** The guest's state when planned ('running' is what a dirty rate can be measured of). */
  guestState?: string
  /** The plan's prediction: its scenario is predicted again with the dirty rate measured before the migration. */
  prediction?: PlanPrediction
  /** How the dirty rate is measured before the migration (profile dirty-rate-seconds and dirty-rate-windows). */
  dirtyRate: DirtyRateSampling
  /** Records what the migration step observed in the journal (measurement, prediction, limits, stop), as it happens. */
  note?: (patch: Partial<MigrationRecord>) => void
}

export type StepResult = Record<string, unknown>

export class StepError extends ZmigrateError {
  /** Where the guest was found after a failed migration. */
  readonly guestLocation?: {source: string; destination: string}
  /** What the migration step knows about why it ended, for the finish reason (finish-reason.ts). */
  readonly finish?: Omit<FinishEvidence, 'step'>
  constructor(message: string, opts: {remedy?: string; guestLocation?: {source: string; destination: string}; finish?: Omit<FinishEvidence, 'step'>} = {}) {
    super(message, {exitCode: ExitCode.BLOCKED, code: 'E_STEP', remedy: opts.remedy})
    this.guestLocation = opts.guestLocation
    this.finish = opts.finish
  }
}

/** An error as the one line a journal and a report show. */
export const errorLine = (error: unknown): string => oneLine(String((error as Error)?.message ?? error))

export const otherRole = (role: PlanHostRole): PlanHostRole => (role === 'source' ? 'destination' : 'source')
