/**
 * Small lookups shared by the host rules (src/rules/host): what kind of migration the policy
 * and the guest's state make this, libvirt nodeset syntax, subjects. Pure functions of the check
 * context. (Version order: versions.ts; sizes: src/units.ts; shared file systems: shared-fs.ts.)
 */
import type {HostFacts} from '../hosts/facts-types.js'
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
