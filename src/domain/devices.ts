/**
 * Typed views of the `<devices>` children migration rules care about. Lenient by design:
 * libvirt's negative test inputs (and hand-edited files) must parse, so a missing or odd
 * attribute becomes `undefined` / the raw string, never an exception.
 */
import {cDecimal, cHex, decimal, parseCount} from './numbers.js'
import type {Controller, Disk, Filesystem, GuestAddress, HostPciAddress, Hostdev, NetInterface, PciAddress, ZpciAddress} from './types.js'
import {type XmlNode, findChild, findPath, getAttr, serializeXml} from './xml-fragment.js'

/** Drop keys whose value is undefined, so models compare and print (--json) cleanly. */
export function defined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key]
  return obj
}

function yesNo(value: string | undefined): boolean | undefined {
  return value === 'yes' ? true : value === 'no' ? false : undefined
}

function has(node: XmlNode, child: string): boolean {
  return findChild(node, child) !== undefined
}

/** Guest-side `<address>`, numbers normalised to the form libvirt writes back. */
export function guestAddress(node: XmlNode | undefined): GuestAddress | undefined {
  if (!node) return undefined
  const a = (name: string): string | undefined => getAttr(node, name)
  const type = a('type') ?? ''
  switch (type) {
    case 'ccw':
      // libvirt formats cssid/ssid as 0x%x and devno as 0x%04x.
      return defined({type, cssid: cHex(a('cssid'), 1), ssid: cHex(a('ssid'), 1), devno: cHex(a('devno'), 4)})
    case 'pci': {
      const zpciNode = findChild(node, 'zpci')
      const zpci: ZpciAddress | undefined = zpciNode && defined({uid: cHex(getAttr(zpciNode, 'uid'), 4), fid: cHex(getAttr(zpciNode, 'fid'), 8)})
      const pci: PciAddress = {type, domain: cHex(a('domain'), 4), bus: cHex(a('bus'), 2), slot: cHex(a('slot'), 2), function: cHex(a('function'), 1), zpci}
      return defined(pci)
    }
    case 'drive':
      return defined({type, controller: decimal(a('controller')), bus: decimal(a('bus')), target: decimal(a('target')), unit: decimal(a('unit'))})
    default: {
      const {type: _type, ...attributes} = node.attrs
      return {type, attributes}
    }
  }
}

/** A host PCI function (`<source><address domain bus slot function>`); libvirt defaults missing parts to 0. */
export function hostPciAddress(node: XmlNode | undefined): HostPciAddress | undefined {
  if (!node) return undefined
  const part = (name: string, width: number): string => cHex(getAttr(node, name) ?? '0', width) ?? '0'
  return {domain: part('domain', 4), bus: part('bus', 2), slot: part('slot', 2), function: part('function', 1)}
}

/** `0001:00:00.0`, the form lspci and sysfs use. */
export function pciAddressText(a: HostPciAddress): string {
  const strip = (s: string): string => s.replace(/^0x/, '')
  return `${strip(a.domain)}:${strip(a.bus)}:${strip(a.slot)}.${strip(a.function)}`
}

export function parseDisk(node: XmlNode, index: number): Disk {
  const type = getAttr(node, 'type') ?? 'file' // libvirt's default disk type
  const device = getAttr(node, 'device') ?? 'disk'
  const src = findChild(node, 'source')
  const s = (name: string): string | undefined => getAttr(src, name)
  const nvme =
    type === 'nvme' && src ? defined({address: hostPciAddress(findChild(src, 'address')), namespace: s('namespace'), managed: yesNo(s('managed'))}) : undefined
  const source =
    src && defined({file: s('file'), dev: s('dev'), dir: s('dir'), pool: s('pool'), volume: s('volume'), protocol: s('protocol'), name: s('name'), nvme})
  const drv = findChild(node, 'driver')
  const d = (name: string): string | undefined => getAttr(drv, name)
  const target = findChild(node, 'target')
  return defined({
    kind: 'disk' as const,
    index,
    type,
    device,
    // libvirt requires target dev; '' (not an exception) keeps a hand-edited file checkable.
    target: defined({dev: getAttr(target, 'dev') ?? '', bus: getAttr(target, 'bus')}),
    path: type === 'file' ? s('file') : type === 'block' ? s('dev') : undefined,
    source: source && Object.keys(source).length > 0 ? source : undefined,
    driver:
      drv &&
      defined({
        name: d('name'),
        format: d('type'),
        cache: d('cache'),
        io: d('io'),
        iothread: d('iothread'),
        discard: d('discard'),
        queues: parseCount(d('queues')),
      }),
    backingFiles: backingFiles(node),
    // libvirt forces CD-ROMs read-only whatever the XML says.
    readonly: has(node, 'readonly') || device === 'cdrom',
    shareable: has(node, 'shareable'),
    transient: has(node, 'transient'),
    address: guestAddress(findChild(node, 'address')),
    bootOrder: parseCount(getAttr(findChild(node, 'boot'), 'order')),
    alias: getAttr(findChild(node, 'alias'), 'name'),
    xml: serializeXml(node),
  })
}

/** Files of the declared `<backingStore>` chain, top first; undefined when the XML declares none. */
function backingFiles(disk: XmlNode): string[] | undefined {
  const files: string[] = []
  for (let b = findChild(disk, 'backingStore'); b; b = findChild(b, 'backingStore')) {
    const file = getAttr(findChild(b, 'source'), 'file') ?? getAttr(findChild(b, 'source'), 'dev')
    if (file !== undefined) files.push(file)
  }
  return files.length > 0 ? files : undefined
}

export function parseHostdev(node: XmlNode, index: number): Hostdev {
  const type = getAttr(node, 'type') ?? ''
  const src = findChild(node, 'source')
  const adapter = getAttr(findChild(src, 'adapter'), 'name')
  const srcAddr = findChild(src, 'address')
  return defined({
    kind: 'hostdev' as const,
    index,
    mode: getAttr(node, 'mode') ?? 'subsystem',
    type,
    model: type === 'mdev' ? getAttr(node, 'model') : undefined,
    managed: yesNo(getAttr(node, 'managed')),
    mdevUuid: type === 'mdev' ? getAttr(srcAddr, 'uuid') : undefined,
    pciSource: type === 'pci' ? hostPciAddress(srcAddr) : undefined,
    // libvirt reads the SCSI source address base 0 as well; decimal matches lsscsi's H:C:T:L.
    scsiSource:
      type === 'scsi' && adapter !== undefined
        ? {
            adapter,
            bus: cDecimal(getAttr(srcAddr, 'bus')) ?? '',
            target: cDecimal(getAttr(srcAddr, 'target')) ?? '',
            unit: cDecimal(getAttr(srcAddr, 'unit')) ?? '',
          }
        : undefined,
    scsiHostSource: type === 'scsi_host' && src ? defined({protocol: getAttr(src, 'protocol'), wwpn: getAttr(src, 'wwpn')}) : undefined,
    address: guestAddress(findChild(node, 'address')),
    fromInterface: false,
    alias: getAttr(findChild(node, 'alias'), 'name'),
    xml: serializeXml(node),
  })
}

export function parseInterface(node: XmlNode, index: number): NetInterface {
  const src = findChild(node, 'source')
  const s = (name: string): string | undefined => getAttr(src, name)
  return defined({
    kind: 'interface' as const,
    index,
    type: getAttr(node, 'type') ?? '',
    mac: getAttr(findChild(node, 'mac'), 'address'),
    source: defined({dev: s('dev'), mode: s('mode'), bridge: s('bridge'), network: s('network'), portgroup: s('portgroup')}),
    virtualport: getAttr(findChild(node, 'virtualport'), 'type'),
    model: getAttr(findChild(node, 'model'), 'type'),
    queues: parseCount(getAttr(findChild(node, 'driver'), 'queues')),
    address: guestAddress(findChild(node, 'address')),
    alias: getAttr(findChild(node, 'alias'), 'name'),
    xml: serializeXml(node),
  })
}

/**
 * `<interface type='hostdev'>` is a VFIO PCI NIC: it blocks migration exactly like a
 * `<hostdev type='pci'>`, so it is listed with the hostdevs too (IBM recommends this form when a
 * MAC or virtualport must be set).
 */
export function hostdevFromInterface(node: XmlNode, index: number): Hostdev {
  const srcAddr = findPath(node, 'source/address')
  const type = getAttr(srcAddr, 'type') ?? 'pci'
  return defined({
    kind: 'hostdev' as const,
    index,
    mode: 'subsystem',
    type,
    managed: yesNo(getAttr(node, 'managed')),
    pciSource: type === 'pci' ? hostPciAddress(srcAddr) : undefined,
    address: guestAddress(findChild(node, 'address')),
    fromInterface: true,
    alias: getAttr(findChild(node, 'alias'), 'name'),
    xml: serializeXml(node),
  })
}

export function parseFilesystem(node: XmlNode, index: number): Filesystem {
  return defined({
    kind: 'filesystem' as const,
    index,
    type: getAttr(node, 'type') ?? 'mount', // libvirt's default
    driver: getAttr(findChild(node, 'driver'), 'type'),
    accessmode: getAttr(node, 'accessmode'),
    sourceDir: getAttr(findChild(node, 'source'), 'dir'),
    target: getAttr(findChild(node, 'target'), 'dir'),
    readonly: has(node, 'readonly'),
    xml: serializeXml(node),
  })
}

export function parseController(node: XmlNode, index: number): Controller {
  return defined({
    kind: 'controller' as const,
    index,
    type: getAttr(node, 'type') ?? '',
    model: getAttr(node, 'model'),
    controllerIndex: getAttr(node, 'index'),
    iothread: getAttr(findChild(node, 'driver'), 'iothread'),
    queues: parseCount(getAttr(findChild(node, 'driver'), 'queues')),
    vectors: parseCount(getAttr(node, 'vectors')),
    address: guestAddress(findChild(node, 'address')),
    xml: serializeXml(node),
  })
}
