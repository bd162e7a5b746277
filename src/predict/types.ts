/**
 * The inputs and outputs of the live-migration model (precopy.ts), and QEMU's defaults it uses.
 * Pure data: no I/O. Units: bytes, bytes per second, seconds, except the downtimes, which are in
 * milliseconds as QEMU and libvirt give them.
 */

/**
 * QEMU's auto-converge (vCPU throttling) parameters: migration parameters cpu-throttle-initial,
 * cpu-throttle-increment, max-cpu-throttle and throttle-trigger-threshold, all percentages.
 */
export interface AutoConvergeParams {
  initialPercent: number
  incrementPercent: number
  maxPercent: number
  /** Throttling starts (or steps up) when a period's dirtied bytes exceed this share of its sent bytes. */
  triggerPercent: number
}

/**
 * QEMU's defaults (migration/options.c: DEFAULT_MIGRATE_CPU_THROTTLE_INITIAL 20,
 * DEFAULT_MIGRATE_CPU_THROTTLE_INCREMENT 10, DEFAULT_MIGRATE_MAX_CPU_THROTTLE 99,
 * DEFAULT_MIGRATE_THROTTLE_TRIGGER_THRESHOLD 50). virsh migrate --auto-converge keeps them unless
 * --auto-converge-initial / --auto-converge-increment are given, which the profile does not do.
 */
export const QEMU_AUTO_CONVERGE: AutoConvergeParams = {initialPercent: 20, incrementPercent: 10, maxPercent: 99, triggerPercent: 50}

/** QEMU's downtime-limit when nobody sets one (migration/options.c DEFAULT_MIGRATE_SET_DOWNTIME). */
export const QEMU_DEFAULT_DOWNTIME_LIMIT_MS = 300

/**
 * Passes over memory without progress (what is left not shrinking, above max-downtime at the
 * bandwidth) after which max-downtime counts as exceeded: the runner's judgement (run/limits.ts)
 * and the model's (precopy.ts). Three: one pass can be noise (a burst of writes), three in a row
 * is a guest that writes as fast as the link carries.
 */
export const STALL_PASSES = 3

/** What a limit does when it is hit (profile migration.on-limit), as z/VM's VMRELOCATE cancels. */
export const LIMIT_ACTIONS = ['cancel', 'suspend', 'postcopy'] as const
export type LimitAction = (typeof LIMIT_ACTIONS)[number]

export interface MigrationScenario {
  /** Guest RAM the first pass sends (its current memory). */
  ramBytes: number
  /**
   * How fast the guest dirties memory: of a measurement in several short windows, the highest
   * (hosts/dirty-rate-measure.ts), the rate the short passes before the switch-over run into.
   */
  dirtyBytesPerSecond: number
  /**
   * The windows' average, when below dirtyBytesPerSecond (a guest that writes in bursts): the rate
   * the long passes see. Whether pre-copy converges is decided at dirtyBytesPerSecond; when it does,
   * how long it takes is predicted at this rate (precopy.ts). Unset: dirtyBytesPerSecond throughout.
   */
  averageDirtyBytesPerSecond?: number
  /** What one migration connection carries: the --bandwidth limit, or what the path gives one stream. */
  bandwidthBytesPerSecond: number
  /** QEMU's downtime-limit: pre-copy switches over once the rest fits in it at the bandwidth. */
  downtimeLimitMs: number
  /** Disks libvirt copies first (--copy-storage-all: NBD drive-mirror, before any memory). Default 0. */
  diskBytes?: number
  /** The fixed time of a migration besides moving bytes (destination QEMU start, connections, switch-over and activation), seconds. Default 0. */
  setupSeconds?: number
  /**
   * The pages the guest keeps rewriting (its writable working set): no pass finds more than this
   * dirty. Default: all of RAM, i.e. every write dirties a page not yet dirty in this pass.
   */
  workingSetBytes?: number
  /** Set: --auto-converge with these parameters. */
  autoConverge?: AutoConvergeParams
  /** --parallel-connections N; 0 or 1: one stream. */
  parallelConnections?: number
  /**
   * What all connections together cannot exceed: the link, or a bandwidth limit (QEMU applies
   * max-bandwidth to every channel together). Default: one connection's bandwidth, i.e. parallel
   * connections are assumed to gain nothing unless the caller knows the path has more.
   */
  bandwidthCapBytesPerSecond?: number
  /** virsh --timeout: so many seconds after the start, switch to post-copy or pause the guest to finish. */
  timeout?: {seconds: number; action: 'suspend' | 'postcopy'}
  /** zmigrate's limits (profile migration.max-total, max-downtime, on-limit), timed from the start. */
  limits?: {maxTotalSeconds?: number; maxDowntimeMs?: number; onLimit: LimitAction}
}

/**
 * - converges: pre-copy reaches QEMU's switch-over condition; the guest pauses for `downtimeMs`.
 * - postcopy: a timeout or limit switched to post-copy, which always finishes (while the link holds).
 * - suspended: a timeout or limit paused the guest to finish; the pause is `downtimeMs`, beyond the limit.
 * - cancelled: a limit with on-limit cancel ended it; the guest stays on the source.
 * - never: pre-copy never reaches the switch-over and nothing stops it (virsh migrate runs until cancelled).
 */
export type Outcome = 'converges' | 'postcopy' | 'suspended' | 'cancelled' | 'never'

/** What ended pre-copy before it converged. */
export type EndedBy = 'timeout' | 'max-total' | 'max-downtime'

export interface Prediction {
  outcome: Outcome
  /** The migration completes with the guest paused no longer than the downtime limit: converges or postcopy. */
  converges: boolean
  /** From the start to the guest running on the destination (or to the cancel); absent when it never ends. */
  totalSeconds?: number
  /** The disk copy before the memory migration. */
  diskSeconds: number
  /** Pre-copy passes over memory, from their start to the switch-over or the event that ended them. */
  precopySeconds?: number
  /** Complete pre-copy passes (the first sends all of RAM); absent when pre-copy never ends. */
  iterations?: number
  /** The guest's pause at the switch-over (stop-and-copy, the post-copy switch, or the suspended finish). */
  downtimeMs?: number
  /** Post-copy: when the guest started on the destination (seconds from the start) and how long its memory kept arriving. */
  postcopy?: {switchAfterSeconds: number; postcopySeconds: number}
  endedBy?: EndedBy
  /** auto-converge's throttle at the end, percent of vCPU time taken from the guest (0: none). */
  throttlePercent: number
  /** The bandwidth the model used (connections and cap applied). */
  bandwidthBytesPerSecond: number
}

/** An input the model cannot work with (a zero bandwidth, a negative size); names the field. */
export class PredictionInputError extends RangeError {
  readonly field: string
  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.name = 'PredictionInputError'
    this.field = field
  }
}
