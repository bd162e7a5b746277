/**
 * What each `<devices>` child means for live migration, before zmigrate does anything about
 * it. Host facts (is this file on NFS? does enc1a00 exist there?) are the rules' business; this
 * is what the domain XML alone says.
 */
import {controllerLabel, diskLabel, filesystemLabel, hostdevLabel, interfaceLabel} from './labels.js'
import type {ClassifiedDevice, Controller, DeviceKind, Disk, Filesystem, Hostdev, MigrationImpact, NetInterface} from './types.js'
import {type XmlNode, findChild, getAttr} from './xml-fragment.js'

/** Every `<devices>` child element libvirt documents (formatdomain "Devices"), i.e. DeviceKind minus 'unknown'. */
export const DEVICE_ELEMENTS = [
  'disk',
  'hostdev',
  'interface',
  'filesystem',
  'controller',
  'console',
  'serial',
  'channel',
  'memballoon',
  'rng',
  'panic',
  'watchdog',
  'video',
  'graphics',
  'input',
  'vsock',
  'memory',
  'emulator',
  'sound',
  'tpm',
  'redirdev',
  'smartcard',
  'hub',
  'iommu',
  'shmem',
  'crypto',
  'audio',
  'pstore',
  'lease',
  'parallel',
] as const satisfies readonly DeviceKind[]

const KNOWN = new Set<string>(DEVICE_ELEMENTS)

/**
 * The typed view parse.ts built for this element, when it builds one; for an `<interface
 * type='hostdev'>`, the hostdev it is (a VFIO PCI NIC).
 */
export type ParsedDevice = Disk | Hostdev | NetInterface | Filesystem | Controller | undefined

interface Verdict {
  label: string
  impact: MigrationImpact
}

export function classifyDevice(node: XmlNode, index: number, parsed: ParsedDevice): ClassifiedDevice {
  const kind: DeviceKind = KNOWN.has(node.name) ? (node.name as DeviceKind) : 'unknown'
  const {label, impact} = verdict(node, kind, parsed)
  return {element: node.name, kind, index, label, impact}
}

function verdict(node: XmlNode, kind: DeviceKind, parsed: ParsedDevice): Verdict {
  if (parsed?.kind === 'disk') return diskVerdict(parsed)
  if (parsed?.kind === 'hostdev') return {label: hostdevLabel(parsed), impact: 'blocks-live-migration'}
  if (parsed?.kind === 'interface') return interfaceVerdict(parsed)
  if (parsed?.kind === 'filesystem') return filesystemVerdict(parsed)
  if (parsed?.kind === 'controller') return {label: controllerLabel(parsed), impact: 'migratable'}
  const type = getAttr(node, 'type')
  switch (kind) {
    case 'emulator':
      // The destination starts the guest with this exact binary path; distributions differ
      // (/usr/bin/qemu-system-s390x vs /usr/libexec/qemu-kvm), and libvirt refuses a missing one.
      return {label: `emulator ${node.text?.trim() ?? '(empty)'}`, impact: 'needs-destination-resource'}
    case 'console':
    case 'serial':
    case 'channel':
    case 'parallel':
      // A host character device (type='dev', e.g. /dev/ttyS1) must exist on the destination too.
      return {
        label: join(node.name, type, paren(getAttr(findChild(node, 'target'), 'type') ?? getAttr(findChild(node, 'target'), 'name'))),
        impact: type === 'dev' ? 'needs-destination-resource' : 'migratable',
      }
    case 'tpm':
      // A passed-through host TPM cannot follow the guest; the emulated one (swtpm) migrates.
      return {
        label: join('tpm', getAttr(findChild(node, 'backend'), 'type')),
        impact: getAttr(findChild(node, 'backend'), 'type') === 'passthrough' ? 'blocks-live-migration' : 'migratable',
      }
    case 'lease':
      // Lock-manager leases name a lockspace that the destination must share.
      return {label: join('lease', findChild(node, 'lockspace')?.text?.trim(), findChild(node, 'key')?.text?.trim()), impact: 'needs-destination-resource'}
    case 'memory': {
      // An nvdimm/virtio-pmem backed by a host file needs that file on the destination.
      const path = findChild(findChild(node, 'source'), 'path')?.text?.trim()
      return {label: join('memory', getAttr(node, 'model'), paren(path)), impact: path ? 'needs-destination-resource' : 'migratable'}
    }
    case 'rng':
      return {label: join('rng', getAttr(node, 'model'), paren(findChild(node, 'backend')?.text?.trim())), impact: 'migratable'}
    case 'unknown':
      // Not something zmigrate understands, so it must not be reported as safe to move.
      return {label: `${node.name} (unrecognised device)`, impact: 'needs-destination-resource'}
    default:
      return {label: join(node.name, getAttr(node, 'model') ?? type ?? getAttr(findChild(node, 'model'), 'type')), impact: 'migratable'}
  }
}

/**
 * File and NVMe disks are host-local until a rule learns otherwise (an NFS path is a host
 * fact), so they need copying. libvirt's storage copy skips read-only and shareable disks
 * (virsh.rst, migrate --copy-storage-all), so those need the same source on the destination, as
 * do block (DASD, multipath), network and pool volumes (IBM-KVM "virtual server resources").
 */
function diskVerdict(disk: Disk): Verdict {
  const label = diskLabel(disk)
  if (!hasSource(disk)) return {label, impact: 'migratable'} // empty CD-ROM / floppy: nothing to move
  if ((disk.type === 'file' || disk.type === 'nvme') && !disk.readonly && !disk.shareable) return {label, impact: 'needs-copy'}
  return {label, impact: 'needs-destination-resource'}
}

function hasSource(disk: Disk): boolean {
  const s = disk.source
  if (!s) return false
  if (disk.type === 'nvme') return s.nvme?.address !== undefined
  return [s.file, s.dev, s.dir, s.name, s.pool, s.volume, s.protocol].some((v) => v !== undefined)
}

function interfaceVerdict(nic: NetInterface): Verdict {
  // These carry their own endpoints (user-mode NAT, sockets to peers) rather than a host object.
  const selfContained = ['user', 'mcast', 'server', 'client', 'udp', 'null']
  return {label: interfaceLabel(nic), impact: selfContained.includes(nic.type) ? 'migratable' : 'needs-destination-resource'}
}

/**
 * Shared host directories block migration while the guest has them mounted: virtiofs by IBM's
 * rule (IBM-DD "Live guest migration"), 9p because QEMU adds a migration blocker on mount
 * (hw/9pfs/9p.c v9fs_attach).
 */
function filesystemVerdict(fs: Filesystem): Verdict {
  const label = filesystemLabel(fs)
  if (fs.type === 'mount') return {label, impact: 'blocks-live-migration'}
  return {label, impact: fs.type === 'ram' ? 'migratable' : 'needs-destination-resource'}
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined && p !== '').join(' ')
}

function paren(text: string | undefined): string | undefined {
  return text ? `(${text})` : undefined
}
