/**
 * Each use case's outcome -> its exit status, in one place (as Terraform's operation result
 * owns ExitStatus()). The use cases put the code on their results; commands only set
 * process.exitCode from it. Errors carry their own (src/errors.ts); the numbers are src/exit-codes.ts.
 */
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {GuestOutcome} from '../report/host-migration-report.js'
import type {MigrationReport} from '../run/report.js'

/**
 * check: 0 when the report is ok, 1 otherwise. One destination: ok when no guest has a blocker;
 * several (site-report.ts): ok when every guest has at least one destination without a blocker.
 */
export function checkExitCode(report: {ok: boolean}): ExitCodeValue {
  return report.ok ? ExitCode.OK : ExitCode.BLOCKED
}

const MIGRATION_EXIT: Record<MigrationReport['outcome'], ExitCodeValue> = {
  migrated: ExitCode.OK,
  'rolled-back': ExitCode.BLOCKED,
  'rollback-incomplete': ExitCode.ROLLBACK_INCOMPLETE,
  interrupted: ExitCode.INTERRUPTED,
}

/** migrate GUEST / --plan / --resume, once a journal ran: one code per outcome. */
export function migrationExitCode(outcome: MigrationReport['outcome']): ExitCodeValue {
  return MIGRATION_EXIT[outcome]
}

/** How a run of migrate (one guest or --all) ended before or after touching a host. */
export type RunEnding = 'dry-run' | 'cancelled' | 'ran'

/**
 * migrate --all: the worst outcome decides. A rollback that needs a human (4) outranks an
 * interruption (130, also when the signal came between two guests), which outranks a guest that
 * stayed (blocked or rolled back: 1). A dry run or a cancel changed nothing: 0.
 */
export function hostMigrationExitCode(outcomes: readonly GuestOutcome['outcome'][], ending: RunEnding, skippedOnSignal = false): ExitCodeValue {
  if (ending !== 'ran') return ExitCode.OK
  if (outcomes.includes('rollback-incomplete')) return ExitCode.ROLLBACK_INCOMPLETE
  if (outcomes.includes('interrupted') || skippedOnSignal) return ExitCode.INTERRUPTED
  return outcomes.every((o) => o === 'migrated') ? ExitCode.OK : ExitCode.BLOCKED
}
