/**
 * Each use case's outcome -> its exit status, in one place (as Terraform's operation result
 * owns ExitStatus()). The use cases put the code on their results; commands only set
 * process.exitCode from it. Errors carry their own (src/errors.ts); the numbers are src/exit-codes.ts.
 */
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {CancelOutcome} from '../report/cancel-report.js'
import type {GuestOutcome} from '../report/host-migration-report.js'
import type {StatusReport} from '../report/status-report.js'
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

/** cancel: one code per outcome (report/cancel-report.ts says what each means), with its meaning for the README and --help. */
export const CANCEL_EXIT: Record<CancelOutcome, {code: ExitCodeValue; meaning: string}> = {
  'rolled-back': {code: ExitCode.OK, meaning: 'the run stopped and rolled back: the guest runs on its source'},
  stopped: {code: ExitCode.OK, meaning: 'the evacuation starts no more guests; those in flight rolled back (or had completed)'},
  'cancelled-before-start': {code: ExitCode.OK, meaning: 'the run ended before it had changed anything'},
  completed: {
    code: ExitCode.BLOCKED,
    meaning: 'too late: the migration had been verified (or had ended) before the cancel could stop it; the guest runs on the destination',
  },
  'nothing-to-cancel': {
    code: ExitCode.BLOCKED,
    meaning: 'no zmigrate run holds the guest (or runs the evacuation) now; a stale one is named with its --resume',
  },
  'held-elsewhere': {code: ExitCode.UNREACHABLE, meaning: 'the run is on another host (the lock says which): cancel it there; nothing was asked'},
  'rollback-incomplete': {code: ExitCode.ROLLBACK_INCOMPLETE, meaning: 'the run rolled back and an undo failed: the report says what a human must do'},
  'still-running': {code: ExitCode.LOCKED, meaning: 'the run still holds the guest after --wait; the request stands and the run acts on it'},
  interrupted: {code: ExitCode.INTERRUPTED, meaning: 'the run was stopped before it finished rolling back: zmigrate migrate --resume JOURNAL'},
}

export const cancelExitCode = (outcome: CancelOutcome): ExitCodeValue => CANCEL_EXIT[outcome].code

/** status: 0 (even when nothing runs); 3 only when the HOST named could not be asked. 2 (usage) comes from the errors. */
export function statusExitCode(report: Pick<StatusReport, 'filter' | 'hosts'>): ExitCodeValue {
  const named = report.filter.host
  const answer = named ? report.hosts.find((h) => h.name === named) : undefined
  return answer && !answer.reachable ? ExitCode.UNREACHABLE : ExitCode.OK
}
