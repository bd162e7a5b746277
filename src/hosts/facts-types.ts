/**
 * What zmigrate knows about a host after gathering: read from the host's `/sys`, `/dev`
 * and `/proc` (under the profile's `root`, `/` on a real host) and from `virsh`.
 * Pure data; rules read it, never the host.
 */

export interface DasdDevice {
  /** CCW bus-ID, e.g. '0.0.7500'. */
  busId: string
  online: boolean
  /** PAV/HyperPAV alias (host-side only; has no block device). */
  alias: boolean
  /** Storage-server UID, e.g. 'IBM.75000000092461.e900.10' (HyperPAV alias: '….xx'). */
  uid?: string
  readonly?: boolean
  /** dasd-eckd | dasd-fba */
  discipline?: string
  /** Block device name when online, e.g. 'dasda'. */
  blockName?: string
}

/** One `/dev/disk/by-*` or `/dev/mapper` link and what it resolves to. */
export interface DeviceLink {
  /** Absolute path as a guest XML would name it, e.g. '/dev/disk/by-path/ccw-0.0.7500'. */
  path: string
  /** Kernel device it resolves to, e.g. 'dasda', 'dasda1', 'dm-0', 'sda'. */
  target: string
}

export interface MultipathMap {
  /** DM name (`/dev/mapper/<name>`): the WWID or a user-friendly alias. */
  name: string
  wwid: string
  /** Kernel name, e.g. 'dm-0'. */
  dmDevice: string
  /** Path devices (sd names). */
  paths: string[]
}

export interface ScsiDevice {
  /** 'H:C:T:L' */
  hctl: string
  /** SCSI peripheral type: 0 disk, 1 tape, 8 medium changer, … */
  type: number
  /** disk | tape | changer | other */
  kind: 'disk' | 'tape' | 'changer' | 'other'
  vendor?: string
  model?: string
  /** Kernel block name (sdX) or st/sg name. */
  blockName?: string
  sgName?: string
  /** zfcp identity: FCP device bus-ID, WWPN and LUN (hex, 0x-prefixed, 16 digits). */
  fcpDevice?: string
  wwpn?: string
  lun?: string
}

export interface ZfcpHost {
  /** FCP device bus-ID, e.g. '0.0.1700'. */
  busId: string
  /** SCSI host number, e.g. 0 for scsi_host0 / host0. */
  scsiHost: number
  online: boolean
}

export interface QethDevice {
  /** First subchannel bus-ID of the group, e.g. '0.0.1a00'. */
  busId: string
  ifname?: string
  online: boolean
  layer2?: boolean
  cardType?: string
  /** `vnicc/<name>` values as read: '0', '1', 'n/a', 'n/a (BridgePort)'. */
  vnicc: Record<string, string>
  bridgeRole?: string
}

export interface ApMatrix {
  adapters: string[]
  domains: string[]
  controlDomains: string[]
}

export interface MediatedDevice {
  uuid: string
  /** vfio_ccw-io | vfio_ap-passthrough | … */
  type: string
  /** Parent device: subchannel bus-ID ('0.0.0313') for vfio_ccw, 'matrix' for vfio_ap. */
  parent: string
  /** vfio_ap: assigned adapters/domains (hex). */
  matrix?: ApMatrix
  /** For vfio-ccw: the device number behind the subchannel, when known. */
  ccwDevice?: string
}

export interface PciFunction {
  /** Host PCI address 'dddd:bb:ss.f'. */
  address: string
  /** zPCI function ID, '0x%08x'. */
  fid?: string
  /** zPCI UID, '0x%04x'. */
  uid?: string
  uidIsUnique?: boolean
  pchid?: string
  vendor?: string
  device?: string
  /** PCI class code, e.g. '0x010802' (NVMe), '0x020000' (Ethernet). */
  pciClass?: string
  /** nvme | roce | ism | other */
  kind: 'nvme' | 'roce' | 'ism' | 'other'
  /** Network interface name (RoCE), e.g. 'eno4272'. */
  ifname?: string
  /** Driver bound: mlx5_core, nvme, vfio-pci, ism, … */
  driver?: string
  /** NVMe namespaces (block device names, e.g. 'nvme0n1') of this function while the nvme driver has it. */
  blockDevices?: string[]
}

export interface NetworkInterface {
  name: string
  /** bridge | bond | vlan | macvtap | tun | veth | ether | loopback | other */
  kind: string
  /** Bridge the interface is enslaved to. */
  master?: string
  operstate?: string
  mac?: string
}

export interface LibvirtNetwork {
  name: string
  active: boolean
  bridge?: string
}

export interface StoragePool {
  name: string
  type: string
  active: boolean
  targetPath?: string
  availableBytes?: number
}

export interface MountEntry {
  source: string
  target: string
  fstype: string
}

export interface HugepagePool {
  sizeKiB: number
  total: number
  free: number
}

export interface NumaNode {
  id: number
  memTotalKiB?: number
  memFreeKiB?: number
  cpus?: string
  hugepages: HugepagePool[]
}

/** How QEMU measured a dirty rate (virsh domdirtyrate-calc --mode, libvirt >= 8.1); src/hosts/dirty-rate-command.ts says which zmigrate asks for. */
export type DirtyRateMode = 'page-sampling' | 'dirty-bitmap' | 'dirty-ring'

/**
 * Why a guest's dirty rate could not be measured: virsh without domdirtyrate-calc (libvirt < 7.2),
 * without --mode (< 8.1) or a QEMU/accelerator refusing the mode, a guest that is not running, a
 * measurement not finished in time or superseded by another one (the result is of another mode or length),
 * or anything else libvirt said (`detail`).
 */
export type DirtyRateUnavailable = 'command-unknown' | 'mode-unsupported' | 'qemu-unsupported' | 'guest-not-running' | 'not-finished' | 'superseded' | 'failed'

/** A guest's dirty rate as check or migrate measured it, or why it could not. */
export type DirtyRateFact =
  | {
      kind: 'measured'
      /**
       * libvirt's dirtyrate.megabytes_per_second in bytes: whole MiB/s, QEMU truncates (the true rate
       * is below one MiB/s more). Of several windows, the highest (dirty-rate-measure.ts).
       */
      bytesPerSecond: number
      mode: DirtyRateMode
      /** One window's length (dirtyrate.calc_period). */
      seconds: number
      /** Each window's rate in order, when more than one was taken; bytesPerSecond is their highest. */
      windowBytesPerSecond?: number[]
      /** When zmigrate read the result (ISO 8601). */
      measuredAt: string
    }
  | {kind: 'not-measurable'; reason: DirtyRateUnavailable; detail: string}

/**
 * The part of a running guest's RAM its QEMU process has resident (resident-memory.ts): what a
 * migration sends as whole pages at most, or why it could not be read (no QEMU process for the
 * guest's name, a process that is not this guest's, no mapping of the guest's size, anything else).
 */
export type ResidentMemoryFact =
  | {kind: 'measured'; bytes: number; measuredAt: string}
  | {kind: 'not-measurable'; reason: 'no-process' | 'not-this-guest' | 'no-ram-mapping' | 'failed'; detail: string}

export interface GuestSummary {
  name: string
  uuid: string
  /** running | paused | shut off | crashed | pmsuspended | in shutdown | blocked | idle | dying */
  state: string
  persistent?: boolean
  /** `<memory>` and `<currentMemory>` (the balloon size) of the XML, KiB, and `<vcpu>`: what the guest holds (parse-virsh.ts domainSizeOf). */
  memoryKiB?: number
  currentMemoryKiB?: number
  vcpus?: number
  /** `virsh dumpxml` output. */
  xml: string
  /** Measured only on request (profile migration.measure-dirty-rate, and before migrate); absent: not measured. */
  dirtyRate?: DirtyRateFact
  /** Read with the dirty rate: the RAM a migration of it sends at most. */
  residentMemory?: ResidentMemoryFact
}

export interface LibvirtInfo {
  reachable: boolean
  uri: string
  /** When unreachable: the error libvirt gave. */
  error?: string
  /** e.g. '9.0.0' */
  version?: string
  hypervisorVersion?: string
}

export interface HostFacts {
  /** Profile name of the host. */
  host: string
  /** `root` the tree was read from. */
  root: string
  hostname?: string
  /** libvirt host UUID (`virsh capabilities`). */
  hostUuid?: string
  arch?: string
  kernelRelease?: string
  libvirt: LibvirtInfo
  qemu: {version?: string; emulator?: string}
  /** Machine types the host's QEMU offers for s390x (canonical names and aliases). */
  machineTypes: string[]
  /**
   * Guest architectures the host can run (`virsh capabilities` `<guest>` elements): arch,
   * domain types (kvm needs a host of that arch; qemu is TCG emulation) and machine types
   * (canonical names and aliases).
   */
  guestDomains: {arch: string; domainTypes: string[]; machines: string[]}[]
  hostCpu?: {model?: string; vendor?: string; features: string[]}
  /** CPU models usable for guests (`domcapabilities`, usable='yes'). */
  usableCpuModels: string[]
  memory: {totalKiB?: number; freeKiB?: number; availableKiB?: number}
  cpus: {online?: number}
  numa: NumaNode[]
  hugepages: HugepagePool[]
  qemuIds?: {user?: string; group?: string; uid?: number; gid?: number}
  dasd: DasdDevice[]
  deviceLinks: DeviceLink[]
  multipath: MultipathMap[]
  scsi: ScsiDevice[]
  zfcpHosts: ZfcpHost[]
  qeth: QethDevice[]
  mdevs: MediatedDevice[]
  pci: PciFunction[]
  netInterfaces: NetworkInterface[]
  libvirtNetworks: LibvirtNetwork[]
  storagePools: StoragePool[]
  mounts: MountEntry[]
  /** enabled: selinuxfs is mounted; enforcing: /sys/fs/selinux/enforce; virtUseNfs: the boolean's current value. */
  selinux: {enabled: boolean; enforcing?: boolean; virtUseNfs?: boolean}
  sysctl: {unprivilegedUserfaultfd?: number}
  guests: GuestSummary[]
  /** Problems met while reading (missing files are normal; these are the unexpected ones). */
  warnings: string[]
}

/** A path the probe phase looks at, with what the guest's domain XML declares about its image. */
export interface ProbeTarget {
  path: string
  /**
   * qemu-img `-f` format of a disk image: the one the XML declares (domain/image-format.ts); never
   * guessed. Absent for a plain file (a boot kernel, initrd, firmware, NVRAM): the probe reports
   * its type and size and never opens it with qemu-img.
   */
  format?: string
  /** The `<backingStore>` files the XML declares; other backing files qemu-img reports are untrusted. */
  backingFiles?: readonly string[]
}

/** Per-path facts the probe phase gathers for the disks of the guests being checked. */
export interface PathProbe {
  path: string
  exists: boolean
  /** regular | block | directory | missing | other */
  fileType: string
  sizeBytes?: number
  /**
   * qemu-img info, read as the declared format (file images only). backingFile: one the XML
   * declares too; undeclaredBackingFile: one only the image header names — the image's content may
   * be the guest's own, so it is a fact to show, never a file to open or create.
   */
  image?: {format: string; virtualSizeBytes: number; actualSizeBytes?: number; backingFile?: string; undeclaredBackingFile?: string}
  /** Free bytes on the file system holding the path (or its parent directory when missing). */
  freeBytes?: number
  /** The closest existing parent directory, when the path is missing. */
  existingParent?: string
  /** For block devices: the kernel device the path resolves to (e.g. 'dasdb', 'dm-0'). */
  kernelName?: string
  /**
   * For device-mapper devices: the DM UUID (/sys/block/dm-N/dm/uuid), which names what is mapped —
   * 'mpath-<WWID>' for a multipath map, 'LVM-<VG UUID><LV UUID>' for an LVM volume — the same on
   * every host that sees the same storage.
   */
  dmUuid?: string
  /** Why the path could not be probed (not absolute, contains a line break, qemu-img failed, …). */
  error?: string
}

/** Result of `virsh hypervisor-cpu-compare` for one guest CPU definition. */
export interface CpuCompareResult {
  /** identical | superset | incompatible | error */
  result: 'identical' | 'superset' | 'incompatible' | 'error'
  detail?: string
}
