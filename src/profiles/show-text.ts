/**
 * Human rendering of a resolved profile (`zmigrate profile show`). Says where each unset
 * SSH setting will come from, so an admin sees the effective behaviour, not just the file.
 */
import {downtimeTargetMs} from '../predict/policy.js'
import {QEMU_DEFAULT_DOWNTIME_LIMIT_MS} from '../predict/types.js'
import type {Severity} from '../rules/severity.js'
import {formatBytes} from '../units.js'
import type {DeviceMapping, DeviceSelector} from './schema.js'
import type {MigrationPolicy, ResolvedHost, ResolvedProfile} from './types.js'

export interface ProfileShowing {
  found: {file: string; how: string}
  profile: ResolvedProfile
}

export function renderProfile({found, profile}: ProfileShowing, defaultSeverity: (rule: string) => Severity | undefined): string {
  const out: string[] = []
  out.push(`Site ${profile.site}${profile.description ? `: ${profile.description}` : ''}`)
  out.push(
    ...table(
      [
        ['file', found.file],
        ['chosen by', found.how],
        ['sha256', profile.sha256],
      ],
      '  ',
    ),
  )

  out.push('', 'Hosts')
  for (const host of Object.values(profile.hosts)) out.push(...renderHost(host))

  out.push('', 'Rule overrides')
  const overrides = Object.values(profile.rules)
  if (overrides.length === 0) out.push('  none: every rule has its default severity')
  for (const o of overrides) {
    const natural = defaultSeverity(o.rule)
    const change = o.enabled === false ? 'disabled' : o.severity ? `${natural ?? '?'} -> ${o.severity}` : 'enabled (default severity)'
    out.push(`  ${o.rule}: ${change}`, `    reason: ${o.reason}`)
  }

  out.push('', 'Migration policy')
  out.push(...table(migrationRows(profile.migration), '  '))

  out.push('', 'Devices detached for migration (and re-attached on the destination)')
  if (profile.detachForMigration.length === 0) out.push('  none')
  for (const s of profile.detachForMigration) out.push(`  - ${selectorText(s)}`)

  out.push('', 'Device mappings (source identity -> destination identity)')
  if (profile.mappings.length === 0) out.push('  none')
  for (const m of profile.mappings) out.push(`  - ${mappingText(m)}`)

  out.push('', ...siteLines(profile))
  return out.join('\n')
}

/** Relocation domains, placement and concurrency: where guests may go, and how many move at once. */
function siteLines({relocationDomains, placement, concurrency}: ResolvedProfile): string[] {
  const out = ['Relocation domains (sets of hosts a guest may move between)']
  const domains = Object.entries(relocationDomains)
  if (domains.length === 0) out.push('  none: a guest may go to any host')
  for (const [name, hosts] of domains) out.push(`  ${name}: ${hosts.join(', ')}`)

  const {reserve} = placement
  out.push('', 'Placement')
  out.push(
    ...table(
      [
        ['default domain', placement.defaultDomain ?? 'none: every host'],
        ['reserve memory', `${formatBytes(reserve.memoryKiB * 1024)} kept free on every destination`],
        [
          'reserve CPUs',
          reserve.cpus === undefined
            ? 'not set: vCPUs are not counted (KVM overcommits them)'
            : `${reserve.cpus}: a destination whose online CPUs minus ${reserve.cpus} cannot hold the vCPUs is avoided, not refused`,
        ],
      ],
      '  ',
    ),
  )
  for (const [guest, rule] of Object.entries(placement.guests)) {
    const parts = [
      rule.domain && `domain ${rule.domain}`,
      rule.pin && `only ${rule.pin.join(', ')}`,
      rule.exclude.length > 0 && `never ${rule.exclude.join(', ')}`,
    ]
    out.push(`  guest ${guest}: ${parts.filter(Boolean).join('; ')}`)
  }
  for (const [group, guests] of Object.entries(placement.antiAffinity)) out.push(`  anti-affinity ${group}: ${guests.join(', ')} never share a host`)

  out.push('', 'Concurrency (migrations at once)')
  out.push(
    ...table(
      [
        ['in the site', String(concurrency.site)],
        ['leaving one host', String(concurrency.outgoing)],
        ['arriving at one host', String(concurrency.incoming)],
      ],
      '  ',
    ),
  )
  return out
}

function renderHost(h: ResolvedHost): string[] {
  const rows: [string, string][] =
    h.transport === 'local'
      ? [['transport', 'local (commands run on this machine)']]
      : [
          ['transport', 'ssh'],
          ['address', h.address],
          ['port', h.port !== undefined ? String(h.port) : 'from ~/.ssh/config, else 22'],
          ['user', h.user ?? 'from ~/.ssh/config, else your login name'],
          [
            'identities',
            `${h.identities.length > 0 ? h.identities.join(', ') : "from ~/.ssh/config, else OpenSSH's default keys"}${h.agent ? ' (+ ssh-agent)' : ''}`,
          ],
          ['known hosts', h.knownHosts ?? 'from ~/.ssh/config, else ~/.ssh/known_hosts'],
          ['trust on first use', yesNo(h.trustOnFirstUse)],
          ['connect timeout', `${h.connectTimeoutMs / 1000} s`],
        ]
  rows.push(['libvirt URI', h.libvirtUri], ['migration URI', h.migrationUri], ['root', h.root])
  return [`  ${h.name}`, ...table(rows, '    ')]
}

function migrationRows(m: MigrationPolicy): [string, string][] {
  const rows: [string, string][] = [
    ['mode', m.mode],
    ['persistent', yesNo(m.persistent)],
    ['undefine source', yesNo(m.undefineSource)],
    ['suspend on arrival', yesNo(m.suspendOnArrival)],
    ['copy storage', m.copyStorage],
    ['source images after a copy', m.sourceImages],
    ['parallel connections', m.parallelConnections === 0 ? 'off' : String(m.parallelConnections)],
    ['auto-converge', yesNo(m.autoConverge)],
    ['post-copy', m.postcopyAfterSeconds === undefined ? 'off' : `after ${m.postcopyAfterSeconds} s of pre-copy`],
    ['bandwidth', m.bandwidthMiB === undefined ? 'unlimited' : `${m.bandwidthMiB} MiB/s`],
    ['downtime target', downtimeTargetText(m)],
    ['limits', limitsText(m)],
    ['timeout', m.timeoutPerGiBSeconds === undefined ? 'none' : `${m.timeoutPerGiBSeconds} s per GiB of guest memory, then ${m.timeoutAction}`],
    ['transport', `${m.transport}${m.tunnelled ? ', tunnelled' : ''}`],
    ['unsafe', m.unsafe ? "yes (libvirt's cache and shared-storage checks are off)" : 'no'],
    ['detach timeout', `${m.detachTimeoutSeconds} s`],
    ['total bandwidth', m.totalBandwidthMiB === undefined ? 'no site-wide cap' : `${m.totalBandwidthMiB} MiB/s shared by the migrations running at once`],
    ['dirty rate in check', m.dirtyRate.measure ? `measured, ${m.dirtyRate.seconds} s per running guest` : 'not measured (measure-dirty-rate: false)'],
  ]
  return rows
}

function downtimeTargetText(m: MigrationPolicy): string {
  const target = downtimeTargetMs(m)
  if (target === undefined) return `QEMU's default (${QEMU_DEFAULT_DOWNTIME_LIMIT_MS} ms)`
  return `${target} ms (${m.maxDowntimeMs !== undefined ? 'max-downtime-ms' : 'max-downtime'})`
}

function limitsText(m: MigrationPolicy): string {
  const {maxTotalSeconds, maxDowntimeMs, onLimit} = m.limits
  const set = [
    maxTotalSeconds !== undefined ? `max-total ${maxTotalSeconds} s` : '',
    maxDowntimeMs !== undefined ? `max-downtime ${maxDowntimeMs} ms` : '',
  ].filter(Boolean)
  return set.length === 0 ? 'none' : `${set.join(', ')}; when exceeded: ${onLimit}`
}

export function selectorText(s: DeviceSelector): string {
  return Object.entries(s)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
}

export function mappingText(m: DeviceMapping): string {
  return `${m.kind} ${m.from} -> ${m.to} (${m['to-host'] ? `to ${m['to-host']}` : 'every destination'})`
}

function yesNo(v: boolean): string {
  return v ? 'yes' : 'no'
}

function table(rows: readonly [string, string][], indent: string): string[] {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1
  return rows.map(([k, v]) => `${indent}${`${k}:`.padEnd(width + 1)}${v}`)
}
