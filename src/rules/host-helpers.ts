/**
 * Small lookups shared by the host rules (src/rules/host): what kind of migration the policy
 * and the guest's state make this, libvirt nodeset syntax, version order, sizes for messages,
 * shared file systems. Pure functions of the check context.
 */
import type {HostFacts, MountEntry} from '../hosts/facts-types.js'
import type {MigrationPolicy} from '../profiles/types.js'
import type {CheckContext} from './types.js'

/**
 * Only the definition moves: the guest is shut off on the source (virsh migrate --offline) or the
 * profile asks for an offline migration. Nothing runs on the destination during the migration then.
 */
export function isOfflineMigration(ctx: Pick<CheckContext, 'guest' | 'profile'>): boolean {
  return ctx.guest.state === 'shut off' || ctx.profile.migration.mode === 'offline'
}

/** The policy enables post-copy: `--postcopy --postcopy-after-precopy` or `--timeout-postcopy`. */
export function postcopyEnabled(policy: MigrationPolicy): boolean {
  return policy.postcopyAfterSeconds !== undefined || policy.timeoutAction === 'postcopy'
}

/** 'host zhost-b' */
export function hostSubject(facts: HostFacts): string {
  return `host ${facts.host}`
}

/** 'guest linux01' */
export function guestSubject(name: string): string {
  return `guest ${name}`
}

/** 8388608 → '8 GiB', 6815744 → '6.5 GiB', 524288 → '512 MiB'. */
export function formatKiB(kib: number): string {
  const gib = kib / (1024 * 1024)
  if (gib >= 1) return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`
  const mib = kib / 1024
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`
}

/** A huge page size for messages: 1024 → '1 MiB', 2097152 → '2 GiB'. */
export function formatPageSize(kib: number): string {
  if (kib >= 1024 * 1024) return `${kib / (1024 * 1024)} GiB`
  if (kib >= 1024) return `${kib / 1024} MiB`
  return `${kib} KiB`
}

/**
 * libvirt's nodeset / cpuset syntax ('0-3,^2,5') → sorted distinct numbers; undefined when it is
 * not valid syntax.
 */
export function parseNodeset(text: string): number[] | undefined {
  const include = new Set<number>()
  const exclude = new Set<number>()
  for (const raw of text.split(',')) {
    const part = raw.trim()
    const m = /^(\^)?(\d+)(?:-(\d+))?$/.exec(part)
    if (!m) return undefined
    const from = Number(m[2])
    const to = m[3] === undefined ? from : Number(m[3])
    if (to < from) return undefined
    for (let n = from; n <= to; n++) (m[1] ? exclude : include).add(n)
  }
  return [...include].filter((n) => !exclude.has(n)).sort((a, b) => a - b)
}

/** Leading dotted number of a version string: '8.2.2 (Debian 1:8.2.2+ds)' → [8, 2, 2]. */
export function versionNumbers(version: string | undefined): number[] | undefined {
  const m = version === undefined ? null : /(\d+(?:\.\d+)*)/.exec(version)
  return m ? m[1].split('.').map(Number) : undefined
}

/** Negative when a < b, 0 when equal, positive when a > b ('7.2' equals '7.2.0'). */
export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * File systems whose files both hosts see with the same numeric owner: NFS and the cluster and
 * network file systems used for shared guest images.
 */
const SHARED_FS_TYPES = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'ceph', 'fuse.ceph', 'glusterfs', 'fuse.glusterfs', 'gfs2', 'ocfs2', 'gpfs'])

/** The shared-file-system mount holding a path on a host (the longest matching mount point). */
export function sharedMountFor(facts: HostFacts, path: string): MountEntry | undefined {
  const under = (target: string) => target === '/' || path === target || path.startsWith(target.endsWith('/') ? target : `${target}/`)
  const holding = facts.mounts.filter((m) => under(m.target)).sort((a, b) => b.target.length - a.target.length)[0]
  return holding && SHARED_FS_TYPES.has(holding.fstype) ? holding : undefined
}
