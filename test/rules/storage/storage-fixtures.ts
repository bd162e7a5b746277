/**
 * Shapes the storage rule tests share: DASD entries and udev links as a KVM host on an IBM DS8000
 * records them (lsdasd -u / /sys/bus/ccw/devices), multipath maps as multipath -ll shows them,
 * mounts as /proc/mounts lists them, and the guest <disk> elements IBM's examples use.
 */
import type {DasdDevice, DeviceLink, MountEntry, MultipathMap, PathProbe} from '../../../src/hosts/facts-types.js'

/** DS8000 volumes in LCU e9 (ssid 0xe900) and LCU ea (ssid 0xea00) of storage server 75000000092461. */
export const UID_7500 = 'IBM.75000000092461.e900.10'
export const UID_7501 = 'IBM.75000000092461.e900.11'
export const UID_OTHER = 'IBM.75000000092461.e900.2a'
export const UID_EA = 'IBM.75000000092461.ea00.03'
export const LCU_E9 = 'IBM.75000000092461.e900'

export const WWID_A = '36005076305ffc1ae00000000000021d5'
export const WWID_B = '36005076305ffc1ae00000000000021d6'

export const GiB = 1024 ** 3
export const MiB = 1024 ** 2

export function dasd(busId: string, uid: string | undefined, opts: Partial<DasdDevice> = {}): DasdDevice {
  return {busId, online: true, alias: false, discipline: 'dasd-eckd', ...(uid ? {uid} : {}), ...opts}
}

/** An online base with its block device. */
export function base(busId: string, uid: string, blockName: string): DasdDevice {
  return dasd(busId, uid, {blockName})
}

/** An offline DASD: the kernel shows neither its UID nor whether it is an alias. */
export function offline(busId: string): DasdDevice {
  return {busId, online: false, alias: false, discipline: 'dasd-eckd'}
}

/** A HyperPAV alias of an LCU: UID ends in .xx, no block device. */
export function hyperpavAlias(busId: string, lcu: string, online = true): DasdDevice {
  return dasd(busId, `${lcu}.xx`, {alias: true, online})
}

/** by-path and by-id links of an online DASD. */
export function dasdLinks(busId: string, uid: string, blockName: string): DeviceLink[] {
  return [
    {path: `/dev/disk/by-path/ccw-${busId}`, target: blockName},
    {path: `/dev/disk/by-path/ccw-${busId}-part1`, target: `${blockName}1`},
    {path: `/dev/disk/by-id/ccw-${uid}`, target: blockName},
    {path: `/dev/disk/by-id/ccw-${uid}-part1`, target: `${blockName}1`},
  ]
}

export function mpath(name: string, wwid: string, dmDevice: string, paths: string[] = ['sda', 'sdb', 'sdc', 'sdd']): MultipathMap {
  return {name, wwid, dmDevice, paths}
}

export function mapperLinks(map: MultipathMap): DeviceLink[] {
  return [
    {path: `/dev/mapper/${map.name}`, target: map.dmDevice},
    {path: `/dev/disk/by-id/dm-name-${map.name}`, target: map.dmDevice},
    {path: `/dev/disk/by-id/dm-uuid-mpath-${map.wwid}`, target: map.dmDevice},
  ]
}

export const rootMount: MountEntry = {source: '/dev/mapper/rhel-root', target: '/', fstype: 'xfs'}
export const localImages: MountEntry = {source: '/dev/mapper/rhel-images', target: '/var/lib/libvirt/images', fstype: 'xfs'}
export const nfsImages: MountEntry = {source: 'nfs1.example.com:/export/kvm/images', target: '/var/lib/libvirt/images', fstype: 'nfs4'}

export function fileProbe(path: string, format: string, virtualSizeBytes: number, opts: Partial<PathProbe> & {actualSizeBytes?: number} = {}): PathProbe {
  const {actualSizeBytes, ...rest} = opts
  return {
    path,
    exists: true,
    fileType: 'regular',
    sizeBytes: format === 'raw' ? virtualSizeBytes : (actualSizeBytes ?? virtualSizeBytes),
    image: {format, virtualSizeBytes, ...(actualSizeBytes !== undefined ? {actualSizeBytes} : {})},
    ...rest,
  }
}

export function missingProbe(path: string, existingParent: string, freeBytes?: number): PathProbe {
  return {path, exists: false, fileType: 'missing', existingParent, ...(freeBytes !== undefined ? {freeBytes} : {})}
}

/** `<disk type='file'>` as virt-install writes it for a qcow2 or raw image. */
export function fileDisk(
  path: string,
  target = 'vda',
  opts: {format?: string; cache?: string; iothread?: string; devno?: string; extra?: string} = {},
): string {
  const driver = [
    `name='qemu'`,
    `type='${opts.format ?? 'qcow2'}'`,
    opts.cache ? `cache='${opts.cache}'` : '',
    opts.iothread ? `iothread='${opts.iothread}'` : '',
  ]
    .filter(Boolean)
    .join(' ')
  return `<disk type='file' device='disk'>
      <driver ${driver}/>
      <source file='${path}'/>
      <target dev='${target}' bus='virtio'/>
      ${opts.extra ?? ''}
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='${opts.devno ?? '0x0001'}'/>
    </disk>`
}

/** An ISO in a CD-ROM drive on virtio-scsi, as IBM configures it for s390x. */
export function cdrom(path: string | undefined, target = 'sda'): string {
  return `<disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      ${path ? `<source file='${path}'/>` : ''}
      <target dev='${target}' bus='scsi'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>`
}

export const virtioScsiController = `<controller type='scsi' index='0' model='virtio-scsi'>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/>
    </controller>`
