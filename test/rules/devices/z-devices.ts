/**
 * Realistic IBM Z device shapes for the device and network rule tests: guest XML fragments as
 * IBM's KVM documentation writes them and host facts as zmigrate records them (z-domain
 * reference §2.4, §3, §4).
 */
import type {MediatedDevice, NetworkInterface, PciFunction, QethDevice, ScsiDevice, ZfcpHost} from '../../../src/hosts/facts-types.js'

export const CCW_UUID = '90c6c135-ad44-41d0-b1b7-bae47de48627'
export const AP_UUID = '62177883-f1bb-47f0-914d-32a22e3a8804'

// ---------------------------------------------------------------- guest XML

/** IBM-KVM "Configuring a pass-through DASD". */
export function vfioCcwXml(uuid = CCW_UUID, devno = '0x00a1'): string {
  return `<hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='${uuid}'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='${devno}'/>
    </hostdev>`
}

/** libvirt kbase / kernel vfio-ap.rst example. */
export function vfioApXml(uuid = AP_UUID): string {
  return `<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
      <source><address uuid='${uuid}'/></source>
    </hostdev>`
}

export function mdevXml(uuid: string, model: string): string {
  return `<hostdev mode='subsystem' type='mdev' managed='no' model='${model}'>
      <source><address uuid='${uuid}'/></source>
    </hostdev>`
}

/** IBM-KVM `<zpci>` example: a PCI pass-through with the guest's uid/fid. */
export function pciHostdevXml(domain = '0x0002', fn = '0x0', uid = '0x0001', fid = '0x00000000'): string {
  return `<hostdev mode='subsystem' type='pci' managed='yes'>
      <driver name='vfio'/>
      <source><address domain='${domain}' bus='0x00' slot='0x00' function='${fn}'/></source>
      <address type='pci'><zpci uid='${uid}' fid='${fid}'/></address>
    </hostdev>`
}

/** A RoCE VF as `<interface type='hostdev'>` (IBM: when a MAC must be set). */
export function roceInterfaceXml(domain = '0x0004', fn = '0x1', mac = '52:54:00:6a:0e:09'): string {
  return `<interface type='hostdev' managed='yes'>
      <mac address='${mac}'/>
      <source><address type='pci' domain='${domain}' bus='0x00' slot='0x00' function='${fn}'/></source>
      <address type='pci'><zpci uid='0x10b0' fid='0x000003e1'/></address>
    </interface>`
}

/** IBM-KVM `<adapter>` example for a SCSI tape. */
export function scsiHostdevXml(adapter = 'scsi_host0', bus = '0', target = '0', unit = '0'): string {
  return `<controller type='scsi' model='virtio-scsi' index='0'/>
    <hostdev mode='subsystem' type='scsi'>
      <source>
        <adapter name='${adapter}'/>
        <address bus='${bus}' target='${target}' unit='${unit}'/>
      </source>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </hostdev>`
}

/** IBM-KVM "Configuring a MacVTap interface". */
export function macvtapXml(dev = 'enc1a00', mac = '52:54:00:6a:0e:07', devno = '0x0001', driver = ''): string {
  return `<interface type='direct'>
      <mac address='${mac}'/>
      <source dev='${dev}' mode='bridge'/>
      <model type='virtio'/>${driver}
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='${devno}'/>
    </interface>`
}

export function bridgeXml(bridge = 'br0', mac = '52:54:00:6a:0e:08', extra = ''): string {
  return `<interface type='bridge'>
      <mac address='${mac}'/>
      <source bridge='${bridge}'/>${extra}
      <model type='virtio'/>
    </interface>`
}

export function networkXml(network = 'default', mac = '52:54:00:6a:0e:0a'): string {
  return `<interface type='network'>
      <mac address='${mac}'/>
      <source network='${network}'/>
      <model type='virtio'/>
    </interface>`
}

export function virtiofsXml(dir = '/srv/share/linux01', tag = 'share'): string {
  return `<filesystem type='mount' accessmode='passthrough'>
      <driver type='virtiofs' queue='1024'/>
      <binary path='/usr/libexec/virtiofsd'/>
      <source dir='${dir}'/>
      <target dir='${tag}'/>
    </filesystem>`
}

export function ninePXml(dir = '/srv/export', tag = 'export', driver = ''): string {
  return `<filesystem type='mount' accessmode='mapped'>${driver}
      <source dir='${dir}'/>
      <target dir='${tag}'/>
    </filesystem>`
}

// ---------------------------------------------------------------- host facts

export function ccwMdev(uuid = CCW_UUID, subchannel = '0.0.0313', device = '0.0.2b09'): MediatedDevice {
  return {uuid, type: 'vfio_ccw-io', parent: subchannel, ccwDevice: device}
}

export function apMdev(uuid = AP_UUID, adapters = ['0x03', '0x04'], domains = ['0x0004', '0x0005'], controlDomains = ['0x0004']): MediatedDevice {
  return {uuid, type: 'vfio_ap-passthrough', parent: 'matrix', matrix: {adapters, domains, controlDomains}}
}

export function nvmeFunction(address = '0002:00:00.0', fid = '0x00000300', overrides: Partial<PciFunction> = {}): PciFunction {
  return {
    address,
    fid,
    uid: '0x0002',
    uidIsUnique: true,
    pchid: '0x01a0',
    vendor: '0x144d',
    device: '0xa824',
    pciClass: '0x010802',
    kind: 'nvme',
    driver: 'vfio-pci',
    ...overrides,
  }
}

export function roceFunction(address = '0004:00:00.1', overrides: Partial<PciFunction> = {}): PciFunction {
  return {
    address,
    fid: '0x000003e1',
    uid: '0x10b0',
    uidIsUnique: true,
    pchid: '0x01c0',
    vendor: '0x15b3',
    device: '0x101e',
    pciClass: '0x020000',
    kind: 'roce',
    ifname: 'eno4272',
    driver: 'mlx5_core',
    ...overrides,
  }
}

export function ismFunction(address = '0003:00:00.0', overrides: Partial<PciFunction> = {}): PciFunction {
  return {
    address,
    fid: '0x00000420',
    uid: '0x0003',
    uidIsUnique: true,
    pchid: '0x07c0',
    vendor: '0x1014',
    device: '0x04ed',
    pciClass: '0x028000',
    kind: 'ism',
    driver: 'ism',
    ...overrides,
  }
}

export function zfcpHost(busId = '0.0.1700', scsiHost = 0, online = true): ZfcpHost {
  return {busId, scsiHost, online}
}

export function tapeDevice(hctl = '0:0:0:0', fcpDevice = '0.0.1700', overrides: Partial<ScsiDevice> = {}): ScsiDevice {
  return {
    hctl,
    type: 1,
    kind: 'tape',
    vendor: 'IBM',
    model: 'ULT3580-TD8',
    sgName: 'sg0',
    blockName: 'st0',
    fcpDevice,
    wwpn: '0x500507630300c562',
    lun: '0x0000000000000000',
    ...overrides,
  }
}

export const VNICC_DEFAULTS: Record<string, string> = {
  flooding: '0',
  mcast_flooding: '0',
  learning: '0',
  learning_timeout: '600',
  takeover_setvmac: '0',
  takeover_learning: '0',
  bridge_invisible: '0',
  rx_bcast: '1',
}

export function qeth(busId = '0.0.1a00', ifname = 'enc1a00', vnicc: Record<string, string> = {}, overrides: Partial<QethDevice> = {}): QethDevice {
  return {busId, ifname, online: true, layer2: true, cardType: 'OSD_10GIG', vnicc: {...VNICC_DEFAULTS, ...vnicc}, ...overrides}
}

export function netIf(name: string, kind = 'ether', overrides: Partial<NetworkInterface> = {}): NetworkInterface {
  return {name, kind, operstate: 'up', ...overrides}
}
