/**
 * zmigrate's limits on a running migration, as z/VM's VMRELOCATE MAXTOTAL and MAXQUIESCE: when a
 * limit is exceeded, and in whose words. Pure: the migrate step (migrate-step.ts) feeds it the
 * clock and the domjobinfo samples, and acts on what it says (on-limit: domjobabort, virsh
 * suspend, virsh migrate-postcopy).
 *
 * max-total: the seconds since `virsh migrate` started (the disk copy included), on zmigrate's
 * clock: a timer, so a sampler that stopped answering does not hold it off.
 *
 * max-downtime: the pause the switch-over would need, judged from what domjobinfo reports
 * (jobinfo.ts expectedDowntimeMs: libvirt's expected downtime, VIR_DOMAIN_JOB_DOWNTIME of an
 * active job, else memory remaining / memory bandwidth). QEMU never switches over by itself while
 * the rest does not fit its downtime target, so a large figure during the first passes is normal,
 * not a limit exceeded. The limit is exceeded when pre-copy has stopped getting there: at a pass
 * boundary (VIR_DOMAIN_JOB_MEMORY_ITERATION, libvirt >= 1.3.1), the expected pause is above
 * max-downtime and STALL_PASSES passes have gone by since it last shrank by a tenth. With
 * auto-converge, a throttle that rose starts the count again (the guest is being slowed down; it
 * may still get there). And when virsh's own --timeout-suspend paused the guest to finish, the
 * pause may last max-downtime at most (deadline from the start: timeout + max-downtime).
 */
import {STALL_PASSES, type LimitAction} from '../predict/types.js'
import {expectedDowntimeMs, isActiveJob, type JobStats} from './jobinfo.js'

export interface MigrationLimits {
  maxTotalSeconds?: number
  maxDowntimeMs?: number
  onLimit: LimitAction
}

export type LimitName = 'max-total' | 'max-downtime'

export interface LimitHit {
  limit: LimitName
  action: LimitAction
  /** One line for the journal, the report and the progress output. */
  detail: string
}

/** A tenth less than the best so far counts as progress towards the switch-over. */
const PROGRESS = 0.1

/** Watches the samples of one migration for max-downtime (see the module comment). */
export class DowntimeWatch {
  private best?: number
  private bestIteration = 0
  private lastIteration?: number
  private throttle = 0

  constructor(
    private readonly maxDowntimeMs: number,
    private readonly autoConverge: boolean,
  ) {}

  /** The hit's detail when this sample shows the limit exceeded; undefined otherwise. */
  sample(stats: JobStats): string | undefined {
    if (!isActiveJob(stats) || stats.iteration === undefined) return undefined
    const iteration = stats.iteration
    if (this.autoConverge && (stats.autoConvergeThrottle ?? 0) > this.throttle) {
      this.throttle = stats.autoConvergeThrottle ?? 0
      this.best = undefined
    }
    // the first pass (iteration 0) sends all of memory; QEMU's figure is its target until it ends
    if (iteration < 1 || iteration === this.lastIteration) return undefined
    this.lastIteration = iteration
    const expected = expectedDowntimeMs(stats)
    if (expected === undefined) return undefined
    if (this.best === undefined || expected < this.best * (1 - PROGRESS)) {
      this.best = expected
      this.bestIteration = iteration
      return undefined
    }
    const passes = iteration - this.bestIteration
    if (expected <= this.maxDowntimeMs || passes < STALL_PASSES) return undefined
    return `the switch-over would pause the guest about ${Math.round(expected)} ms, more than max-downtime ${this.maxDowntimeMs} ms, and ${passes} passes over its memory have not brought that down${this.throttle > 0 ? ` (auto-converge throttling it ${this.throttle} %)` : ''}`
  }
}

export function maxTotalDetail(maxTotalSeconds: number): string {
  return `the migration has run longer than max-total ${maxTotalSeconds} s`
}

/**
 * When virsh's --timeout-suspend pauses the guest to finish (timeoutSeconds from the start) and
 * max-downtime cancels, the pause may last max-downtime: the milliseconds from the start at which
 * a migration still running has exceeded it. Undefined when that cannot happen.
 */
export function suspendedPauseDeadlineMs(
  migrate: {timeoutSeconds?: number; timeoutAction?: 'suspend' | 'postcopy'},
  limits: MigrationLimits | undefined,
): number | undefined {
  if (migrate.timeoutSeconds === undefined || migrate.timeoutAction !== 'suspend') return undefined
  if (limits?.maxDowntimeMs === undefined || limits.onLimit !== 'cancel') return undefined
  return migrate.timeoutSeconds * 1000 + limits.maxDowntimeMs
}

export function pausedTooLongDetail(timeoutSeconds: number, maxDowntimeMs: number): string {
  return `virsh's --timeout paused the guest to finish after ${timeoutSeconds} s, and it has been paused longer than max-downtime ${maxDowntimeMs} ms`
}
