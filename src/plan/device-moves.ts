/**
 * Devices that must leave the guest before migration and come back on the destination with
 * that host's own identities: which device a finding is about, and its XML rewritten for the
 * destination. Pure.
 */
import type {Disk, DomainModel, Filesystem, Hostdev, NetInterface} from '../domain/types.js'
import {findPath, parseXmlFragment, serializeXml, updatePath, withAttrs, type XmlNode} from '../domain/xml-fragment.js'
import type {Finding} from '../rules/types.js'
import type {DeviceRef} from './types.js'
import {DEVICE_ELEMENTS} from './values.js'

type MovableDevice = Disk | Hostdev | NetInterface | Filesystem

/** Rules whose `action` findings mean "detach before, re-attach after". */
export const DETACH_RULES = new Set([
  'vfio-ccw-device',
  'vfio-ap-device',
  'pci-nvme-device',
  'pci-roce-device',
  'pci-hostdev',
  'scsi-tape-device',
  'shared-filesystem',
  'net-source-missing',
  'profile-detach-device',
])

export interface DeviceMove {
  rules: string[]
  device: MovableDevice
  /** As detached from the source (and re-attached there on rollback). */
  sourceRef: DeviceRef
  /** As attached on the destination. */
  destinationRef: DeviceRef
}

export class PlanningError extends Error {}

function str(data: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = data?.[key]
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

/** The device element a finding is about: every device finding carries `data.deviceIndex`. */
export function deviceOf(domain: DomainModel, finding: Finding): MovableDevice {
  const index = finding.data?.deviceIndex
  const all: MovableDevice[] = [...domain.disks, ...domain.hostdevs, ...domain.interfaces, ...domain.filesystems]
  const device = typeof index === 'number' ? all.find((d) => d.index === index) : undefined
  if (!device) throw new PlanningError(`finding ${finding.rule} (${finding.subject}) does not name a device of ${domain.name}`)
  return device
}

function parsePciAddress(text: string): {domain: string; bus: string; slot: string; function: string} {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(text)
  if (!m) throw new PlanningError(`not a PCI address: ${text}`)
  return {domain: `0x${m[1]}`, bus: `0x${m[2]}`, slot: `0x${m[3]}`, function: `0x${m[4]}`}
}

/** The device's XML with the destination's identity in place of the source's. */
export function rewriteForDestination(device: MovableDevice, finding: Finding): string {
  const data = finding.data ?? {}
  let node: XmlNode = parseXmlFragment(device.xml, finding.subject)
  // libvirt assigns <alias> per running domain; an attach must not carry the old one
  node = {...node, children: node.children.filter((c) => c.name !== 'alias')}
  const need = (key: string) => {
    const v = str(data, key)
    if (!v) throw new PlanningError(`finding ${finding.rule} for ${finding.subject} lacks data.${key}`)
    return v
  }
  switch (finding.rule) {
    case 'vfio-ccw-device':
    case 'vfio-ap-device':
      node = updatePath(node, 'source/address', (a) => withAttrs(a, {uuid: need('destinationUuid')}))
      break
    case 'pci-nvme-device':
    case 'pci-roce-device':
    case 'pci-hostdev':
      node = updatePath(node, 'source/address', (a) => withAttrs(a, parsePciAddress(need('destinationAddress'))))
      break
    case 'scsi-tape-device': {
      const to = data.destinationAddress as {bus?: string; target?: string; unit?: string} | undefined
      node = updatePath(node, 'source/adapter', (a) => withAttrs(a, {name: need('destinationAdapter')}))
      if (to) node = updatePath(node, 'source/address', (a) => withAttrs(a, {bus: to.bus, target: to.target, unit: to.unit}))
      break
    }
    case 'net-source-missing': {
      const to = need('to')
      const attr = (device as NetInterface).type === 'bridge' ? 'bridge' : (device as NetInterface).type === 'network' ? 'network' : 'dev'
      node = updatePath(node, 'source', (s) => withAttrs(s, {[attr]: to}))
      break
    }
    case 'profile-detach-device': {
      const to = str(data, 'destinationSource')
      if (to && device.kind === 'disk') {
        const attr = device.type === 'block' ? 'dev' : 'file'
        node = updatePath(node, 'source', (s) => withAttrs(s, {[attr]: to}))
      }
      break
    }
    default:
      break
  }
  return serializeXml(node)
}

/** How to recognise the device in a live domain XML (present after attach, absent after detach). */
export function matcherFor(xml: string): DeviceRef['match'] {
  const node = parseXmlFragment(xml)
  const element = DEVICE_ELEMENTS.find((e) => e === node.name)
  if (!element) throw new PlanningError(`not a device zmigrate moves: <${node.name}>`)
  const address = findPath(node, 'address')
  if (address && address.attrs.type === 'ccw' && address.attrs.devno) return {element, attributes: {'address.type': 'ccw', 'address.devno': address.attrs.devno}}
  const zpci = findPath(node, 'address/zpci')
  if (zpci?.attrs.uid) return {element, attributes: {'zpci.uid': zpci.attrs.uid}}
  const target = findPath(node, 'target')
  if (node.name === 'disk' && target?.attrs.dev) return {element, attributes: {'target.dev': target.attrs.dev}}
  const mac = findPath(node, 'mac')
  if (mac?.attrs.address) return {element, attributes: {'mac.address': mac.attrs.address}}
  const sourceAddress = findPath(node, 'source/address')
  if (sourceAddress?.attrs.uuid) return {element, attributes: {'source.address.uuid': sourceAddress.attrs.uuid}}
  if (node.name === 'filesystem' && target?.attrs.dir) return {element, attributes: {'target.dir': target.attrs.dir}}
  const adapter = findPath(node, 'source/adapter')
  if (adapter?.attrs.name && sourceAddress) {
    return {element, attributes: {'source.adapter.name': adapter.attrs.name, 'source.address.unit': sourceAddress.attrs.unit ?? ''}}
  }
  return {element, attributes: {}}
}

export function deviceMoves(domain: DomainModel, findings: readonly Finding[]): DeviceMove[] {
  const moves = new Map<number, DeviceMove>()
  for (const f of findings) {
    if (f.severity !== 'action' || !DETACH_RULES.has(f.rule)) continue
    const device = deviceOf(domain, f)
    const existing = moves.get(device.index)
    if (existing) {
      existing.rules.push(f.rule)
      continue
    }
    const label = f.subject
    const destXml = rewriteForDestination(device, f)
    const sourceMatch = matcherFor(device.xml)
    const destinationMatch = matcherFor(destXml)
    moves.set(device.index, {
      rules: [f.rule],
      device,
      sourceRef: {kind: sourceMatch.element, label, xml: device.xml, match: sourceMatch},
      destinationRef: {kind: destinationMatch.element, label, xml: destXml, match: destinationMatch},
    })
  }
  return [...moves.values()].sort((a, b) => a.device.index - b.device.index)
}
