/**
 * From a schema-valid profile document to the ResolvedProfile the rest of zmigrate uses:
 * the checks a schema cannot express (rule ids, host references, device identities), then
 * defaults merged into each host and paths made absolute. Every problem is located. The
 * site-wide sections (relocation domains, placement, concurrency) are resolve-site.ts's.
 */
import path from 'node:path'
import type {DocumentLocator, IssuePath, ProfileIssue} from './issues.js'
import {closest} from './issues.js'
import {resolveSiteSections, unknownHostMessage} from './resolve-site.js'
import type {DeviceMapping, HostSettings, ProfileDocument} from './schema.js'
import type {MigrationPolicy, ResolvedHost, ResolvedProfile, ResolvedRuleOverride} from './types.js'

/** What a host gets when neither the host nor `defaults` says otherwise. */
export const BUILT_IN_HOST_DEFAULTS = {
  transport: 'ssh',
  libvirtUri: 'qemu:///system',
  root: '/',
  connectTimeoutSeconds: 10,
  agent: true,
  trustOnFirstUse: false,
} as const

export const DEFAULT_MIGRATION_POLICY: MigrationPolicy = {
  mode: 'auto',
  persistent: true,
  undefineSource: true,
  suspendOnArrival: false,
  copyStorage: 'auto',
  sourceImages: 'keep',
  parallelConnections: 0,
  autoConverge: false,
  timeoutAction: 'suspend',
  transport: 'direct',
  tunnelled: false,
  unsafe: false,
  detachTimeoutSeconds: 30,
  limits: {onLimit: 'cancel'},
  // three windows of one second: pre-copy's passes near the switch-over last about a second or less,
  // and a guest that writes in bursts is at its burst rate in a window that short; three see the
  // burst of a writer that pauses up to about two seconds (hosts/dirty-rate-measure.ts). About 3 s.
  dirtyRate: {measure: false, seconds: 1, windows: 3},
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** libvirt's ccw devno: `(0x)?[0-9a-fA-F]{1,4}` (domaincommon.rng, ccwDevnoRange). */
const CCW_DEVNO = /^(0x)?[0-9a-f]{1,4}$/i
const PATH_SETTINGS = ['identity', 'known-hosts', 'root'] as const

export interface ResolveContext {
  /** Absolute path of the profile file: relative paths in it are relative to its directory. */
  file: string
  sha256: string
  home: string
  ruleIds: readonly string[]
  locator: DocumentLocator
  /** Every host name the file has (default: the document's hosts); differs when checking a partly invalid file. */
  hostNames?: readonly string[]
}

export function resolveProfile(doc: ProfileDocument, ctx: ResolveContext): {profile: ResolvedProfile; issues: ProfileIssue[]} {
  const issues: ProfileIssue[] = []
  const {locator} = ctx
  const baseDir = path.dirname(ctx.file)

  const hostNames = ctx.hostNames ?? Object.keys(doc.hosts)
  checkHomePaths(doc, locator, issues)
  if (hostNames.length === 0) issues.push(locator.issueAt(['hosts'], 'name at least one host', 'key'))

  const hosts: Record<string, ResolvedHost> = {}
  for (const [name, own] of Object.entries(doc.hosts)) {
    const host = resolveHost(name, {...doc.defaults, ...own}, {baseDir, home: ctx.home})
    if (host.transport === 'ssh' && host.address === '') {
      const how = own.transport ? '' : doc.defaults?.transport ? ' (from defaults)' : ' (the default)'
      issues.push(locator.issueAt(['hosts', name], `transport ssh${how} needs an address: set address (a host name or IP address)`, 'key'))
    }
    hosts[name] = host
  }

  const rules: Record<string, ResolvedRuleOverride> = {}
  for (const [id, override] of Object.entries(doc.rules ?? {})) {
    if (!ctx.ruleIds.includes(id)) {
      const suggestion = closest(id, ctx.ruleIds)
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : ''
      issues.push(locator.issueAt(['rules', id], `unknown rule id "${id}"${hint}; zmigrate rules lists the rule ids`, 'key'))
    }
    rules[id] = {rule: id, ...override}
  }

  checkMigrationPolicy(doc.migration ?? {}, locator, issues)

  const selectors = doc.devices?.['detach-for-migration'] ?? []
  selectors.forEach((selector, i) => {
    const at: IssuePath = ['devices', 'detach-for-migration', i]
    if (Object.keys(selector).length === 0) {
      issues.push(locator.issueAt(at, 'an empty selector would select every device: set at least one of guest, kind, model, target, devno, source, alias'))
    }
    if (selector.devno !== undefined && !CCW_DEVNO.test(selector.devno)) {
      issues.push(
        locator.issueAt(
          [...at, 'devno'],
          `"${selector.devno}" is not a ccw device number: write the guest devno as libvirt does, e.g. 0x0009 (not a bus-ID like 0.0.0009)`,
        ),
      )
    }
    if (selector.target !== undefined && selector.kind !== undefined && selector.kind !== 'disk') {
      issues.push(locator.issueAt([...at, 'target'], `target names a disk (e.g. vdb) and never matches kind ${selector.kind}`))
    }
  })

  const mappings = doc.devices?.mappings ?? []
  const seen = new Map<string, number>()
  const resolvedMappings: DeviceMapping[] = mappings.map((mapping, i) => {
    const at: IssuePath = ['devices', 'mappings', i]
    const toHost = mapping['to-host']
    if (toHost !== undefined && !hostNames.includes(toHost)) issues.push(locator.issueAt([...at, 'to-host'], unknownHostMessage(toHost, hostNames)))
    if (mapping.kind === 'mdev') {
      for (const end of ['from', 'to'] as const) {
        if (!UUID.test(mapping[end]))
          issues.push(locator.issueAt([...at, end], `"${mapping[end]}" is not an mdev UUID (8-4-4-4-12 hex digits, as in /sys/bus/mdev/devices)`))
      }
    }
    // libvirt writes UUIDs in lower case; mappings are matched exactly
    const resolved = mapping.kind === 'mdev' ? {...mapping, from: mapping.from.toLowerCase(), to: mapping.to.toLowerCase()} : mapping
    const identity = `${resolved.kind}\u0000${resolved.from}\u0000${toHost ?? ''}`
    const earlier = seen.get(identity)
    if (earlier !== undefined && mappings[earlier].to !== mapping.to) {
      issues.push(
        locator.issueAt(
          [...at, 'to'],
          `conflicts with devices.mappings[${earlier}], which maps the same ${mapping.kind} "${mapping.from}"${toHost ? ` to ${toHost}` : ''} to "${mappings[earlier].to}"`,
        ),
      )
    } else if (earlier === undefined) {
      seen.set(identity, i)
    }
    return resolved
  })

  const {totalBandwidthMiB, ...site} = resolveSiteSections(doc, hostNames, locator, issues)
  const migration = resolveMigration(doc.migration ?? {})
  if (totalBandwidthMiB !== undefined) migration.totalBandwidthMiB = totalBandwidthMiB
  const profile: ResolvedProfile = {
    site: doc.site,
    file: ctx.file,
    sha256: ctx.sha256,
    hosts,
    rules,
    migration,
    detachForMigration: selectors,
    mappings: resolvedMappings,
    ...site,
  }
  if (doc.description !== undefined) profile.description = doc.description
  return {profile, issues}
}

function resolveHost(name: string, s: HostSettings, where: {baseDir: string; home: string}): ResolvedHost {
  const transport = s.transport ?? BUILT_IN_HOST_DEFAULTS.transport
  // '' marks a missing ssh address; the caller reports it
  const address = s.address ?? (transport === 'local' ? 'localhost' : '')
  const toPath = (p: string) => expandPath(p, where)
  const identity = s.identity === undefined ? [] : typeof s.identity === 'string' ? [s.identity] : s.identity
  const host: ResolvedHost = {
    name,
    transport,
    address,
    identities: identity.map(toPath),
    trustOnFirstUse: s['trust-on-first-use'] ?? BUILT_IN_HOST_DEFAULTS.trustOnFirstUse,
    libvirtUri: s['libvirt-uri'] ?? BUILT_IN_HOST_DEFAULTS.libvirtUri,
    migrationUri: s['migration-uri'] ?? defaultMigrationUri(address, s.user, s.port),
    root: toPath(s.root ?? BUILT_IN_HOST_DEFAULTS.root),
    connectTimeoutMs: Math.round((s['connect-timeout'] ?? BUILT_IN_HOST_DEFAULTS.connectTimeoutSeconds) * 1000),
    agent: s.agent ?? BUILT_IN_HOST_DEFAULTS.agent,
  }
  // unset stays unset: the SSH layer fills these from ~/.ssh/config and OpenSSH's defaults
  if (s.port !== undefined) host.port = s.port
  if (s.user !== undefined) host.user = s.user
  if (s['known-hosts'] !== undefined) host.knownHosts = toPath(s['known-hosts'])
  return host
}

/** `qemu+ssh://[user@]address[:port]/system`: how the migration source reaches this host's libvirt. */
export function defaultMigrationUri(address: string, user?: string, port?: number): string {
  const hostPart = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address
  return `qemu+ssh://${user ? `${encodeURIComponent(user)}@` : ''}${hostPart}${port ? `:${port}` : ''}/system`
}

/** `~` and `~/x` are in the home directory; other relative paths are relative to the profile's directory. */
export function expandPath(p: string, where: {baseDir: string; home: string}): string {
  if (p === '~') return where.home
  if (p.startsWith('~/')) return path.join(where.home, p.slice(2))
  return path.resolve(where.baseDir, p)
}

/** `~user/…` would silently become a directory named "~user" next to the profile: refuse it. */
function checkHomePaths(doc: ProfileDocument, locator: DocumentLocator, issues: ProfileIssue[]): void {
  const sections: [IssuePath, HostSettings | undefined][] = [
    [['defaults'], doc.defaults],
    ...Object.entries(doc.hosts).map(([n, h]): [IssuePath, HostSettings] => [['hosts', n], h]),
  ]
  for (const [at, settings] of sections) {
    for (const key of PATH_SETTINGS) {
      const value = settings?.[key]
      if (value === undefined) continue
      const values = typeof value === 'string' ? [[value, [...at, key]] as const] : value.map((v, i) => [v, [...at, key, i]] as const)
      for (const [v, p] of values) {
        if (v.startsWith('~') && v !== '~' && !v.startsWith('~/')) {
          issues.push(locator.issueAt(p, `"${v}": only ~ and ~/ (your home directory) are expanded; write the full path`))
        }
      }
    }
  }
}

/** Combinations virsh migrate refuses, caught before anything runs. */
function checkMigrationPolicy(m: NonNullable<ProfileDocument['migration']>, locator: DocumentLocator, issues: ProfileIssue[]): void {
  if (m.tunnelled && m.transport !== 'p2p') {
    issues.push(locator.issueAt(['migration', 'tunnelled'], 'a tunnelled migration needs transport: p2p (virsh migrate --tunnelled requires --p2p)'))
  }
  if (m['timeout-action'] === 'postcopy' && m['postcopy-after'] === undefined) {
    issues.push(
      locator.issueAt(
        ['migration', 'timeout-action'],
        'switching to post-copy on timeout needs post-copy enabled: set postcopy-after (virsh --timeout-postcopy requires --postcopy)',
      ),
    )
  }
  checkLimits(m, locator, issues)
  if (m.mode === 'offline' && m.persistent === false) {
    issues.push(
      locator.issueAt(
        ['migration', 'persistent'],
        'an offline migration only moves the persistent definition: persistent cannot be false (libvirt: "offline migration must be specified with the persistent flag set")',
      ),
    )
  }
}

/** The limits (max-total, max-downtime, on-limit) against the rest of the policy. */
function checkLimits(m: NonNullable<ProfileDocument['migration']>, locator: DocumentLocator, issues: ProfileIssue[]): void {
  const target = m['max-downtime-ms']
  const limit = m['max-downtime']
  if (target !== undefined && limit !== undefined && target > limit) {
    issues.push(
      locator.issueAt(
        ['migration', 'max-downtime-ms'],
        `QEMU's switch-over target (${target} ms) is above max-downtime (${limit} ms): QEMU would pause the guest longer than the limit allows; lower max-downtime-ms or remove it (the target is then max-downtime)`,
      ),
    )
  }
  const onLimit = m['on-limit']
  if (onLimit !== undefined && m['max-total'] === undefined && limit === undefined) {
    issues.push(locator.issueAt(['migration', 'on-limit'], 'on-limit says what exceeding max-total or max-downtime does: set one of them'))
  }
  if (onLimit === 'postcopy' && m['postcopy-after'] === undefined) {
    issues.push(
      locator.issueAt(
        ['migration', 'on-limit'],
        'switching to post-copy at a limit needs post-copy enabled when the migration starts: set postcopy-after (virsh migrate --postcopy)',
      ),
    )
  }
}

function resolveMigration(m: NonNullable<ProfileDocument['migration']>): MigrationPolicy {
  const d = DEFAULT_MIGRATION_POLICY
  const policy: MigrationPolicy = {
    mode: m.mode ?? d.mode,
    persistent: m.persistent ?? d.persistent,
    undefineSource: m['undefine-source'] ?? d.undefineSource,
    suspendOnArrival: m['suspend-on-arrival'] ?? d.suspendOnArrival,
    copyStorage: m['copy-storage'] ?? d.copyStorage,
    sourceImages: m['source-images'] ?? d.sourceImages,
    parallelConnections: m['parallel-connections'] ?? d.parallelConnections,
    autoConverge: m['auto-converge'] ?? d.autoConverge,
    timeoutAction: m['timeout-action'] ?? d.timeoutAction,
    transport: m.transport ?? d.transport,
    tunnelled: m.tunnelled ?? d.tunnelled,
    unsafe: m.unsafe ?? d.unsafe,
    detachTimeoutSeconds: m['detach-timeout'] ?? d.detachTimeoutSeconds,
    limits: {onLimit: m['on-limit'] ?? d.limits.onLimit},
    dirtyRate: {
      measure: m['measure-dirty-rate'] ?? d.dirtyRate.measure,
      seconds: m['dirty-rate-seconds'] ?? d.dirtyRate.seconds,
      windows: m['dirty-rate-windows'] ?? d.dirtyRate.windows,
    },
  }
  if (m['max-total'] !== undefined) policy.limits.maxTotalSeconds = m['max-total']
  if (m['max-downtime'] !== undefined) policy.limits.maxDowntimeMs = m['max-downtime']
  if (m['postcopy-after'] !== undefined) policy.postcopyAfterSeconds = m['postcopy-after']
  if (m.bandwidth !== undefined) policy.bandwidthMiB = m.bandwidth
  if (m['max-downtime-ms'] !== undefined) policy.maxDowntimeMs = m['max-downtime-ms']
  if (m['timeout-per-gib'] !== undefined) policy.timeoutPerGiBSeconds = m['timeout-per-gib']
  if (m['setup-seconds'] !== undefined) policy.setupSeconds = m['setup-seconds']
  return policy
}
