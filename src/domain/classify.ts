/**
 * What each `<devices>` child means for live migration, before zmigrate does anything about
 * it. Host facts (is this file on NFS? does enc1a00 exist there?) are the rules' business; this
 * is what the domain XML alone says.
 */
import {hostPciAddress, pciAddressText} from './devices.js'
import type {ClassifiedDevice, DeviceKind, Disk, Filesystem, Hostdev, MigrationImpact, NetInterface} from './types.js'
import {type XmlNode, findChild, getAttr} from './xml-fragment.js'

/** Every `<devices>` child element libvirt documents (formatdomain "Devices"), i.e. DeviceKind minus 'unknown'. */
export const DEVICE_ELEMENTS = [
  'disk', 'hostdev', 'interface', 'filesystem', 'controller', 'console', 'serial', 'channel', 'memballoon',
  'rng', 'panic', 'watchdog', 'video', 'graphics', 'input', 'vsock', 'memory', 'emulator', 'sound', 'tpm',
  'redirdev', 'smartcard', 'hub', 'iommu', 'shmem', 'crypto', 'audio', 'pstore', 'lease', 'parallel',
] as const satisfies readonly DeviceKind[]

const KNOWN = new Set<string>(DEVICE_ELEMENTS)

/** The typed view parse.ts built for this element, when it builds one. */
export type ParsedDevice = Disk | Hostdev | NetInterface | Filesystem | undefined

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
  if (parsed?.kind === 'hostdev') return {label: `hostdev ${hostdevIdentity(parsed)}`, impact: 'blocks-live-migration'}
  if (parsed?.kind === 'interface') return interfaceVerdict(parsed, node)
  if (parsed?.kind === 'filesystem') return filesystemVerdict(parsed)
  const type = getAttr(node, 'type')
  switch (kind) {
    case 'emulator':
      // The destination starts the guest with this exact binary path; distributions differ
      // (/usr/bin/qemu-system-s390x vs /usr/libexec/qemu-kvm), and libvirt refuses a missing one.
      return {label: `emulator ${node.text?.trim() ?? '(empty)'}`, impact: 'needs-destination-resource'}
    case 'controller':
      return {label: join('controller', type, getAttr(node, 'index'), paren(getAttr(node, 'model'))), impact: 'migratable'}
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
      return {label: join('tpm', getAttr(findChild(node, 'backend'), 'type')), impact: getAttr(findChild(node, 'backend'), 'type') === 'passthrough' ? 'blocks-live-migration' : 'migratable'}
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
  const src = diskSourceText(disk)
  const what = disk.device === 'disk' ? '' : ` ${disk.device}`
  const label = `disk ${disk.target.dev || '(no target)'}${what} (${src ?? 'empty'})`
  if (src === undefined) return {label, impact: 'migratable'} // empty CD-ROM / floppy: nothing to move
  if ((disk.type === 'file' || disk.type === 'nvme') && !disk.readonly && !disk.shareable) return {label, impact: 'needs-copy'}
  return {label, impact: 'needs-destination-resource'}
}

function diskSourceText(disk: Disk): string | undefined {
  const s = disk.source
  if (!s) return undefined
  if (disk.type === 'nvme' && s.nvme?.address) return `nvme ${pciAddressText(s.nvme.address)}${s.nvme.namespace ? ` ns ${s.nvme.namespace}` : ''}`
  if (s.pool !== undefined || s.volume !== undefined) return `${s.pool ?? ''}/${s.volume ?? ''}`
  if (s.protocol !== undefined) return `${s.protocol}:${s.name ?? ''}`
  return s.file ?? s.dev ?? s.dir ?? s.name
}

function hostdevIdentity(h: Hostdev): string {
  if (h.type === 'mdev') return join(h.model ?? 'mdev', h.mdevUuid)
  if (h.type === 'pci') {
    const zpci = h.address && 'zpci' in h.address && h.address.zpci?.uid ? ` (zpci uid ${h.address.zpci.uid})` : ''
    return `pci ${h.pciSource ? pciAddressText(h.pciSource) : '(no source)'}${zpci}`
  }
  if (h.type === 'scsi' && h.scsiSource) {
    const s = h.scsiSource
    return `scsi ${s.adapter}:${s.bus}:${s.target}:${s.unit}`
  }
  if (h.type === 'scsi_host') return join('scsi_host', h.scsiHostSource?.wwpn)
  return h.type || '(no type)'
}

function interfaceVerdict(nic: NetInterface, node: XmlNode): Verdict {
  const s = nic.source
  if (nic.type === 'hostdev') {
    const pci = hostPciAddress(findChild(findChild(node, 'source'), 'address'))
    return {label: join('interface hostdev', pci && pciAddressText(pci)), impact: 'blocks-live-migration'}
  }
  const label = join('interface', nic.type || '(no type)', s.dev ?? s.bridge ?? s.network ?? nic.mac)
  // These carry their own endpoints (user-mode NAT, sockets to peers) rather than a host object.
  const selfContained = ['user', 'mcast', 'server', 'client', 'udp', 'null']
  return {label, impact: selfContained.includes(nic.type) ? 'migratable' : 'needs-destination-resource'}
}

/**
 * Shared host directories block migration while the guest has them mounted: virtiofs by IBM's
 * rule (IBM-DD "Live guest migration"), 9p because QEMU adds a migration blocker on mount
 * (hw/9pfs/9p.c v9fs_attach).
 */
function filesystemVerdict(fs: Filesystem): Verdict {
  // For type='mount', any driver other than virtiofs (path, handle, none) is QEMU's 9p export.
  const protocol = fs.driver === 'virtiofs' ? 'virtiofs' : fs.type === 'mount' ? '9p' : fs.type
  const label = join('filesystem', protocol, fs.sourceDir, fs.target && `-> ${fs.target}`)
  if (fs.type === 'mount') return {label, impact: 'blocks-live-migration'}
  return {label, impact: fs.type === 'ram' ? 'migratable' : 'needs-destination-resource'}
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined && p !== '').join(' ')
}

function paren(text: string | undefined): string | undefined {
  return text ? `(${text})` : undefined
}
