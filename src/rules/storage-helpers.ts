/**
 * Lookups the storage rules share: where a disk image lives (which mount, shared or local),
 * which disks a migration copies, what a DASD or multipath node identifies, and how to print
 * sizes. Pure functions of the guest, the facts and the profile.
 */
import {posix} from 'node:path'
import type {Disk} from '../domain/types.js'
import type {DasdDevice, HostFacts, MountEntry, MultipathMap} from '../hosts/facts-types.js'
import {mappedIdentity, selectedForDetach} from '../profiles/selectors.js'
import {dasdBlockName, dasdForPath, resolveDevicePath} from './helpers.js'
import type {CheckContext} from './types.js'

// ---------------------------------------------------------------------------------------------
// File systems

/** NFS mount types: the image is shared, and SELinux needs virt_use_nfs on the destination. */
export const NFS_FS_TYPES: readonly string[] = ['nfs', 'nfs4']

/**
 * File systems whose images both hosts can reach, so no copy is needed. The list follows
 * libvirt's own notion of a shared file system (virFileIsSharedFS: NFS, GFS2, OCFS2, AFS,
 * SMB/CIFS, CephFS, GPFS/Spectrum Scale, Quobyte, ACFS, GlusterFS (FUSE), BeeGFS), so zmigrate
 * and libvirt agree on which disks need --copy-storage-all.
 */
export const SHARED_FS_TYPES: readonly string[] = [
  ...NFS_FS_TYPES,
  'gfs2',
  'ocfs2',
  'afs',
  'smb3',
  'cifs',
  'ceph',
  'gpfs',
  'fuse.quobyte',
  'acfs',
  'fuse.glusterfs',
  'beegfs',
]

/**
 * Cache-coherent cluster file systems: libvirt skips the cache-mode check for images on these
 * (virFileIsClusterFS: GFS2, OCFS2, CephFS).
 */
export const CLUSTER_FS_TYPES: readonly string[] = ['gfs2', 'ocfs2', 'ceph']

/** The mount holding a path: the longest mount point that is a prefix of it (as `df` does). */
export function mountFor(facts: HostFacts, path: string): MountEntry | undefined {
  let best: MountEntry | undefined
  for (const m of facts.mounts) {
    const target = m.target.length > 1 ? m.target.replace(/\/+$/, '') : m.target
    const inside = target === '/' ? path.startsWith('/') : path === target || path.startsWith(`${target}/`)
    if (inside && (!best || target.length >= best.target.replace(/\/+$/, '').length)) best = m
  }
  return best
}

export function isNfsMount(m: MountEntry | undefined): boolean {
  return m !== undefined && NFS_FS_TYPES.includes(m.fstype)
}

export function isSharedMount(m: MountEntry | undefined): boolean {
  return m !== undefined && SHARED_FS_TYPES.includes(m.fstype)
}

/**
 * The file on the NFS server a path names: 'nfs1:/export/images/a.qcow2' for
 * /var/lib/libvirt/images/a.qcow2 on a mount of nfs1:/export/images there.
 */
export function nfsServerFile(m: MountEntry, path: string): string {
  const target = m.target.replace(/\/+$/, '') || '/'
  const rel = posix.relative(target, path)
  const colon = m.source.indexOf(':')
  const server = colon >= 0 ? m.source.slice(0, colon) : ''
  const exported = colon >= 0 ? m.source.slice(colon + 1) : m.source
  return `${server}:${posix.join(exported || '/', rel)}`
}

// ---------------------------------------------------------------------------------------------
// Guest disks and the profile

export function detachedForMigration(ctx: CheckContext, disk: Disk): boolean {
  return selectedForDetach(ctx.profile.detachForMigration, disk, ctx.guest.name)
}

/** The path the disk has on the destination: the profile's disk-source mapping, else the same path. */
export function destinationPath(ctx: CheckContext, disk: Disk): string | undefined {
  if (disk.path === undefined) return undefined
  return mappedIdentity(ctx.profile.mappings, 'disk-source', disk.path, ctx.destinationHost.name) ?? disk.path
}

/** CD-ROM and floppy media: libvirt never copies them (a CD-ROM is always read-only). */
export function isRemovable(disk: Disk): boolean {
  return disk.device === 'cdrom' || disk.device === 'floppy'
}

/** A file image whose mount on the source is not a shared file system (no mount known: local). */
export function isLocalFileImage(ctx: CheckContext, disk: Disk): boolean {
  return disk.type === 'file' && disk.path !== undefined && !isSharedMount(mountFor(ctx.source, disk.path))
}

/**
 * Disks backed by host-local storage that a migration has to copy (libvirt's default
 * --copy-storage-all set: non-shareable, writable, with a source — qemuMigrationAnyCopyDisk):
 * a file image not on a shared file system, or an NVMe namespace (`<disk type='nvme'>`).
 * Disks the profile detaches for the migration are not migrated at all.
 */
export function disksToCopy(ctx: CheckContext): Disk[] {
  return ctx.guest.domain.disks.filter(
    (disk) =>
      !disk.readonly &&
      !disk.shareable &&
      !isRemovable(disk) &&
      (isLocalFileImage(ctx, disk) || disk.type === 'nvme') &&
      !detachedForMigration(ctx, disk),
  )
}

/** 'nvme 0004:00:00.0 namespace 1': where an NVMe disk (which has no path) lives on the host. */
export function nvmeSourceText(disk: Disk): string | undefined {
  const n = disk.source?.nvme
  if (!n?.address) return undefined
  const hex = (v: string, w: number) => v.replace(/^0x/i, '').padStart(w, '0')
  return `nvme ${hex(n.address.domain, 4)}:${hex(n.address.bus, 2)}:${hex(n.address.slot, 2)}.${hex(n.address.function, 1)} namespace ${n.namespace ?? '1'}`
}

// ---------------------------------------------------------------------------------------------
// Sizes and versions

export {formatBytes} from '../units.js'

/** '9.0.0' ≥ '5.6'? Unknown or unparsable versions are not "at least" anything. */
export function versionAtLeast(version: string | undefined, minimum: string): boolean {
  if (!version) return false
  const parse = (v: string) => (/^\d+(?:\.\d+)*/.exec(v.trim())?.[0] ?? '').split('.').filter(Boolean).map(Number)
  const have = parse(version)
  if (have.length === 0) return false
  const want = parse(minimum)
  for (let i = 0; i < want.length; i++) {
    const h = have[i] ?? 0
    if (h !== want[i]) return h > want[i]
  }
  return true
}

// ---------------------------------------------------------------------------------------------
// DASD

/** A storage-server UID '<vendor>.<serial>.<ssid>.<ua>[.<vduit>]' (kernel dasd_devmap.c uid format). */
const DASD_UID = /^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[0-9a-fA-F]{4}\.(?:[0-9a-fA-F]{2}|xx)(?:\..+)?$/

export function isDasdUid(value: string): boolean {
  return DASD_UID.test(value)
}

/** The UID a by-id node names, when it is a UID or XUID node (not a VOLSER one): ccw-IBM.7500….e900.10-part1 → IBM.7500….e900.10 */
export function dasdUidFromByIdPath(path: string): string | undefined {
  const name = /^\/dev\/disk\/by-id\/ccw-(.+?)(?:-part\d+)?$/.exec(path)?.[1]
  return name && isDasdUid(name) ? name : undefined
}

/** The bus-ID a by-path node names: /dev/disk/by-path/ccw-0.0.7500-part1 → 0.0.7500. */
export function busIdFromByPath(path: string): string | undefined {
  return /^\/dev\/disk\/by-path\/ccw-(\d\.\d\.[0-9a-f]{4})(?:-part\d+)?$/.exec(path)?.[1]
}

/** Logical control unit of a UID: '<vendor>.<serial>.<ssid>' (bases and their PAV/HyperPAV aliases share it). */
export function dasdLcu(uid: string): string {
  return uid.split('.').slice(0, 3).join('.')
}

/**
 * Same volume? A 4-field UID matches the same UID with a z/VM minidisk token (XUID); two XUIDs
 * must be equal (different minidisks on one real volume are different disks).
 */
export function sameDasdUid(a: string, b: string): boolean {
  if (a === b) return true
  const pa = a.split('.')
  const pb = b.split('.')
  if (pa.length > 4 && pb.length > 4) return false
  return pa.slice(0, 4).join('.') === pb.slice(0, 4).join('.')
}

/** Path forms that address a DASD: /dev/dasdX, ccw by-path (not zfcp) and ccw by-id nodes. */
export function looksLikeDasdPath(path: string): boolean {
  return /^\/dev\/dasd[a-z]+\d*$/.test(path) || busIdFromByPath(path) !== undefined || /^\/dev\/disk\/by-id\/ccw-/.test(path)
}

export interface DasdDiskRef {
  disk: Disk
  path: string
  /** UID of the volume: from the source facts, else from a by-id node's name. */
  uid: string
  /** The bus-ID of the source DASD, when the source facts know it. */
  sourceBusId?: string
  /** The bus-ID a by-path node names (the node depends on it on every host). */
  byPathBusId?: string
}

/**
 * The guest's DASD-backed block disks whose volume UID is known. A disk counts as DASD-backed
 * when its node has a DASD form or resolves to a dasd kernel device on the source.
 */
export function guestDasdDisks(ctx: CheckContext): DasdDiskRef[] {
  const refs: DasdDiskRef[] = []
  for (const disk of ctx.guest.domain.disks) {
    if (disk.type !== 'block' || disk.path === undefined) continue
    const path = disk.path
    const kernel = resolveDevicePath(ctx.source, path)
    if (!looksLikeDasdPath(path) && !(kernel && dasdBlockName(kernel))) continue
    const device = dasdForPath(ctx.source, path)
    const uid = device?.uid ?? dasdUidFromByIdPath(path)
    if (!uid) continue
    refs.push({disk, path, uid, sourceBusId: device?.busId, byPathBusId: busIdFromByPath(path)})
  }
  return refs
}

/** Base devices (not aliases) of a volume on a host, by UID. */
export function dasdBasesWithUid(facts: HostFacts, uid: string): DasdDevice[] {
  return facts.dasd.filter((d) => !d.alias && d.uid !== undefined && sameDasdUid(d.uid, uid))
}

/**
 * Offline DASDs whose UID cannot be read: the kernel only reports `uid` (and `alias`) for a
 * device that has been set online (dasd_devmap.c: uid/alias come from the dasd_device, which
 * exists only while online), so an offline base or alias looks the same here.
 */
export function offlineDasdsWithoutUid(facts: HostFacts): DasdDevice[] {
  return facts.dasd.filter((d) => !d.online && !d.uid)
}

/**
 * The destination's offline, unidentifiable DASD at the volume's bus-ID — the by-path node's, else
 * the source's: most likely the volume itself when both IOCDSs number it alike (its UID is
 * checked once it is online).
 */
export function offlineAtSameBusId(facts: HostFacts, ref: DasdDiskRef): DasdDevice | undefined {
  const busId = ref.byPathBusId ?? ref.sourceBusId
  const there = busId ? facts.dasd.find((d) => d.busId === busId) : undefined
  return there && !there.online && !there.uid ? there : undefined
}

export function listBusIds(devices: readonly DasdDevice[], max = 4): string {
  const ids = devices.map((d) => d.busId)
  return ids.length > max ? `${ids.slice(0, max).join(', ')}, … (${ids.length})` : ids.join(', ')
}

// ---------------------------------------------------------------------------------------------
// SCSI / multipath

/** DM names of multipath partitions: kpartx appends p<N> (RHEL) or -part<N> (SUSE). */
function stripDmPartition(name: string): string[] {
  const base = name.replace(/(?:-part|_part|p)\d+$/, '')
  return base === name ? [name] : [name, base]
}

/** A WWID as multipath names maps without user_friendly_names (NAA 3…, EUI 2…). */
export function looksLikeWwid(name: string): boolean {
  return /^[0-9a-f]{17,33}$/i.test(name) && /^[1-8]/.test(name)
}

export interface MultipathDiskRef {
  disk: Disk
  path: string
  wwid: string
  /** DM name the guest's node depends on (/dev/mapper/<name>, dm-name-<name>); absent for WWID-based nodes. */
  dmName?: string
  /** The source's map, when the facts have it. */
  sourceMap?: MultipathMap
}

/** The multipath map a DM node refers to on the source, and its WWID. */
export function multipathRefFor(ctx: CheckContext, disk: Disk): MultipathDiskRef | undefined {
  const path = disk.path
  if (disk.type !== 'block' || path === undefined) return undefined
  const byUuid = /^\/dev\/disk\/by-id\/dm-uuid-(?:part\d+-)?mpath-([0-9a-zA-Z]+)$/.exec(path)?.[1]
  if (byUuid) return {disk, path, wwid: byUuid, sourceMap: ctx.source.multipath.find((m) => m.wwid === byUuid)}
  const name = /^\/dev\/mapper\/(.+)$/.exec(path)?.[1] ?? /^\/dev\/disk\/by-id\/dm-name-(.+)$/.exec(path)?.[1]
  if (name) {
    for (const candidate of stripDmPartition(name)) {
      const map = ctx.source.multipath.find((m) => m.name === candidate)
      if (map) return {disk, path, wwid: map.wwid, dmName: candidate, sourceMap: map}
    }
    const wwidName = stripDmPartition(name).find(looksLikeWwid)
    return wwidName ? {disk, path, wwid: wwidName, dmName: wwidName} : undefined
  }
  // A scsi-/wwn- by-id link that multipath's udev rules point at the map (dm-N) is WWID-based too.
  const kernel = resolveDevicePath(ctx.source, path)
  const map = kernel ? ctx.source.multipath.find((m) => m.dmDevice === kernel) : undefined
  return map && /^\/dev\/disk\/by-id\//.test(path) ? {disk, path, wwid: map.wwid, sourceMap: map} : undefined
}

/** The multipath map an sd path device (sda, sda1) belongs to on a host. */
export function multipathMapOfPathDevice(facts: HostFacts, kernel: string): MultipathMap | undefined {
  const sd = /^(sd[a-z]+)\d*$/.exec(kernel)?.[1]
  return sd ? facts.multipath.find((m) => m.paths.includes(sd)) : undefined
}
