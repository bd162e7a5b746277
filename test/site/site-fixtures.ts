/**
 * Small builders for site-level scenarios: guests in GiB, hosts with free GiB and CPUs, every
 * guest ready everywhere unless a case says otherwise.
 */
import type {PlacementPolicy} from '../../src/profiles/types.js'
import type {GuestToPlace, HostCapacity, Readiness, ResidentGuest, SitePolicy} from '../../src/site/types.js'

export const GiB = 1024 * 1024

/** A stable UUID per name, so a guest keeps its UUID across hosts in one test. */
export function uuidOf(name: string): string {
  const hex = Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)
  return `00000000-0000-4000-8000-${hex}`
}

export function guest(name: string, memoryGiB: number, more: Partial<GuestToPlace> = {}): GuestToPlace {
  return {name, uuid: uuidOf(name), state: 'running', memoryKiB: memoryGiB * GiB, vcpus: 2, source: 'src', ...more}
}

export function resident(name: string, memoryGiB = 1, more: Partial<ResidentGuest> = {}): ResidentGuest {
  return {name, uuid: uuidOf(name), state: 'running', memoryKiB: memoryGiB * GiB, vcpus: 2, ...more}
}

export function host(name: string, freeGiB: number, more: Partial<HostCapacity> = {}): HostCapacity {
  return {host: name, freeMemoryKiB: freeGiB * GiB, onlineCpus: 8, guests: [], ...more}
}

export function policy(placement: Partial<PlacementPolicy> = {}, relocationDomains: Record<string, string[]> = {}): SitePolicy {
  return {relocationDomains, placement: {reserve: {memoryKiB: 0}, guests: {}, antiAffinity: {}, ...placement}}
}

/** Every guest ok on every host, except the overrides ('guest@host' -> status and blockers, or null for not checked). */
export function readiness(
  guests: readonly {name: string}[],
  hosts: readonly string[],
  overrides: Record<string, Omit<Readiness, 'guest' | 'destination'> | null> = {},
): Readiness[] {
  const out: Readiness[] = []
  for (const g of guests) {
    for (const h of hosts) {
      const o = overrides[`${g.name}@${h}`]
      if (o === null) continue
      out.push({guest: g.name, destination: h, ...(o ?? {status: 'ok', blockers: []})})
    }
  }
  return out
}

export const blocked = (...blockers: string[]) => ({status: 'blocked' as const, blockers})
export const actions = {status: 'actions' as const, blockers: []}
