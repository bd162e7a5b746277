/**
 * The one place that names guest devices for people: the short identity a finding's subject, a
 * plan step and the classified device list all show ('disk vda (/dev/disk/by-path/ccw-0.0.7500)',
 * 'hostdev vfio-ccw 90c6…', 'interface direct enc1a00'), as virt-manager's device classes own
 * their `pretty_name`. Plan step ids are made from these labels, so a label only changes with a
 * reason: a plan computed before the change no longer matches.
 */
import {pciAddressText} from './devices.js'
import type {BootFile} from './boot-files.js'
import type {Controller, Disk, Filesystem, Hostdev, NetInterface} from './types.js'

/**
 * 'disk vda (/dev/disk/by-path/ccw-0.0.7500)'; a disk without a path shows its volume, network
 * name, NVMe namespace or directory; an empty drive only its target.
 */
export function diskLabel(disk: Disk): string {
  const where = disk.path ?? disk.source?.volume ?? disk.source?.name ?? nvmeSourceText(disk) ?? disk.source?.dir
  const target = disk.target.dev || '(no target)'
  return where ? `disk ${target} (${where})` : `disk ${target}`
}

/** 'nvme 0004:00:00.0 namespace 1': where an NVMe disk (which has no path) lives on the host. */
export function nvmeSourceText(disk: Disk): string | undefined {
  const n = disk.source?.nvme
  if (!n?.address) return undefined
  const hex = (v: string, w: number) => v.replace(/^0x/i, '').padStart(w, '0')
  return `nvme ${hex(n.address.domain, 4)}:${hex(n.address.bus, 2)}:${hex(n.address.slot, 2)}.${hex(n.address.function, 1)} namespace ${n.namespace ?? '1'}`
}

/**
 * 'hostdev vfio-ccw 90c6c135-ad44-41d0-b1b7-bae47de48627', 'hostdev pci 0002:00:00.0',
 * 'interface hostdev 0004:00:00.1', 'hostdev scsi scsi_host0 0:0:0',
 * 'hostdev scsi_host naa.5123456789abcde0' (vhost-scsi, by its target's WWPN).
 */
export function hostdevLabel(hostdev: Hostdev): string {
  if (hostdev.type === 'mdev') return `hostdev ${hostdev.model ?? 'mdev'} ${hostdev.mdevUuid ?? '(no uuid)'}`
  if (hostdev.type === 'pci')
    return `${hostdev.fromInterface ? 'interface hostdev' : 'hostdev pci'} ${hostdev.pciSource ? pciAddressText(hostdev.pciSource) : '(no source address)'}`
  if (hostdev.type === 'scsi' && hostdev.scsiSource) {
    const s = hostdev.scsiSource
    return `hostdev scsi ${s.adapter} ${s.bus}:${s.target}:${s.unit}`
  }
  if (hostdev.type === 'scsi_host') return `hostdev scsi_host ${hostdev.scsiHostSource?.wwpn ?? '(no wwpn)'}`
  return `hostdev ${hostdev.type || '(no type)'}`
}

/** The name an interface's source refers to: the direct dev, the bridge or the network. */
export function interfaceSourceName(iface: NetInterface): string | undefined {
  switch (iface.type) {
    case 'direct':
      return iface.source.dev
    case 'bridge':
      return iface.source.bridge
    case 'network':
      return iface.source.network
    default:
      return iface.source.dev ?? iface.source.bridge ?? iface.source.network
  }
}

/** 'interface direct enc1a00', 'interface bridge br0', 'interface network default', else the MAC: 'interface user 52:54:00:…'. */
export function interfaceLabel(iface: NetInterface): string {
  const type = iface.type || '(no type)'
  const source = interfaceSourceName(iface)
  return source ? `interface ${type} ${source}` : `interface ${type}${iface.mac ? ` ${iface.mac}` : ''}`
}

/**
 * How a `<filesystem>` is exported to the guest: 'virtiofs' (driver virtiofs, or a vhost-user-fs
 * daemon), '9p' (type mount with driver path, handle or none — QEMU's virtio-9p, libvirt's default),
 * else the element's type (block, file, ram, bind, …).
 */
export function filesystemProtocol(fs: Filesystem): string {
  if (fs.driver === 'virtiofs' || fs.driver === 'vhost-user-fs') return 'virtiofs'
  if (fs.type === 'mount' && (fs.driver === undefined || fs.driver === 'path' || fs.driver === 'handle')) return '9p'
  return fs.type
}

/** 'filesystem virtiofs share (/srv/share/linux07)': protocol, mount tag, host directory. */
export function filesystemLabel(fs: Filesystem): string {
  return `filesystem ${filesystemProtocol(fs)} ${fs.target ?? '(no target)'}${fs.sourceDir ? ` (${fs.sourceDir})` : ''}`
}

/** 'controller virtio-scsi 0', 'controller virtio-serial 0', 'controller pci-root 0': the model when set, else the type; libvirt numbers controllers from 0. */
export function controllerLabel(c: Controller): string {
  return `controller ${c.model ?? (c.type || '(no type)')} ${c.controllerIndex ?? '0'}`
}

/** 'os kernel /var/lib/libvirt/boot/linux07-vmlinuz': a boot file of `<os>`. */
export function bootFileLabel(file: BootFile): string {
  return `os ${file.kind} ${file.path}`
}
