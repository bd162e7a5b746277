/**
 * Bringing evacuated guests home (as Proxmox's HA maintenance mode moves guests back to the node
 * they came from): from the evacuation record and where guests are now, which go back, which are
 * home already, and which cannot come back, each with a reason from a fixed list. Going home uses
 * the same checks as placement, with the home host as the only candidate: readiness there, the
 * profile's domains, pins, exclusions and anti-affinity as they are now, and the home's memory,
 * counting every guest sent back to it before.
 */
import type {ResolvedProfile} from '../profiles/types.js'
import {compareText, isActive} from './constraints.js'
import {placeGuests} from './placement.js'
import type {GuestToPlace, HostCapacity, Readiness, ResidentGuest, SitePolicy} from './types.js'

/** One guest as the evacuation recorded it. */
export interface EvacuatedGuest {
  uuid: string
  /** Its name when it was evacuated. */
  name: string
  /** The host it was evacuated from. */
  home: string
}

export interface ReturnHomeInput {
  record: readonly EvacuatedGuest[]
  /** Every host that could be read now, with its capacity and guests; a host missing here was not read. */
  hosts: readonly HostCapacity[]
  /** Each guest to bring back checked against its home, by its name now. */
  readiness: readonly Readiness[]
  policy: SitePolicy & Pick<ResolvedProfile, 'hosts'>
}

/**
 * Why a guest stays where it is, a fixed list runbooks can key on:
 * - gone: defined on none of the profile's hosts (all were read): undefined or deleted since
 * - not-found: not on any host read, and some hosts could not be read
 * - renamed: found by its UUID under another name: someone changed it since; bring it back by hand if still wanted
 * - running-twice: active on more than one host (the same UUID): find the current copy first
 * - home-not-in-profile: its home is no longer a host of the profile
 * - home-unreachable: its home could not be read
 * - blocked: its home cannot take it now (readiness, profile placement rules, anti-affinity, memory)
 */
export const STAY_CODES = ['gone', 'not-found', 'renamed', 'running-twice', 'home-not-in-profile', 'home-unreachable', 'blocked'] as const
export type StayCode = (typeof STAY_CODES)[number]

export type ReturnVerdict =
  | {kind: 'return'; guest: string; uuid: string; home: string; from: string; order: number; why: string; warnings: string[]}
  | {kind: 'home'; guest: string; uuid: string; home: string; state: string}
  | {kind: 'stays'; guest: string; uuid: string; home: string; now?: string; code: StayCode; reasons: string[]}

interface Located extends ResidentGuest {
  host: string
}

/** One verdict per recorded guest (by UUID): the returns in the order to start them, then those that stay, then those already home, by name. */
export function planReturnHome(input: ReturnHomeInput): ReturnVerdict[] {
  const profileHosts = Object.keys(input.policy.hosts)
  const read = new Set(input.hosts.map((h) => h.host))
  const unread = profileHosts.filter((h) => !read.has(h)).sort(compareText)
  const byUuid = new Map<string, Located[]>()
  for (const host of [...input.hosts].sort((a, b) => compareText(a.host, b.host))) {
    for (const g of host.guests) byUuid.set(g.uuid, [...(byUuid.get(g.uuid) ?? []), {...g, host: host.host}])
  }

  const verdicts: ReturnVerdict[] = []
  const toPlace: GuestToPlace[] = []
  const homeOf = new Map<string, string>()
  const seen = new Set<string>()
  for (const entry of [...input.record].sort((a, b) => compareText(a.name, b.name) || compareText(a.uuid, b.uuid))) {
    if (seen.has(entry.uuid)) continue
    seen.add(entry.uuid)
    const stays = (code: StayCode, reason: string, now?: string) =>
      verdicts.push({kind: 'stays', guest: entry.name, uuid: entry.uuid, home: entry.home, ...(now ? {now} : {}), code, reasons: [reason]})
    const copies = byUuid.get(entry.uuid) ?? []
    if (copies.length === 0) {
      const hostsRead = [...read].sort(compareText).join(', ') || 'none'
      if (unread.length === 0) stays('gone', `no host defines UUID ${entry.uuid} (hosts read: ${hostsRead})`)
      else stays('not-found', `not on any host read (${hostsRead}); not read: ${unread.join(', ')}`)
      continue
    }
    const active = copies.filter((c) => isActive(c.state))
    if (active.length > 1) {
      stays('running-twice', `active on ${active.map((c) => `${c.host} (${c.state})`).join(' and ')}: find which copy is current before moving either`)
      continue
    }
    // the active copy is the guest; an inactive one is a leftover definition (no --undefinesource)
    const now = active[0] ?? copies.find((c) => c.host === entry.home) ?? copies[0]
    if (now.host === entry.home) {
      verdicts.push({kind: 'home', guest: now.name, uuid: entry.uuid, home: entry.home, state: now.state})
      continue
    }
    if (now.name !== entry.name) {
      stays('renamed', `renamed from ${entry.name} to ${now.name} on ${now.host} since the evacuation: bring it home by name if that is still wanted`, now.host)
      continue
    }
    if (!profileHosts.includes(entry.home)) {
      stays('home-not-in-profile', `its home ${entry.home} is no longer a host of the profile`, now.host)
      continue
    }
    if (!read.has(entry.home)) {
      stays('home-unreachable', `its home ${entry.home} could not be read`, now.host)
      continue
    }
    homeOf.set(entry.uuid, entry.home)
    toPlace.push({name: now.name, uuid: entry.uuid, state: now.state, memoryKiB: now.memoryKiB, vcpus: now.vcpus, source: now.host, candidates: [entry.home]})
  }

  const {placements} = placeGuests({guests: toPlace, destinations: input.hosts, readiness: input.readiness, policy: input.policy})
  for (const p of placements) {
    const home = homeOf.get(p.uuid) ?? ''
    if (p.kind === 'placed') {
      verdicts.push({
        kind: 'return',
        guest: p.guest,
        uuid: p.uuid,
        home,
        from: p.source,
        order: p.order,
        why: `back to ${home}, where it was evacuated from`,
        warnings: p.warnings,
      })
    } else {
      verdicts.push({
        kind: 'stays',
        guest: p.guest,
        uuid: p.uuid,
        home,
        now: p.source,
        code: 'blocked',
        reasons: p.nowhere.flatMap((r) => r.reasons.map((x) => x.message)),
      })
    }
  }
  const rank = {return: 0, stays: 1, home: 2} as const
  return verdicts.sort(
    (a, b) => rank[a.kind] - rank[b.kind] || (a.kind === 'return' && b.kind === 'return' ? a.order - b.order : compareText(a.guest, b.guest)),
  )
}
