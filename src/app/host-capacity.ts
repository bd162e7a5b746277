/**
 * What a destination has room for, from its facts: memory, online CPUs, and what its guests hold
 * (read with the facts, parse-virsh.ts domainSizeOf). The site check reports it per destination;
 * placement reads it to spread guests over hosts.
 */
import type {GuestSummary, HostFacts} from '../hosts/facts-types.js'
import type {GuestFootprint, HostCapacity} from '../report/check-site-report.js'
import {isActive} from '../site/constraints.js'
import type {HostCapacity as PlacementCapacity} from '../site/types.js'

export type {GuestFootprint, HostCapacity}

/** A shut-off guest holds neither memory nor CPU time; every other state (paused, crashed, …) still holds its memory: placement's rule. */
export const holdsResources = isActive

export function hostCapacity(facts: HostFacts): HostCapacity {
  const guests = facts.guests.map(footprint)
  const active = guests.filter((g) => holdsResources(g.state))
  return {
    memory: {...facts.memory},
    ...(facts.cpus.online === undefined ? {} : {onlineCpus: facts.cpus.online}),
    guests,
    active: {
      guests: active.length,
      memoryKiB: active.reduce((n, g) => n + (g.currentMemoryKiB ?? g.memoryKiB ?? 0), 0),
      vcpus: active.reduce((n, g) => n + (g.vcpus ?? 0), 0),
    },
  }
}

function footprint(g: GuestSummary): GuestFootprint {
  const {name, uuid, state, memoryKiB, currentMemoryKiB, vcpus} = g
  return {
    name,
    uuid,
    state,
    ...(memoryKiB === undefined ? {} : {memoryKiB}),
    ...(currentMemoryKiB === undefined ? {} : {currentMemoryKiB}),
    ...(vcpus === undefined ? {} : {vcpus}),
  }
}

/** A host's capacity as placement reads it. MemAvailable already counts the guests running there. */
export function placementCapacity(host: string, c: HostCapacity): PlacementCapacity {
  return {
    host,
    freeMemoryKiB: c.memory.availableKiB ?? c.memory.freeKiB ?? 0,
    onlineCpus: c.onlineCpus ?? 0,
    guests: c.guests.map((g) => ({name: g.name, uuid: g.uuid, state: g.state, memoryKiB: g.currentMemoryKiB ?? g.memoryKiB ?? 0, vcpus: g.vcpus ?? 0})),
  }
}
