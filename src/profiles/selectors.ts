/**
 * Device selectors (`devices.detach-for-migration`) and identity mappings (`devices.mappings`)
 * from the profile. Shared by the rules (to report) and the planner (to act), so both agree.
 */
import type {Disk, Filesystem, Hostdev, NetInterface} from '../domain/types.js'
import {pciAddressText} from '../domain/devices.js'
import type {DeviceMapping, DeviceSelector} from './schema.js'

export type SelectableDevice = Disk | Hostdev | NetInterface | Filesystem

function ccwDevno(device: SelectableDevice): string | undefined {
  const address = 'address' in device ? device.address : undefined
  return address?.type === 'ccw' ? (address as {devno?: string}).devno : undefined
}

function sourceOf(device: SelectableDevice): string | undefined {
  switch (device.kind) {
    case 'disk':
      return device.path
    case 'hostdev':
      return device.mdevUuid ?? (device.pciSource ? pciAddressText(device.pciSource) : (device.scsiSource?.adapter ?? device.scsiHostSource?.wwpn))
    case 'interface':
      return device.source.dev ?? device.source.bridge ?? device.source.network
    case 'filesystem':
      return device.sourceDir
  }
}

function modelOf(device: SelectableDevice): string[] {
  switch (device.kind) {
    case 'disk':
      return [device.device]
    case 'hostdev':
      return [device.model, device.type].filter((v): v is string => v !== undefined)
    case 'interface':
      return [device.type, device.model].filter((v): v is string => v !== undefined)
    case 'filesystem':
      return [device.driver, device.type].filter((v): v is string => v !== undefined)
  }
}

function sameDevno(a: string, b: string): boolean {
  const n = (v: string) => Number.parseInt(v.replace(/^(0x)?/i, ''), 16)
  return n(a) === n(b)
}

/** True when every field the selector sets matches the device. */
export function matchesSelector(selector: DeviceSelector, device: SelectableDevice, guestName: string): boolean {
  if (selector.guest !== undefined && selector.guest !== guestName) return false
  if (selector.kind !== undefined && selector.kind !== device.kind) return false
  if (selector.model !== undefined && !modelOf(device).includes(selector.model)) return false
  if (selector.target !== undefined && !(device.kind === 'disk' && device.target.dev === selector.target)) return false
  if (selector.devno !== undefined) {
    const devno = ccwDevno(device)
    if (devno === undefined || !sameDevno(devno, selector.devno)) return false
  }
  if (selector.source !== undefined && sourceOf(device) !== selector.source) return false
  if (selector.alias !== undefined && ('alias' in device ? device.alias : undefined) !== selector.alias) return false
  return true
}

export function selectedForDetach(selectors: readonly DeviceSelector[], device: SelectableDevice, guestName: string): boolean {
  return selectors.some((s) => matchesSelector(s, device, guestName))
}

/** The destination's identity for a source identity, per the profile's mappings (exact match; destination-specific first). */
export function mappedIdentity(mappings: readonly DeviceMapping[], kind: DeviceMapping['kind'], from: string, toHost: string): string | undefined {
  const candidates = mappings.filter((m) => m.kind === kind && m.from === from)
  return (candidates.find((m) => m['to-host'] === toHost) ?? candidates.find((m) => m['to-host'] === undefined))?.to
}
