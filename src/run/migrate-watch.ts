/**
 * What zmigrate does while `virsh migrate` runs (migrate-step.ts starts it): the limits and a
 * cancel, each acted on once.
 *
 * - max-total: a timer from the start; max-downtime: the samples (limits.ts DowntimeWatch), and
 *   the pause virsh's --timeout-suspend began, once it lasts longer than the limit. The first limit
 *   exceeded does what on-limit says: cancel (domjobabort), suspend (virsh suspend: pre-copy then
 *   finishes with the guest paused, as virsh --timeout-suspend does), or postcopy (virsh
 *   migrate-postcopy; the profile requires the migration to have started with --postcopy).
 * - a cancel: the run's AbortSignal, with zmigrate cancel's request as its reason (a person) or
 *   none (Ctrl-C, SIGTERM): domjobabort. A limit's cancel or a person's decides the finish reason;
 *   the first stop is the one recorded.
 *
 * Each is recorded in the journal before its command goes to the host (and again with libvirt's
 * answer), so the finish reason tells zmigrate's own abort from a job that failed by itself. A
 * domjobabort libvirt refuses is tried twice more (2 s apart); a virsh migrate that has not ended
 * ABORT_GRACE_MS after the abort is killed.
 */
import {type MigrateOptions} from '../plan/types.js'
import {isCancelledByUser} from './abort-reason.js'
import {stoppedBySignal, type StoppedBy} from './finish-reason.js'
import {failureText, type HostRef} from './host-ops.js'
import {steerJob, type JobCommand} from './job-control.js'
import type {JobStats} from './jobinfo.js'
import type {MigrationRecord} from './journal.js'
import {DowntimeWatch, maxTotalDetail, pausedTooLongDetail, suspendedPauseDeadlineMs, type LimitHit, type MigrationLimits} from './limits.js'
import {errorLine, type StepEnv} from './step-env.js'
import {sleep} from './wait.js'

export const ABORT_GRACE_MS = 30_000
const MAX_TIMER_MS = 2 ** 31 - 1
const ABORT_ATTEMPTS = 3

type LimitRecord = NonNullable<MigrationRecord['limit']>

export interface WatchInput {
  from: HostRef
  env: StepEnv
  migrate: MigrateOptions
  /** Date.now() when virsh migrate started. */
  started: number
  note: (patch: Partial<MigrationRecord>) => void
  /** Kills virsh migrate. */
  kill: AbortController
  /** The limits this migration runs under (none for the way back). */
  limits?: MigrationLimits
}

export class MigrationWatch {
  stoppedBy?: StoppedBy
  postcopyStarted = false
  lastIteration?: number
  private hit?: LimitHit
  private cancelledBy?: string
  private ended = new AbortController()
  private timers: ReturnType<typeof setTimeout>[] = []
  private downtime?: DowntimeWatch
  private readonly onAbort = () => void this.abort(stoppedBySignal(this.i.env.signal) ?? 'signal')

  constructor(private readonly i: WatchInput) {
    const {limits, migrate} = i
    if (limits?.maxTotalSeconds !== undefined) {
      const seconds = limits.maxTotalSeconds
      this.after(seconds * 1000, () => this.limit({limit: 'max-total', action: limits.onLimit, detail: maxTotalDetail(seconds)}))
    }
    if (limits?.maxDowntimeMs !== undefined) this.downtime = new DowntimeWatch(limits.maxDowntimeMs, migrate.autoConverge)
    const paused = suspendedPauseDeadlineMs(migrate, limits)
    if (paused !== undefined && migrate.timeoutSeconds !== undefined && limits?.maxDowntimeMs !== undefined) {
      const detail = pausedTooLongDetail(migrate.timeoutSeconds, limits.maxDowntimeMs)
      this.after(paused, () => this.limit({limit: 'max-downtime', action: 'cancel', detail}))
    }
    const {signal} = i.env
    if (signal?.aborted) this.onAbort()
    else signal?.addEventListener('abort', this.onAbort, {once: true})
  }

  sample(stats: JobStats): void {
    if (stats.iteration !== undefined) this.lastIteration = Math.max(this.lastIteration ?? 0, stats.iteration)
    const detail = this.downtime?.sample(stats)
    if (detail && this.i.limits) this.limit({limit: 'max-downtime', action: this.i.limits.onLimit, detail})
  }

  /** virsh migrate has ended: nothing more is sent. */
  end(): void {
    this.ended.abort()
    for (const t of this.timers) clearTimeout(t)
    this.i.env.signal?.removeEventListener('abort', this.onAbort)
  }

  /** Why zmigrate stopped it, for the step's error; undefined when it did not. */
  stopText(): string | undefined {
    if (this.stoppedBy === 'max-total' || this.stoppedBy === 'max-downtime')
      return `${this.hit?.detail ?? this.stoppedBy}: on-limit cancel aborted the migration`
    if (this.stoppedBy === 'user') return `cancelled${this.cancelledBy ? ` by ${this.cancelledBy}` : ''}: zmigrate aborted the migration`
    if (this.stoppedBy === 'signal') return 'interrupted by signal: zmigrate aborted the migration'
    if (this.hit) return `${this.hit.detail} (on-limit ${this.hit.action})`
    return undefined
  }

  private after(ms: number, act: () => void): void {
    // setTimeout fires at once past 2^31 - 1 ms (24.8 days); a max-total that long waits in steps
    if (ms > MAX_TIMER_MS) {
      this.after(MAX_TIMER_MS, () => this.after(ms - MAX_TIMER_MS, act))
      return
    }
    const timer = setTimeout(act, ms)
    timer.unref()
    this.timers.push(timer)
  }

  /** The first limit exceeded: recorded, told, and acted on as on-limit says. */
  private limit(hit: LimitHit): void {
    if (this.hit || this.ended.signal.aborted) return
    this.hit = hit
    const record: LimitRecord = {...hit, at: new Date().toISOString(), elapsedMs: Date.now() - this.i.started, sent: false}
    this.i.note({limit: {...record}})
    this.i.env.emit({type: 'notice', message: `${this.i.env.guest}: ${hit.detail}: on-limit ${hit.action}`})
    if (hit.action === 'cancel') {
      // the limit's record says whether libvirt took its domjobabort (not sent: another stop came first)
      void this.abort(hit.limit).then((outcome) => {
        if (outcome) this.i.note({limit: {...record, sent: outcome.error === undefined, ...(outcome.error !== undefined ? {error: outcome.error} : {})}})
      })
      return
    }
    void this.steer(hit.action === 'suspend' ? 'suspend' : 'migrate-postcopy').then((error) => {
      if (error === undefined && hit.action === 'postcopy') this.postcopyStarted = true
      this.i.note({limit: {...record, sent: error === undefined, ...(error !== undefined ? {error} : {})}})
      if (error !== undefined) this.i.env.emit({type: 'notice', message: `${this.i.env.guest}: on-limit ${hit.action} failed: ${error}`})
    })
  }

  /** domjobabort, recorded first; the first stop wins. Undefined when this one did not send it (another stop came first, or virsh had ended). */
  private async abort(by: StoppedBy): Promise<{error?: string} | undefined> {
    if (this.stoppedBy || this.ended.signal.aborted) return undefined
    this.stoppedBy = by
    const reason: unknown = this.i.env.signal?.reason
    if (by === 'user' && isCancelledByUser(reason)) this.cancelledBy = reason.by
    const stop = {by, at: new Date().toISOString(), sent: false}
    this.i.note({stop: {...stop}})
    let error: string | undefined
    for (let attempt = 0; attempt < ABORT_ATTEMPTS && !this.ended.signal.aborted; attempt++) {
      error = await this.steer('domjobabort')
      if (error === undefined) break
      await sleep(2000, this.ended.signal)
    }
    this.i.note({stop: {...stop, sent: error === undefined, ...(error !== undefined ? {error} : {})}})
    if (!this.ended.signal.aborted) this.after(ABORT_GRACE_MS, () => this.i.kill.abort())
    return error !== undefined ? {error} : {}
  }

  /** One job command; undefined when libvirt took it, else its error. */
  private async steer(command: JobCommand): Promise<string | undefined> {
    const r = await steerJob(this.i.from, command, this.i.env.domain).catch((e: unknown) => ({stdout: '', stderr: errorLine(e), exitCode: -1}))
    return r.exitCode === 0 ? undefined : failureText(r)
  }
}
