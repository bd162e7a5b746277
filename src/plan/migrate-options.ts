/**
 * From the site's migration policy and the guest's state to `virsh migrate` options, and from
 * those options to argv. Pure: the runner executes the argv, the plan shows it for review.
 */
import {downtimeTargetMs, liveTimeout, policyBandwidthMiB} from '../predict/policy.js'
import {migrationModeFor, type MigrationPolicy} from '../profiles/types.js'
import type {MigrateOptions} from './types.js'

export interface MigrateChoiceInput {
  policy: MigrationPolicy
  /** Source state of the guest: running, paused, shut off, … */
  guestState: string
  memoryKiB: number
  /** Disk targets that need copying (local, writable, not detached). */
  copyDisks: string[]
  destinationUri: string
}

export function chooseMigrateOptions(input: MigrateChoiceInput): MigrateOptions {
  const {policy} = input
  const mode = migrationModeFor(policy, input.guestState)
  const offline = mode === 'offline'
  const live = mode === 'live' ? liveTimeout(policy, input.memoryKiB) : {postcopy: false}
  return {
    mode,
    // libvirt: offline migration must be persistent ("offline migration must be specified with the persistent flag set")
    persistent: offline ? true : policy.persistent,
    undefineSource: policy.undefineSource,
    suspend: !offline && policy.suspendOnArrival,
    // an offline migration moves only the definition: there is nothing to copy
    copyDisks: offline ? [] : [...input.copyDisks],
    parallelConnections: offline ? 0 : policy.parallelConnections,
    autoConverge: !offline && policy.autoConverge,
    postcopy: live.postcopy,
    timeoutSeconds: live.seconds,
    timeoutAction: live.action,
    // bandwidth, never above total-bandwidth (all migrations share it; one alone may use it all): what the prediction assumes
    bandwidthMiB: offline ? undefined : policyBandwidthMiB(policy),
    // the target QEMU switches over at: max-downtime-ms, else the limit max-downtime (predict/policy.ts)
    maxDowntimeMs: offline ? undefined : downtimeTargetMs(policy),
    p2p: policy.transport === 'p2p' || policy.tunnelled,
    tunnelled: policy.tunnelled,
    unsafe: policy.unsafe,
    destinationUri: input.destinationUri,
    ...(mode === 'live' ? liveLimits(policy) : {}),
  }
}

/**
 * The limits a live migration runs under (z/VM's MAXTOTAL and MAXQUIESCE; the runner enforces
 * them: run/limits.ts). Only a live migration has them: an offline one moves a definition, and a
 * non-live one keeps the guest paused throughout, with nothing to bound but its length.
 */
function liveLimits(policy: MigrationPolicy): Pick<MigrateOptions, 'limits'> {
  const {maxTotalSeconds, maxDowntimeMs, onLimit} = policy.limits
  if (maxTotalSeconds === undefined && maxDowntimeMs === undefined) return {}
  return {
    limits: {...(maxTotalSeconds !== undefined ? {maxTotalSeconds} : {}), ...(maxDowntimeMs !== undefined ? {maxDowntimeMs} : {}), onLimit},
  }
}

/** `virsh migrate` arguments after `virsh -c <uri>`; the guest is named by `--domain UUID`. */
export function migrateArgv(domainUuid: string, o: MigrateOptions): string[] {
  const a: string[] = ['migrate']
  if (o.mode === 'live') a.push('--live')
  if (o.mode === 'offline') a.push('--offline')
  if (o.persistent) a.push('--persistent')
  if (o.undefineSource) a.push('--undefinesource')
  if (o.suspend) a.push('--suspend')
  if (o.p2p) a.push('--p2p')
  if (o.tunnelled) a.push('--tunnelled')
  if (o.copyDisks.length > 0) a.push('--copy-storage-all', '--migrate-disks', o.copyDisks.join(','))
  if (o.parallelConnections > 0) a.push('--parallel', '--parallel-connections', String(o.parallelConnections))
  if (o.autoConverge) a.push('--auto-converge')
  if (o.postcopy) a.push('--postcopy')
  if (o.timeoutSeconds !== undefined) {
    a.push('--timeout', String(o.timeoutSeconds))
    a.push(o.timeoutAction === 'postcopy' ? '--timeout-postcopy' : '--timeout-suspend')
  }
  if (o.bandwidthMiB !== undefined) a.push('--bandwidth', String(Math.round(o.bandwidthMiB)))
  if (o.unsafe) a.push('--unsafe')
  a.push('--domain', domainUuid, '--desturi', o.destinationUri)
  return a
}
