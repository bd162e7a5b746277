/**
 * Lookups the storage rules share: where a disk image lives (local or on a shared file system,
 * shared-fs.ts), which disks a migration copies, what a DASD or multipath node identifies.
 * Pure functions of the guest, the facts and the profile.
 */
import {posix} from 'node:path'
import type {Disk} from '../domain/types.js'
import type {DasdDevice, HostFacts, MountEntry, MultipathMap} from '../hosts/facts-types.js'
import {mappedIdentity} from '../profiles/selectors.js'
import {dasdBlockName, dasdForPath, isSelectedForDetach, resolveDevicePath} from './helpers.js'
import {isNfsMount, isSharedMount, mountFor} from './shared-fs.js'
import type {CheckContext} from './types.js'

// ---------------------------------------------------------------------------------------------
// File systems (which are shared: shared-fs.ts)

export interface NfsShare {
  /** The source's NFS mount holding the image, and the server file it names there. */
  sourceMount: MountEntry
  serverFile: string
  /** The path the destination opens (profile mapping, else the same) and the mount holding it there. */
  destinationPath: string
  destinationMount?: MountEntry
  /** Why the destination does not reach the same server file (nfs-not-shared's finding); undefined when it does. */
  problem?: string
}

/**
 * Where an image on NFS lives on each host: the source's NFS mount and server file, and whether the
 * destination path lies on an NFS mount naming the same server file. Undefined for a disk that is
 * not a file image on NFS on the source.
 */
export function nfsShare(ctx: CheckContext, disk: Disk): NfsShare | undefined {
  if (disk.type !== 'file' || disk.path === undefined) return undefined
  const sourceMount = mountFor(ctx.source, disk.path)
  if (!sourceMount || !isNfsMount(sourceMount)) return undefined
  const dstPath = destinationPath(ctx, disk) ?? disk.path
  const serverFile = nfsServerFile(sourceMount, disk.path)
  const destinationMount = mountFor(ctx.destination, dstPath)
  let problem: string | undefined
  if (!destinationMount || !isNfsMount(destinationMount)) {
    const local = destinationMount ? `on ${destinationMount.fstype} ${destinationMount.source} (${destinationMount.target})` : 'on no known mount'
    problem = `${dstPath} is ${local} on ${ctx.destination.host}`
  } else {
    const got = nfsServerFile(destinationMount, dstPath)
    if (got !== serverFile) problem = `${dstPath} is ${got} on ${ctx.destination.host}`
  }
  return {sourceMount, serverFile, destinationPath: dstPath, ...(destinationMount ? {destinationMount} : {}), ...(problem ? {problem} : {})}
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
      !disk.readonly && !disk.shareable && !isRemovable(disk) && (isLocalFileImage(ctx, disk) || disk.type === 'nvme') && !isSelectedForDetach(ctx, disk),
  )
}

/**
 * The bytes the disk copy moves: each disk to copy at its allocated size (qemu-img's actual size:
 * the NBD mirror skips holes), else its virtual size, else the file's; the disks with no size
 * known are named, not counted. For the migration model (rules/host/migration-may-not-converge.ts,
 * plan/prediction.ts).
 */
export function copiedDiskBytes(ctx: CheckContext): {bytes: number; unknown: string[]} {
  let bytes = 0
  const unknown: string[] = []
  for (const disk of disksToCopy(ctx)) {
    const probe = disk.path === undefined ? undefined : ctx.sourceProbes.get(disk.path)
    const size = probe?.image?.actualSizeBytes ?? probe?.image?.virtualSizeBytes ?? probe?.sizeBytes
    if (size === undefined) unknown.push(disk.target.dev)
    else bytes += size
  }
  return {bytes, unknown}
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

/** A block disk whose node has a DASD form or resolves to a dasd kernel device on the source: the DASD rules' business. */
export function isDasdDisk(ctx: CheckContext, disk: Disk): boolean {
  if (disk.type !== 'block' || disk.path === undefined) return false
  const kernel = resolveDevicePath(ctx.source, disk.path)
  return looksLikeDasdPath(disk.path) || (kernel !== undefined && dasdBlockName(kernel) !== undefined)
}

/**
 * The guest's DASD-backed block disks whose volume UID is known. A disk counts as DASD-backed
 * when its node has a DASD form or resolves to a dasd kernel device on the source.
 */
export function guestDasdDisks(ctx: CheckContext): DasdDiskRef[] {
  const refs: DasdDiskRef[] = []
  for (const disk of ctx.guest.domain.disks) {
    if (!isDasdDisk(ctx, disk)) continue
    const path = disk.path!
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

/**
 * Why a block node names a SCSI disk in a host-local way (scsi-dm-node's finding), or undefined
 * when it is not such a node: /dev/sdX, /dev/dm-N, a zfcp by-path node, a single-path scsi-/wwn-
 * by-id node (unless the source resolves it to a multipath map), or a node resolving to an sd device.
 */
export function scsiHostLocalReason(source: HostFacts, path: string, kernel: string | undefined): string | undefined {
  if (/^\/dev\/mapper\//.test(path) || /^\/dev\/disk\/by-id\/dm-(?:uuid|name)-/.test(path)) return undefined
  if (/^\/dev\/sd[a-z]+\d*$/.test(path)) return 'is a SCSI disk name assigned in detection order'
  if (/^\/dev\/dm-\d+$/.test(path)) return 'is a device-mapper minor number assigned per host'
  if (/^\/dev\/disk\/by-path\/.*-(?:fc|zfcp)-/.test(path)) return 'names one FCP path (adapter, WWPN, LUN) of the source'
  if (/^\/dev\/disk\/by-id\/(?:scsi|wwn)-/.test(path)) {
    if (kernel && /^dm-\d+$/.test(kernel) && source.multipath.some((m) => m.dmDevice === kernel)) return undefined
    return kernel ? `is a single-path SCSI node (it resolves to ${kernel})` : 'is a single-path SCSI node'
  }
  if (kernel && /^sd[a-z]+\d*$/.test(kernel)) return `resolves to the SCSI disk ${kernel}, a single path`
  return undefined
}

/** A block disk the SCSI rules own: a multipath LUN (scsi-lun-missing-on-destination) or a host-local SCSI node (scsi-dm-node). */
export function isScsiDisk(ctx: CheckContext, disk: Disk): boolean {
  if (disk.type !== 'block' || disk.path === undefined) return false
  return multipathRefFor(ctx, disk) !== undefined || scsiHostLocalReason(ctx.source, disk.path, resolveDevicePath(ctx.source, disk.path)) !== undefined
}
