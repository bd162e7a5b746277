/**
 * The exit codes every zmigrate command uses. Runbooks key on these numbers: never renumber one.
 */
export const ExitCode = {
  /** Nothing blocks (check), plan written, or migration done and verified. */
  OK: 0,
  /** check: at least one blocker. migrate: failed, and everything was rolled back. */
  BLOCKED: 1,
  /** Usage, profile or input error (bad flag, malformed YAML/XML, unknown guest or host). */
  USAGE: 2,
  /** A host is unreachable, or authentication / host-key verification failed. */
  UNREACHABLE: 3,
  /** migrate: failed and the rollback is incomplete; the report names what needs a human. */
  ROLLBACK_INCOMPLETE: 4,
  /** migrate --plan: the plan is stale (the guest or a host changed since it was computed) or its steps were edited. */
  STALE_PLAN: 5,
  /** migrate: another zmigrate run holds this guest's lock (the message names its PID); nothing was changed. */
  LOCKED: 6,
  /** An internal error (a bug in zmigrate): the message says what; please report it. */
  INTERNAL: 70,
  /** Interrupted by a signal (SIGINT/SIGTERM); the journal allows --resume. */
  INTERRUPTED: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export const exitCodeDescriptions: Record<ExitCodeValue, string> = {
  0: 'no blocker found / migration completed and verified',
  1: 'blocker(s) found / migration failed and was fully rolled back',
  2: 'usage, profile or input error',
  3: 'host unreachable, authentication or host-key failure',
  4: 'migration failed and rollback is incomplete (needs a human)',
  5: 'plan is stale or was edited: re-run zmigrate plan',
  6: 'another zmigrate run is migrating this guest (the message names it); nothing was changed',
  70: 'internal error (a bug in zmigrate)',
  130: 'interrupted; resume with zmigrate migrate --resume JOURNAL',
}
