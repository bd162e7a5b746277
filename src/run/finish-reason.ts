/**
 * Why a migration run ended: a fixed list runbooks key on, as z/VM's VMRELOCATE records an end
 * code (monitor record USERLE: 00 success, 01 VMRELOCATE CANCEL, 03 lost ISFC connection,
 * 04 MAXTOTAL exceeded, 05 MAXQUIESCE exceeded, ...). Never rename one; add one only for an end a
 * runbook must handle differently. The mapping from what the runner knows to one reason is pure.
 */
import {z} from 'zod'
import {isCancelledByUser} from './abort-reason.js'
import type {JobStats} from './jobinfo.js'

export const FINISH_REASONS = [
  'completed',
  'cancelled-by-user',
  'max-total-exceeded',
  'max-downtime-exceeded',
  'destination-lost',
  'source-lost',
  'postcopy-failed',
  'failed',
  'interrupted',
] as const
export type FinishReason = (typeof FINISH_REASONS)[number]
export const finishReasonSchema = z.enum(FINISH_REASONS)

/** What each means and what a runbook does about it. */
export const finishReasonMeaning: Record<FinishReason, string> = {
  completed: 'the guest runs on the destination (verified)',
  'cancelled-by-user': 'someone cancelled it (zmigrate cancel, or virsh domjobabort from another shell); rolled back, the guest runs on the source',
  'max-total-exceeded': 'it took longer than migration.max-total and on-limit cancelled it; rolled back, the guest runs on the source',
  'max-downtime-exceeded':
    'the switch-over would have paused the guest longer than migration.max-downtime (pre-copy stopped getting there); cancelled and rolled back, the guest runs on the source',
  'destination-lost': 'the destination host, its libvirt, or the migration connection to it was lost; rolled back where the source could',
  'source-lost': 'the source host or its libvirt stopped answering; find where the guest runs before anything else',
  // post-copy cannot be rolled back: the guest's memory is split between the hosts
  'postcopy-failed': 'it failed after switching to post-copy: the guest is paused with its memory on both hosts; recover with virsh migrate --postcopy-resume',
  failed: 'a step failed for another reason (the report names it); rolled back',
  interrupted:
    'zmigrate was stopped by a signal (Ctrl-C, SIGTERM) or died before the run ended: after a first signal it rolled back as for a failure (the outcome says how far); otherwise zmigrate migrate --resume JOURNAL finds out and continues',
}

/**
 * Why zmigrate stopped the migration itself, if it did: a limit with on-limit cancel (zmigrate sent
 * domjobabort), a person's cancel request (zmigrate cancel: domjobabort too), or a signal without
 * one (Ctrl-C, SIGTERM). A limit whose on-limit is suspend or postcopy does not stop it.
 */
export type StoppedBy = 'max-total' | 'max-downtime' | 'user' | 'signal'

/** How the run's AbortSignal ended it: a cancel request is a person's, anything else a signal's. */
export function stoppedBySignal(signal: AbortSignal | undefined): StoppedBy | undefined {
  if (!signal?.aborted) return undefined
  return isCancelledByUser(signal.reason) ? 'user' : 'signal'
}

export interface FinishEvidence {
  /** How the run's last step ended: done, failed, or zmigrate stopped before it knew (a second Ctrl-C, a crash found on --resume). */
  step: 'succeeded' | 'failed' | 'interrupted'
  /** The migration job as libvirt last reported it (domjobinfo, jobinfo.ts), when there was one. */
  job?: Pick<JobStats, 'type' | 'errmsg'>
  /** zmigrate stopped it itself, and why (absent: it ended on its own). */
  stoppedBy?: StoppedBy
  /** Whether each host answered once the step had ended. */
  sourceAnswered: boolean
  destinationAnswered: boolean
  /** The migration had switched to post-copy. */
  postcopyStarted?: boolean
}

/**
 * libvirt's words for a migration whose connection between the hosts broke (keepalive, sockets):
 * the source lost its destination even when both answer zmigrate again afterwards.
 */
const CONNECTION_LOST = /connection (?:reset|closed|refused|timed out|lost)|broken pipe|keepalive timeout|no route to host|network is unreachable/i

const STOPPED: Record<StoppedBy, FinishReason> = {
  'max-total': 'max-total-exceeded',
  'max-downtime': 'max-downtime-exceeded',
  user: 'cancelled-by-user',
  signal: 'interrupted',
}

/**
 * One reason, first match wins: success; zmigrate stopping before it knew; post-copy (which no
 * rollback can undo, whatever broke it); zmigrate's own stop (a limit's, a person's cancel, a
 * signal: that is why, whatever error the abort produced); a host that no longer answers; a broken
 * connection in libvirt's error; a cancel nobody asked zmigrate for (virsh domjobabort from
 * another shell); anything else.
 */
export function finishReason(e: FinishEvidence): FinishReason {
  if (e.step === 'succeeded') return 'completed'
  if (e.step === 'interrupted') return 'interrupted'
  if (e.postcopyStarted) return 'postcopy-failed'
  if (e.stoppedBy) return STOPPED[e.stoppedBy]
  if (!e.sourceAnswered) return 'source-lost'
  if (!e.destinationAnswered) return 'destination-lost'
  if (e.job?.errmsg !== undefined && CONNECTION_LOST.test(e.job.errmsg)) return 'destination-lost'
  if (e.job?.type === 'Cancelled') return 'cancelled-by-user'
  return 'failed'
}
