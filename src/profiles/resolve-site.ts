/**
 * The site-wide sections of a profile: relocation domains, placement and concurrency. Checks what
 * the schema cannot (every host named is a profile host, every domain named exists, a pin the
 * guest's domain could never allow, limits that contradict each other), then applies defaults.
 * Every problem is located.
 */
import type {DocumentLocator, IssuePath, ProfileIssue} from './issues.js'
import {closest} from './issues.js'
import {MEMORY_SIZE, type ProfileDocument} from './schema.js'
import type {ConcurrencyLimits, GuestPlacementRule, PlacementPolicy} from './types.js'

/**
 * Measured on the lab (bench/evacuate: four guests off zhost-a onto two destinations, 2 cores,
 * medians of 3): a sequential loop of bare virsh migrate 10.0 s; zmigrate 2/2/1 (site/outgoing/
 * incoming) 9.1 s, 2/2/2 7.1 s, 4/2/2 7.1 s, 4/4/2 5.3 s (0.53x the loop), 4/4/4 5.1 s. Most of a
 * small guest's migration is latency (planning from fresh facts, connections, QEMU start-up on
 * the destination, switch-over), not bytes, so overlapping four of them pays; an evacuation has
 * one source, so its outgoing cap is its real cap. Two arrivals per host: 4/4/4 was within the
 * runs' spread of 4/4/2, and two at once keep a destination from taking a burst of switch-overs
 * and copies competing for its memory bandwidth and CPUs. Bytes do not multiply: with
 * migration.total-bandwidth each migration gets its share of the link. Peers for comparison:
 * KubeVirt 5 per cluster and 2 outgoing per node, OpenShift 1 outgoing, Nova 1.
 */
export const DEFAULT_CONCURRENCY: ConcurrencyLimits = {site: 4, outgoing: 4, incoming: 2}

/**
 * Memory kept free on every destination unless the profile says otherwise: QEMU's own overhead per
 * guest (page tables, device state, the migration buffers) and the host's need for some page cache
 * are not in a guest's memory size, and MemAvailable counts cache the kernel would have to drop.
 * Provisional; production sites should set placement.reserve.memory to a few GiB.
 */
export const DEFAULT_RESERVE_MEMORY_KIB = 512 * 1024

const UNIT_KIB = {KiB: 1, MiB: 1024, GiB: 1024 ** 2, TiB: 1024 ** 3} as const

/** '4GiB' -> 4194304; a number is MiB. Undefined for text the schema would refuse. */
export function memorySizeKiB(size: number | string): number | undefined {
  if (typeof size === 'number') return size * 1024
  const m = MEMORY_SIZE.exec(size)
  return m ? Math.round(Number(m[1]) * UNIT_KIB[m[3] as keyof typeof UNIT_KIB]) : undefined
}

/** `"lp03" is not a host of this profile (did you mean "lp01"?)`, or the list of hosts. */
export function unknownHostMessage(name: string, hostNames: readonly string[]): string {
  const suggestion = closest(name, hostNames)
  return `"${name}" is not a host of this profile${suggestion ? ` (did you mean "${suggestion}"?)` : `; hosts: ${hostNames.join(', ')}`}`
}

export interface SiteSections {
  relocationDomains: Record<string, string[]>
  placement: PlacementPolicy
  concurrency: ConcurrencyLimits
  /** migration.total-bandwidth, MiB/s. */
  totalBandwidthMiB?: number
}

export function resolveSiteSections(doc: ProfileDocument, hostNames: readonly string[], locator: DocumentLocator, issues: ProfileIssue[]): SiteSections {
  const domains = doc['relocation-domains'] ?? {}
  const domainNames = Object.keys(domains)
  const hostAt = (at: IssuePath, name: string) => {
    if (!hostNames.includes(name)) issues.push(locator.issueAt(at, unknownHostMessage(name, hostNames)))
  }
  const domainAt = (at: IssuePath, name: string): boolean => {
    if (Object.hasOwn(domains, name)) return true
    const suggestion = closest(name, domainNames)
    const known = domainNames.length > 0 ? `relocation-domains defines ${domainNames.join(', ')}` : 'the profile has no relocation-domains'
    issues.push(locator.issueAt(at, `"${name}" is not a relocation domain of this profile${suggestion ? ` (did you mean "${suggestion}"?)` : `; ${known}`}`))
    return false
  }

  for (const [domain, members] of Object.entries(domains)) {
    members.forEach((host, i) => {
      hostAt(['relocation-domains', domain, i], host)
      noRepeat(['relocation-domains', domain], members, i, locator, issues)
    })
  }

  const p = doc.placement ?? {}
  const defaultDomain = p['default-domain']
  const defaultKnown = defaultDomain === undefined || domainAt(['placement', 'default-domain'], defaultDomain)
  const guests: Record<string, GuestPlacementRule> = {}
  for (const [guest, g] of Object.entries(p.guests ?? {})) {
    const at: IssuePath = ['placement', 'guests', guest]
    const domain = g.domain ?? defaultDomain
    const domainKnown = g.domain === undefined ? defaultKnown : domainAt([...at, 'domain'], g.domain)
    const exclude = g.exclude ?? []
    exclude.forEach((host, i) => {
      hostAt([...at, 'exclude', i], host)
      noRepeat([...at, 'exclude'], exclude, i, locator, issues)
    })
    g.pin?.forEach((host, i, pin) => {
      hostAt([...at, 'pin', i], host)
      noRepeat([...at, 'pin'], pin, i, locator, issues)
      if (exclude.includes(host)) issues.push(locator.issueAt([...at, 'pin', i], `${host} is both pinned and excluded: remove it from one of the lists`))
      else if (domain !== undefined && domainKnown && hostNames.includes(host) && !domains[domain].includes(host)) {
        const from = g.domain === undefined ? ' (the default domain)' : ''
        issues.push(
          locator.issueAt(
            [...at, 'pin', i],
            `${host} is not in relocation domain ${domain}${from}, so ${guest} could never go there: add it to the domain or set another domain`,
          ),
        )
      }
    })
    guests[guest] = {exclude}
    if (g.domain !== undefined) guests[guest].domain = g.domain
    if (g.pin !== undefined) guests[guest].pin = g.pin
  }

  const antiAffinity = p['anti-affinity'] ?? {}
  for (const [group, members] of Object.entries(antiAffinity))
    members.forEach((_, i) => noRepeat(['placement', 'anti-affinity', group], members, i, locator, issues))

  const reserveMemory = p.reserve?.memory
  const placement: PlacementPolicy = {
    reserve: {memoryKiB: reserveMemory === undefined ? DEFAULT_RESERVE_MEMORY_KIB : (memorySizeKiB(reserveMemory) ?? 0)},
    guests,
    antiAffinity,
  }
  if (p.reserve?.cpus !== undefined) placement.reserve.cpus = p.reserve.cpus
  if (defaultDomain !== undefined) placement.defaultDomain = defaultDomain

  const sections: SiteSections = {relocationDomains: domains, placement, concurrency: resolveConcurrency(doc, locator, issues)}
  const total = doc.migration?.['total-bandwidth']
  const each = doc.migration?.bandwidth
  if (total !== undefined) {
    sections.totalBandwidthMiB = total
    if (each !== undefined && each > total) {
      issues.push(
        locator.issueAt(
          ['migration', 'bandwidth'],
          `${each} MiB/s per migration is more than total-bandwidth (${total} MiB/s), which all migrations share: lower bandwidth or raise total-bandwidth`,
        ),
      )
    }
  }
  return sections
}

function resolveConcurrency(doc: ProfileDocument, locator: DocumentLocator, issues: ProfileIssue[]): ConcurrencyLimits {
  const c = doc.concurrency ?? {}
  const site = c.site ?? DEFAULT_CONCURRENCY.site
  for (const key of ['outgoing', 'incoming'] as const) {
    const value = c[key]
    if (value !== undefined && value > site) {
      issues.push(
        locator.issueAt(
          ['concurrency', key],
          `${value} is more than concurrency.site (${site}${c.site === undefined ? ', the default' : ''}), which caps every host: lower ${key} or raise site`,
        ),
      )
    }
  }
  // a default never exceeds the site's own limit
  return {site, outgoing: c.outgoing ?? Math.min(DEFAULT_CONCURRENCY.outgoing, site), incoming: c.incoming ?? Math.min(DEFAULT_CONCURRENCY.incoming, site)}
}

/** A name listed twice in one list: reported at the second. */
function noRepeat(at: IssuePath, list: readonly string[], i: number, locator: DocumentLocator, issues: ProfileIssue[]): void {
  const first = list.indexOf(list[i])
  if (first < i) issues.push(locator.issueAt([...at, i], `"${list[i]}" is listed twice (also at [${first}])`))
}
