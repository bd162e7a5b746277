/**
 * Typed view of a libvirt domain (the output of `virsh dumpxml` or a domain XML file),
 * restricted to what migration on IBM Z cares about. Every `<devices>` child is kept
 * (as `devices`) with a classification, so nothing in a guest goes unnoticed.
 *
 * Hex numbers are normalised to lower-case `0x` form with the width libvirt uses
 * (ccw devno 4 digits, zpci uid 4, fid 8), e.g. devno '0x7500', fid '0x00000001'.
 */

export interface CcwAddress {
  type: 'ccw'
  cssid?: string
  ssid?: string
  devno?: string
}

export interface ZpciAddress {
  uid?: string
  fid?: string
}

export interface PciAddress {
  type: 'pci'
  domain?: string
  bus?: string
  slot?: string
  function?: string
  zpci?: ZpciAddress
}

export interface DriveAddress {
  type: 'drive'
  controller?: string
  bus?: string
  target?: string
  unit?: string
}

export interface OtherAddress {
  type: string
  attributes: Record<string, string>
}

export type GuestAddress = CcwAddress | PciAddress | DriveAddress | OtherAddress

/** A host PCI function address as written in `<source><address …/>`. */
export interface HostPciAddress {
  domain: string
  bus: string
  slot: string
  function: string
}

/** What kind of thing a `<devices>` child is, for reporting and rules. */
export type DeviceKind =
  | 'disk'
  | 'hostdev'
  | 'interface'
  | 'filesystem'
  | 'controller'
  | 'console'
  | 'serial'
  | 'channel'
  | 'memballoon'
  | 'rng'
  | 'panic'
  | 'watchdog'
  | 'video'
  | 'graphics'
  | 'input'
  | 'vsock'
  | 'memory'
  | 'emulator'
  | 'sound'
  | 'tpm'
  | 'redirdev'
  | 'smartcard'
  | 'hub'
  | 'iommu'
  | 'shmem'
  | 'crypto'
  | 'audio'
  | 'pstore'
  | 'lease'
  | 'parallel'
  /** A `<devices>` child zmigrate does not recognise (`element` has its name); never silently migratable. */
  | 'unknown'

/** How a device bears on live migration (before zmigrate does anything about it). */
export type MigrationImpact =
  /** Purely virtual, moves with the guest. */
  | 'migratable'
  /** Needs the same resource on the destination (shared disk, network source, …). */
  | 'needs-destination-resource'
  /** Host-local storage: needs disk migration (copy). */
  | 'needs-copy'
  /** Blocks live migration while attached (passthrough, virtiofs, …). */
  | 'blocks-live-migration'

export interface ClassifiedDevice {
  /** Element name, e.g. 'disk', 'hostdev'. */
  element: string
  kind: DeviceKind
  /** Position among all `<devices>` children (0-based). */
  index: number
  /** Short human identity: 'disk vda', 'hostdev vfio-ccw 90c6…', 'interface direct enc1a00'. */
  label: string
  impact: MigrationImpact
}

export interface DiskDriver {
  name?: string
  /** Image format: raw, qcow2, … */
  format?: string
  cache?: string
  io?: string
  iothread?: string
  discard?: string
  /** `queues='N'`: virtqueues of a virtio-blk disk. */
  queues?: number
}

export interface Disk {
  kind: 'disk'
  /** Position among `<devices>` children. */
  index: number
  /** `type` attribute: file, block, network, volume, dir, nvme. */
  type: string
  /** `device` attribute: disk, cdrom, floppy, lun. */
  device: string
  target: {dev: string; bus?: string}
  /** Source path for file (`file=`) or block (`dev=`) disks; absent for empty CD-ROMs, network, volume. */
  path?: string
  source?: {
    file?: string
    dev?: string
    dir?: string
    pool?: string
    volume?: string
    protocol?: string
    name?: string
    /** `<disk type='nvme'>`: host PCI address of the NVMe controller and namespace. */
    nvme?: {address?: HostPciAddress; namespace?: string; managed?: boolean}
  }
  driver?: DiskDriver
  /** Files of the `<backingStore>` chain the XML declares (top first): the only backing files zmigrate trusts. */
  backingFiles?: string[]
  readonly: boolean
  shareable: boolean
  transient: boolean
  address?: GuestAddress
  bootOrder?: number
  alias?: string
  /** The `<disk>` element as XML, for detach/attach. */
  xml: string
}

export interface Hostdev {
  kind: 'hostdev'
  index: number
  /** subsystem | capabilities */
  mode: string
  /** mdev | pci | scsi | scsi_host | usb */
  type: string
  /** mdev model: vfio-ccw | vfio-ap | vfio-pci; absent otherwise. */
  model?: string
  managed?: boolean
  /** mdev UUID (`<source><address uuid=…>`). */
  mdevUuid?: string
  /** PCI source function. */
  pciSource?: HostPciAddress
  /** SCSI passthrough source: `<adapter name='scsi_host0'/>` + `<address bus target unit>`. */
  scsiSource?: {adapter: string; bus: string; target: string; unit: string}
  /** scsi_host (vhost-scsi) source. */
  scsiHostSource?: {protocol?: string; wwpn?: string}
  address?: GuestAddress
  /** True when this came from `<interface type='hostdev'>` (a PCI NIC). */
  fromInterface: boolean
  alias?: string
  xml: string
}

export interface NetInterface {
  kind: 'interface'
  index: number
  /** direct | bridge | network | user | hostdev | vhostuser | ethernet | … */
  type: string
  mac?: string
  source: {dev?: string; mode?: string; bridge?: string; network?: string; portgroup?: string}
  /** `<virtualport type=…>` (openvswitch, 802.1Qbh, …). */
  virtualport?: string
  model?: string
  /** `<driver queues='N'>`: queue pairs of a multi-queue virtio-net interface. */
  queues?: number
  address?: GuestAddress
  alias?: string
  xml: string
}

export interface Filesystem {
  kind: 'filesystem'
  index: number
  /** mount | block | file | template | ram | bind */
  type: string
  /** virtiofs | path | handle | loop | nbd | ploop */
  driver?: string
  accessmode?: string
  sourceDir?: string
  target?: string
  readonly: boolean
  xml: string
}

export interface Controller {
  kind: 'controller'
  index: number
  type: string
  model?: string
  controllerIndex?: string
  iothread?: string
  /** `<driver queues='N'>` of a virtio-scsi controller. */
  queues?: number
  /** `vectors='N'` of a virtio-serial controller: the one place libvirt XML sets MSI-X vectors. */
  vectors?: number
  address?: GuestAddress
  xml: string
}

export interface CpuFeature {
  name: string
  policy?: string
}

export interface Cpu {
  /** custom | host-model | host-passthrough | maximum; libvirt's default is custom when a model is given. */
  mode?: string
  match?: string
  check?: string
  model?: string
  fallback?: string
  features: CpuFeature[]
  numaCells: {id: string; cpus?: string; memoryKiB?: number}[]
  /** The `<cpu>` element as XML, for hypervisor-cpu-compare. */
  xml: string
}

export interface MemoryBacking {
  hugepages: {sizeKiB?: number; nodeset?: string}[]
  /** `<hugepages/>` present with no `<page>` children: default huge page size. */
  hugepagesDefault: boolean
  sourceType?: string
  access?: string
  locked: boolean
}

export interface DomainModel {
  name: string
  uuid?: string
  /** kvm | qemu | test */
  type: string
  arch?: string
  machine?: string
  /** `<memory>` in KiB. */
  memoryKiB: number
  currentMemoryKiB?: number
  maxMemoryKiB?: number
  vcpus: number
  /** Number of `<iothreads>`, 0 when none. */
  iothreads: number
  cpu?: Cpu
  memoryBacking?: MemoryBacking
  numatune?: {mode?: string; nodeset?: string}
  /** Any `<cputune><vcpupin>` / `<emulatorpin>` / `<vcpu cpuset=…>`. */
  cpuPinning: boolean
  launchSecurity?: {type: string}
  /** `<os>` boot files, as paths on the host: direct-boot kernel and initrd, firmware loader, NVRAM variable store. */
  os: {kernel?: string; initrd?: string; cmdline?: string; loader?: string; nvram?: string}
  disks: Disk[]
  hostdevs: Hostdev[]
  interfaces: NetInterface[]
  filesystems: Filesystem[]
  controllers: Controller[]
  /** Every `<devices>` child, classified. */
  devices: ClassifiedDevice[]
  /** The document as given. */
  xml: string
}
