/**
 * The reason on a run's AbortSignal (signal.reason) when a person cancelled it with `zmigrate
 * cancel` (cancel-request.ts writes the request, cancel-watch.ts aborts with this); a Ctrl-C or
 * SIGTERM aborts without one. Pure, so the finish reasons and the runner share one guard.
 */

/** Why a run was aborted when `zmigrate cancel` asked: `by` is `USER@PID` of the cancel. */
export interface CancelledByUser {
  kind: 'cancelled-by-user'
  by: string
}

/** The abort reason of a run someone cancelled with `zmigrate cancel` (a Ctrl-C's reason is not one). */
export function isCancelledByUser(reason: unknown): reason is CancelledByUser {
  const r = reason as Partial<CancelledByUser> | null | undefined
  return typeof r === 'object' && r !== null && r.kind === 'cancelled-by-user' && typeof r.by === 'string'
}

export const cancelledByUser = (by: string): CancelledByUser => ({kind: 'cancelled-by-user', by})

/** The line a failed step records for an abort: who cancelled it, or the signal. */
export function abortMessage(signal: AbortSignal | undefined): string {
  return isCancelledByUser(signal?.reason) ? `cancelled by user (${signal.reason.by})` : 'interrupted by signal'
}
