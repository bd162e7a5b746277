/**
 * The jobs a host's libvirt runs for some guests, in one round trip: `virsh domjobinfo --rawstats`
 * per guest UUID (and, for a host asked about by name, every active guest's), each answer framed by
 * a marker line and its exit status. On the source of a migration the job carries its statistics;
 * on the destination libvirt refuses them ("migration statistics are available only on the source
 * host", qemuDomainGetJobStatsInternal), which is itself the sign of an incoming migration.
 * The UUIDs are arguments of a constant script, never pasted into it.
 */
import {parseJobInfo, type JobStats} from './jobinfo.js'
import {UUID} from '../plan/values.js'
import type {HostTransport} from '../hosts/transport.js'

export const JOBS_SCRIPT = `uri=$1; all=$2; shift 2
if [ "$all" = all ]; then set -- "$@" $(virsh -q -c "$uri" list --uuid 2>/dev/null); fi
for u in "$@"; do
  printf '\\n::zm-job:: %s\\n' "$u"
  if [ "$all" = all ]; then printf '::zm-name:: %s\\n' "$(virsh -q -c "$uri" domname --domain "$u" 2>/dev/null)"; fi
  virsh -c "$uri" domjobinfo --domain "$u" --rawstats 2>&1
  printf '\\n::zm-rc:: %s\\n' "$?"
done
`

export type JobState = 'active' | 'none' | 'incoming' | 'absent' | 'unsupported' | 'error'

export interface GuestJob {
  uuid: string
  /** The guest's name on the host (asked for every active guest only). */
  name?: string
  state: JobState
  /** migration-out, migration-in, save, … (libvirt's VIR_DOMAIN_JOB_OPERATION_*). */
  operation?: string
  stats?: JobStats
  /** What virsh said, when it did not give statistics. */
  message?: string
}

/** libvirt's virDomainJobOperation, by number (--rawstats) and by virsh's label. */
const OPERATIONS = ['unknown', 'start', 'save', 'restore', 'migration-in', 'migration-out', 'snapshot', 'snapshot-revert', 'dump', 'backup', 'snapshot-delete']
const LABELS: Record<string, string> = {'incoming migration': 'migration-in', 'outgoing migration': 'migration-out'}

export function operationName(op: string | undefined): string | undefined {
  if (op === undefined) return undefined
  if (/^\d+$/.test(op)) return OPERATIONS[Number(op)] ?? op
  return LABELS[op.trim().toLowerCase()] ?? op.trim().toLowerCase().replace(/\s+/g, '-')
}

function classify(uuid: string, body: string, rc: number, name?: string): GuestJob {
  const base = {uuid, ...(name ? {name} : {})}
  if (rc === 0) {
    const stats = parseJobInfo(body)
    if (stats.type === undefined || stats.type === 'None') return {...base, state: 'none'}
    return {...base, state: 'active', ...(stats.operation !== undefined ? {operation: operationName(String(stats.operation))} : {}), stats}
  }
  const message = body
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^error:\s*/, '')
    .slice(0, 300)
  if (/available only on the source host/i.test(body)) return {...base, state: 'incoming', operation: 'migration-in', message}
  if (/failed to get domain|domain not found|no domain with matching/i.test(body)) return {...base, state: 'absent'}
  if (/domain is not running/i.test(body)) return {...base, state: 'none'}
  if (/not supported by the (?:connection driver|daemon)/i.test(body)) return {...base, state: 'unsupported', message}
  return {...base, state: 'error', message}
}

/** The script's output → one job per UUID (the first answer for a UUID listed twice). */
export function parseGuestJobs(stdout: string): GuestJob[] {
  const jobs = new Map<string, GuestJob>()
  for (const section of stdout.split('\n::zm-job:: ').slice(1)) {
    const nl = section.indexOf('\n')
    const uuid = (nl < 0 ? section : section.slice(0, nl)).trim().toLowerCase()
    const rcAt = section.lastIndexOf('\n::zm-rc:: ')
    if (!UUID.test(uuid) || rcAt < 0 || jobs.has(uuid)) continue
    let body = section.slice(nl + 1, rcAt)
    let name: string | undefined
    const named = /^::zm-name:: ?(.*)\n/.exec(body)
    if (named) {
      name = named[1].trim() || undefined
      body = body.slice(named[0].length)
    }
    const rc = Number(
      section
        .slice(rcAt + '\n::zm-rc:: '.length)
        .trim()
        .split('\n')[0],
    )
    jobs.set(uuid, classify(uuid, body, Number.isInteger(rc) ? rc : -1, name))
  }
  return [...jobs.values()]
}

/**
 * The jobs of `uuids` on the host (libvirt at `uri`), and of every active guest too with `all`.
 * One command, bounded in time; a host that cannot run it throws (the caller reports it per host).
 */
export async function guestJobs(t: HostTransport, uri: string, uuids: readonly string[], opts: {all?: boolean; timeoutMs?: number} = {}): Promise<GuestJob[]> {
  const wanted = [...new Set(uuids.map((u) => u.toLowerCase()))].filter((u) => UUID.test(u))
  if (wanted.length === 0 && !opts.all) return []
  const r = await t.run(['sh', '-c', JOBS_SCRIPT, 'zmigrate', uri, opts.all ? 'all' : 'given', ...wanted], {timeoutMs: opts.timeoutMs ?? 30_000})
  if (r.exitCode !== 0 && !r.stdout.includes('::zm-job::')) {
    throw new Error(
      `${t.hostName}: could not ask libvirt for its jobs: ${r.timedOut ? 'timed out' : r.stderr.trim().split('\n')[0] || `exit status ${r.exitCode}`}`,
    )
  }
  return parseGuestJobs(r.stdout)
}
