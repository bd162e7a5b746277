/**
 * The commands that steer a running migration job on the source and read how it ended, each a
 * fixed argv naming the guest by UUID (virsh resolves `--domain X` as an ID first), checked here
 * since they run while a migration is in flight:
 *
 *   virsh domjobabort --domain UUID        cancel (libvirt aborts the job; the guest stays on the source)
 *   virsh suspend --domain UUID            pause the guest so that pre-copy finishes (as virsh --timeout-suspend)
 *   virsh resume --domain UUID             run it again on the source after a cancel left it paused
 *   virsh migrate-postcopy --domain UUID   switch a migration started with --postcopy to post-copy
 *   virsh domjobinfo --domain UUID --completed --rawstats   how the last job ended (type, errmsg)
 *   virsh domstate --domain UUID --reason  e.g. "paused (post-copy failed)"
 */
import type {RunResult} from '../hosts/transport.js'
import {UUID} from '../plan/values.js'
import {virsh, type HostRef} from './host-ops.js'
import {parseJobInfo, type JobStats} from './jobinfo.js'

export const JOB_COMMANDS = ['domjobabort', 'suspend', 'resume', 'migrate-postcopy'] as const
export type JobCommand = (typeof JOB_COMMANDS)[number]

function checkedUuid(domain: string): string {
  if (!UUID.test(domain)) throw new TypeError(`a migration job is steered by the guest's UUID, not ${JSON.stringify(domain.slice(0, 60))}`)
  return domain
}

export function jobCommandArgv(command: JobCommand, domain: string): string[] {
  if (!JOB_COMMANDS.includes(command)) throw new TypeError(`not a job command: ${String(command)}`)
  return [command, '--domain', checkedUuid(domain)]
}

export async function steerJob(h: HostRef, command: JobCommand, domain: string): Promise<RunResult> {
  return virsh(h, jobCommandArgv(command, domain), {timeoutMs: 30_000})
}

/** libvirt's statistics of the last job that ended on this host (kept for completed, failed and cancelled jobs). */
export async function lastJob(h: HostRef, domain: string): Promise<JobStats | undefined> {
  const r = await virsh(h, ['domjobinfo', '--domain', checkedUuid(domain), '--completed', '--rawstats'], {timeoutMs: 10_000}).catch(() => undefined)
  if (r?.exitCode !== 0) return undefined
  const stats = parseJobInfo(r.stdout)
  return stats.type === undefined || stats.type === 'None' ? undefined : stats
}

/** `paused (post-copy failed)` and the like; undefined when the host does not answer or has no such guest. */
export async function domainStateReason(h: HostRef, domain: string): Promise<string | undefined> {
  const r = await virsh(h, ['domstate', '--domain', checkedUuid(domain), '--reason'], {timeoutMs: 15_000}).catch(() => undefined)
  return r?.exitCode === 0 ? r.stdout.trim().split('\n')[0]?.trim() : undefined
}

/** libvirt's paused reasons of a migration in post-copy: VIR_DOMAIN_PAUSED_POSTCOPY ("post-copy") and _POSTCOPY_FAILED. */
export function inPostcopy(stateReason: string | undefined): boolean {
  return stateReason !== undefined && /\bpost-copy\b/i.test(stateReason)
}
