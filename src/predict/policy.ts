/**
 * What the site's migration policy (profile migration:) means for the model, in one place: the
 * QEMU downtime target, virsh's timeout and its action, the limits, and from those and a guest's
 * measured facts the scenario precopy.ts predicts. The planner takes the target and the timeout
 * from here too (plan/migrate-options.ts), so the prediction and `virsh migrate` cannot disagree.
 * Pure.
 */
import type {MigrationPolicy} from '../profiles/types.js'
import {QEMU_AUTO_CONVERGE, QEMU_DEFAULT_DOWNTIME_LIMIT_MS, type MigrationScenario} from './types.js'

const MiB = 1024 * 1024
const KiB = 1024

/**
 * The downtime target QEMU gets (migrate-setmaxdowntime): max-downtime-ms, else the limit
 * max-downtime (pre-copy then switches over as soon as the rest fits in the limit); unset: QEMU's
 * own (300 ms), and zmigrate sets nothing.
 */
export function downtimeTargetMs(policy: Pick<MigrationPolicy, 'maxDowntimeMs' | 'limits'>): number | undefined {
  return policy.maxDowntimeMs ?? policy.limits.maxDowntimeMs
}

export interface LiveTimeout {
  /** --postcopy: post-copy enabled for this migration. */
  postcopy: boolean
  /** --timeout N and what virsh does then (--timeout-postcopy / --timeout-suspend). */
  seconds?: number
  action?: 'suspend' | 'postcopy'
}

/**
 * virsh's timeout for a live migration: postcopy-after N switches to post-copy after N seconds;
 * timeout-per-gib gives N seconds per GiB of the guest's memory, then timeout-action (post-copy
 * only when postcopy-after enabled it, which the profile loader requires). Counted by virsh from
 * the start of `virsh migrate`, disk copy included.
 */
export function liveTimeout(policy: MigrationPolicy, memoryKiB: number): LiveTimeout {
  const memoryGiB = memoryKiB / 1024 / 1024
  const perGiB = policy.timeoutPerGiBSeconds !== undefined ? Math.max(1, Math.ceil(policy.timeoutPerGiBSeconds * memoryGiB)) : undefined
  const postcopy = policy.postcopyAfterSeconds !== undefined || (perGiB !== undefined && policy.timeoutAction === 'postcopy')
  const seconds = postcopy && policy.postcopyAfterSeconds !== undefined ? policy.postcopyAfterSeconds : perGiB
  if (seconds === undefined) return {postcopy}
  return {postcopy, seconds, action: postcopy ? 'postcopy' : 'suspend'}
}

/**
 * The bandwidth one migration gets (MiB/s): `bandwidth`, and never more than `total-bandwidth`
 * (the whole site's, an upper bound for one migration alone: an evacuation's share is smaller).
 * Unset: libvirt sets no limit and the path decides, which the profile does not tell.
 */
export function policyBandwidthMiB(policy: Pick<MigrationPolicy, 'bandwidthMiB' | 'totalBandwidthMiB'>): number | undefined {
  const known = [policy.bandwidthMiB, policy.totalBandwidthMiB].filter((v): v is number => v !== undefined)
  return known.length > 0 ? Math.min(...known) : undefined
}

export interface GuestMigrationFacts {
  /** The guest's current memory (`<currentMemory>`, else `<memory>`), KiB: what the first pass sends and what virsh's timeout is sized by. */
  memoryKiB: number
  /** The guest's dirty rate: of several windows, the highest. */
  dirtyBytesPerSecond: number
  /** The windows' average, when there were several (MigrationScenario.averageDirtyBytesPerSecond). */
  averageDirtyBytesPerSecond?: number
  /** Bytes libvirt copies for the disks that are copied (0: none). */
  diskBytes: number
  /**
   * The guest's RAM resident on the host, when it was read (hosts/resident-memory.ts): the first
   * pass sends at most this much as whole pages, the rest as zero pages of a few bytes each.
   */
  residentBytes?: number
}

/**
 * The scenario of a live migration of this guest under the policy; undefined when the profile
 * gives no bandwidth (the model needs one, and guessing the link's would be pretending). Parallel
 * connections gain nothing here: libvirt's --bandwidth is QEMU's max-bandwidth, which counts every
 * channel's bytes together (migration-stats.c migration_transferred_bytes: main file + multifd + rdma).
 */
export function scenarioFromPolicy(policy: MigrationPolicy, guest: GuestMigrationFacts): MigrationScenario | undefined {
  const bandwidthMiB = policyBandwidthMiB(policy)
  if (bandwidthMiB === undefined) return undefined
  const bandwidth = bandwidthMiB * MiB
  const timeout = liveTimeout(policy, guest.memoryKiB)
  const scenario: MigrationScenario = {
    ramBytes: guest.residentBytes !== undefined ? Math.min(guest.memoryKiB * KiB, guest.residentBytes) : guest.memoryKiB * KiB,
    dirtyBytesPerSecond: guest.dirtyBytesPerSecond,
    bandwidthBytesPerSecond: bandwidth,
    bandwidthCapBytesPerSecond: bandwidth,
    parallelConnections: policy.parallelConnections,
    downtimeLimitMs: downtimeTargetMs(policy) ?? QEMU_DEFAULT_DOWNTIME_LIMIT_MS,
    diskBytes: guest.diskBytes,
    limits: {...policy.limits},
  }
  if (guest.averageDirtyBytesPerSecond !== undefined && guest.averageDirtyBytesPerSecond < guest.dirtyBytesPerSecond)
    scenario.averageDirtyBytesPerSecond = guest.averageDirtyBytesPerSecond
  if (policy.setupSeconds !== undefined) scenario.setupSeconds = policy.setupSeconds
  if (policy.autoConverge) scenario.autoConverge = QEMU_AUTO_CONVERGE
  if (timeout.seconds !== undefined && timeout.action !== undefined) scenario.timeout = {seconds: timeout.seconds, action: timeout.action}
  return scenario
}
