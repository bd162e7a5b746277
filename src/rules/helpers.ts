/**
 * Small shared lookups for rules: resolving device paths through a host's recorded links, and
 * what the profile selects for detach. Pure functions of facts and profile. (Device labels are
 * the domain model's: src/domain/labels.ts.)
 */
import type {Disk} from '../domain/types.js'
import type {DasdDevice, HostFacts} from '../hosts/facts-types.js'
import {selectedForDetach, type SelectableDevice} from '../profiles/selectors.js'
import type {CheckContext} from './types.js'

/** Kernel device name a /dev path resolves to on a host ('/dev/dasda' → 'dasda'; a by-path link → its target). */
export function resolveDevicePath(facts: HostFacts, path: string): string | undefined {
  const link = facts.deviceLinks.find((l) => l.path === path)
  if (link) return link.target
  const m = /^\/dev\/([^/]+)$/.exec(path)
  return m ? m[1] : undefined
}

/** 'dasda1' → 'dasda': DASD partitions share the base device's identity. */
export function dasdBlockName(kernelName: string): string | undefined {
  const m = /^(dasd[a-z]+)\d*$/.exec(kernelName)
  return m ? m[1] : undefined
}

/** The DASD a guest disk path refers to on a host, if it is one. */
export function dasdForPath(facts: HostFacts, path: string): DasdDevice | undefined {
  const kernel = resolveDevicePath(facts, path)
  const block = kernel && dasdBlockName(kernel)
  if (block) return facts.dasd.find((d) => d.blockName === block)
  // by-path names carry the bus-ID even when the link target is unknown
  const busId = /\/by-path\/ccw-(\d\.\d\.[0-9a-f]{4})(?:-part\d+)?$/.exec(path)?.[1]
  return busId ? facts.dasd.find((d) => d.busId === busId) : undefined
}

/** Guest disks backed by a block device path. */
export function blockDisks(disks: readonly Disk[]): Disk[] {
  return disks.filter((d) => d.type === 'block' && d.path !== undefined)
}

/**
 * The site profile detaches this device before the migration and re-attaches it afterwards
 * (devices.detach-for-migration): rules about moving it with the guest leave it out, and the rule
 * that owns its kind reports the detach. The planner reads the same selectors (profiles/selectors.ts).
 */
export function isSelectedForDetach(ctx: CheckContext, device: SelectableDevice): boolean {
  return selectedForDetach(ctx.profile.detachForMigration, device, ctx.guest.name)
}
