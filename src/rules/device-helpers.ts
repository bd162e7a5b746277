/**
 * Lookups shared by the device and network rules (src/rules/devices, src/rules/network):
 * finding a guest device's host resource (mdev, PCI
 * function, zfcp host, qeth device) in a host's facts, comparing host identities written in
 * different forms, and what the profile's selectors and mappings say about a device.
 * Pure functions of the domain model, facts and profile.
 */
import type {CcwAddress, Controller, Disk, Hostdev, NetInterface, PciAddress} from '../domain/types.js'
import type {ApMatrix, HostFacts, MediatedDevice, PciFunction, QethDevice} from '../hosts/facts-types.js'
import type {DeviceMapping} from '../profiles/schema.js'
import {pciAddressText} from '../domain/devices.js'
import {mappedIdentity} from '../profiles/selectors.js'
import type {CheckContext} from './types.js'

/** mdev types as the kernel names them (mdev_supported_types). */
export const VFIO_CCW_MDEV_TYPE = 'vfio_ccw-io'
export const VFIO_AP_MDEV_TYPE = 'vfio_ap-passthrough'

// ---------------------------------------------------------------- numbers and names

/** Hex identities compare by value: '0x00a1', '0xa1', 'a1' and '00A1' are one number. */
export function sameHex(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false
  const n = (v: string): bigint | undefined => {
    const digits = v.trim().toLowerCase().replace(/^0x/, '')
    return /^[0-9a-f]+$/.test(digits) ? BigInt(`0x${digits}`) : undefined
  }
  const x = n(a)
  const y = n(b)
  return x !== undefined && x === y
}

/** UUIDs compare case-insensitively (libvirt and sysfs both print lower case, hand edits may not). */
export function sameUuid(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase()
}

/** 'a, b, c' — or `none` when empty. */
export function listOrNone(items: readonly string[], none = 'none'): string {
  return items.length > 0 ? items.join(', ') : none
}

/** The destination host's name as the profile knows it (the key `to-host` mappings use). */
export function destinationName(ctx: CheckContext): string {
  return ctx.destinationHost.name
}

// ---------------------------------------------------------------- identities

/** Host PCI address of a PCI hostdev in lspci/sysfs form ('0002:00:00.0'). */
export function hostdevPciAddress(hostdev: Hostdev): string | undefined {
  return hostdev.pciSource ? pciAddressText(hostdev.pciSource) : undefined
}

/** Guest CCW device number ('0x00a1') of a device on a ccw address. */
export function guestDevno(device: {address?: Disk['address']}): string | undefined {
  return device.address?.type === 'ccw' ? (device.address as CcwAddress).devno : undefined
}

/** The guest's `<zpci uid fid>` of a device on a PCI address (kept when re-attaching). */
export function guestZpci(device: {address?: Disk['address']}): {uid?: string; fid?: string} | undefined {
  return device.address?.type === 'pci' ? (device.address as PciAddress).zpci : undefined
}

// ---------------------------------------------------------------- mediated devices

export function findMdev(facts: HostFacts, uuid: string | undefined): MediatedDevice | undefined {
  return uuid === undefined ? undefined : facts.mdevs.find((m) => sameUuid(m.uuid, uuid))
}

export function mdevsOfType(facts: HostFacts, type: string): MediatedDevice[] {
  return facts.mdevs.filter((m) => m.type === type)
}

/**
 * Running (or paused) guests on a host whose definition names this identity — an mdev UUID
 * or PCI address can be assigned to one guest at a time.
 */
export function guestsUsing(facts: HostFacts, identity: string, exceptGuest?: string): string[] {
  const needle = identity.toLowerCase()
  return facts.guests
    .filter((g) => g.name !== exceptGuest && (g.state === 'running' || g.state === 'paused') && g.xml.toLowerCase().includes(needle))
    .map((g) => g.name)
}

// ---------------------------------------------------------------- vfio-ap matrix

function hexKey(value: string): string {
  const digits = value
    .trim()
    .toLowerCase()
    .replace(/^0x/, '')
    .replace(/^0+(?=.)/, '')
  return digits
}

/** APQNs (adapter.domain, as `lszcrypt` prints them: '03.0004') of a matrix, sorted. */
export function apqns(matrix: ApMatrix): string[] {
  const out: string[] = []
  for (const a of matrix.adapters) for (const d of matrix.domains) out.push(`${hexKey(a).padStart(2, '0')}.${hexKey(d).padStart(4, '0')}`)
  return out.sort()
}

function controlDomainKeys(matrix: ApMatrix): string[] {
  return [...new Set(matrix.controlDomains.map((d) => hexKey(d).padStart(4, '0')))].sort()
}

export interface MatrixDifference {
  /** APQNs the source mdev has and the destination's lacks. */
  missing: string[]
  /** APQNs the destination's mdev has and the source's lacks. */
  extra: string[]
  missingControlDomains: string[]
  extraControlDomains: string[]
}

export function matrixDifference(source: ApMatrix, destination: ApMatrix): MatrixDifference {
  const s = new Set(apqns(source))
  const d = new Set(apqns(destination))
  const sc = new Set(controlDomainKeys(source))
  const dc = new Set(controlDomainKeys(destination))
  return {
    missing: [...s].filter((q) => !d.has(q)),
    extra: [...d].filter((q) => !s.has(q)),
    missingControlDomains: [...sc].filter((c) => !dc.has(c)),
    extraControlDomains: [...dc].filter((c) => !sc.has(c)),
  }
}

export function matricesEqual(source: ApMatrix, destination: ApMatrix): boolean {
  const diff = matrixDifference(source, destination)
  return diff.missing.length + diff.extra.length + diff.missingControlDomains.length + diff.extraControlDomains.length === 0
}

/** 'lacks APQNs 03.0005; has extra 04.0004; lacks control domains 0005' */
export function describeMatrixDifference(diff: MatrixDifference): string {
  const parts: string[] = []
  if (diff.missing.length > 0) parts.push(`lacks APQN${diff.missing.length > 1 ? 's' : ''} ${diff.missing.join(' ')}`)
  if (diff.extra.length > 0) parts.push(`has extra APQN${diff.extra.length > 1 ? 's' : ''} ${diff.extra.join(' ')}`)
  if (diff.missingControlDomains.length > 0)
    parts.push(`lacks control domain${diff.missingControlDomains.length > 1 ? 's' : ''} ${diff.missingControlDomains.join(' ')}`)
  if (diff.extraControlDomains.length > 0)
    parts.push(`has extra control domain${diff.extraControlDomains.length > 1 ? 's' : ''} ${diff.extraControlDomains.join(' ')}`)
  return parts.join('; ')
}

/** 'APQNs 03.0004 03.0005, control domains 0004' */
export function describeMatrix(matrix: ApMatrix): string {
  const q = apqns(matrix)
  const c = controlDomainKeys(matrix)
  return `APQNs ${q.length > 0 ? q.join(' ') : 'none'}${c.length > 0 ? `, control domains ${c.join(' ')}` : ''}`
}

// ---------------------------------------------------------------- PCI functions

export function findPciByAddress(facts: HostFacts, address: string | undefined): PciFunction | undefined {
  if (address === undefined) return undefined
  const norm = address.trim().toLowerCase()
  return facts.pci.find((f) => f.address.toLowerCase() === norm)
}

/** A PCI function by the identity a profile mapping names: a host PCI address or a FID. */
export function findPciByIdentity(facts: HostFacts, identity: string): PciFunction | undefined {
  return findPciByAddress(facts, identity) ?? (/^(0x)?[0-9a-f]{1,8}$/i.test(identity.trim()) ? facts.pci.find((f) => sameHex(f.fid, identity)) : undefined)
}

/** The host PCI function behind a PCI hostdev, from the source host's facts. */
export function sourcePciFunction(ctx: CheckContext, hostdev: Hostdev): PciFunction | undefined {
  return findPciByAddress(ctx.source, hostdevPciAddress(hostdev))
}

/** 'RoCE 0004:00:00.1 (FID 0x000003e1, UID 0x10b0, PCHID 0x01c0, eno4272)' */
export function describePciFunction(f: PciFunction): string {
  const kind = {nvme: 'NVMe', roce: 'RoCE', ism: 'ISM', other: 'PCI'}[f.kind]
  const ids = [f.fid && `FID ${f.fid}`, f.uid && `UID ${f.uid}`, f.pchid && `PCHID ${f.pchid}`, f.ifname].filter(Boolean)
  return `${kind} ${f.address}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}`
}

// ---------------------------------------------------------------- qeth

/**
 * The qeth device behind an interface name on a host; a VLAN interface ('enc1a00.100') is
 * carried by its base device.
 */
export function qethForInterface(facts: HostFacts, ifname: string | undefined): QethDevice | undefined {
  if (ifname === undefined) return undefined
  return facts.qeth.find((q) => q.ifname === ifname) ?? facts.qeth.find((q) => q.ifname !== undefined && ifname.startsWith(`${q.ifname}.`))
}

// ---------------------------------------------------------------- profile

/** The destination's identity for a source identity per the profile's mappings (undefined: not mapped). */
export function mappedTo(ctx: CheckContext, kind: DeviceMapping['kind'], from: string | undefined): string | undefined {
  return from === undefined ? undefined : mappedIdentity(ctx.profile.mappings, kind, from, destinationName(ctx))
}

// ---------------------------------------------------------------- virtio queues

export interface VirtioQueues {
  /** `<driver queues='N'>` (disk, interface, virtio-scsi controller). */
  queues?: number
  /** `vectors='N'` on a virtio-serial controller. */
  vectors?: number
}

/** Queue and vector settings a device's XML sets explicitly (the domain model's typed fields). */
export function virtioQueues(device: Disk | NetInterface | Controller): VirtioQueues {
  const queues = device.kind === 'disk' ? device.driver?.queues : device.queues
  const vectors = device.kind === 'controller' ? device.vectors : undefined
  return {...(queues !== undefined ? {queues} : {}), ...(vectors !== undefined ? {vectors} : {})}
}

/** Names on a host that look like `name`: same alphabetic prefix ('enc1a00' → 'enc1a01', 'enc1b00'). */
export function similarNames(name: string, candidates: readonly string[]): string[] {
  const prefix = /^[a-z]+/i.exec(name)?.[0]
  if (!prefix) return []
  return candidates.filter((c) => c !== name && c.toLowerCase().startsWith(prefix.toLowerCase()))
}

/** Finding data without undefined values, so --json output and plan inputs stay clean. */
export function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined))
}
