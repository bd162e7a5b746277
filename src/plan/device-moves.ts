/**
 * Devices that must leave the guest before migration and come back on the destination with
 * that host's own identities: the `move-device` fixes of the action findings, merged per device,
 * and each device's XML rewritten for the destination. Pure. Which rule proposed a move does not
 * matter here: the fix says which device, and the identity says what to rewrite.
 */
import type {Disk, DomainModel, Filesystem, Hostdev, NetInterface} from '../domain/types.js'
import {findPath, parseXmlFragment, serializeXml, updatePath, withAttrs, type XmlNode} from '../domain/xml-fragment.js'
import {ZmigrateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {DestinationIdentity, Finding} from '../rules/types.js'
import {canonicalJson} from './fingerprint.js'
import {proposedFixes} from './fixes.js'
import type {DeviceRef} from './types.js'
import {DEVICE_ELEMENTS, PCI_ADDRESS} from './values.js'

type MovableDevice = Disk | Hostdev | NetInterface | Filesystem

export interface DeviceMove {
  /** The rules whose findings asked for this move (a step's `because`). */
  rules: string[]
  device: MovableDevice
  /** What the device becomes on the destination, as every finding about it agreed. */
  identity: DestinationIdentity
  /** As detached from the source (and re-attached there on rollback). */
  sourceRef: DeviceRef
  /** As attached on the destination. */
  destinationRef: DeviceRef
}

export class PlanningError extends ZmigrateError {
  constructor(message: string, remedy?: string) {
    super(message, {
      exitCode: ExitCode.BLOCKED,
      code: 'E_PLAN',
      remedy: remedy ?? 'This is a bug in zmigrate or an edited plan; run zmigrate check and plan again, and report it with the check --json output.',
    })
  }
}

/** The device element a fix names by its index among the `<devices>` children. */
export function deviceOf(domain: DomainModel, deviceIndex: number, finding: Finding): MovableDevice {
  const all: MovableDevice[] = [...domain.disks, ...domain.hostdevs, ...domain.interfaces, ...domain.filesystems]
  const device = all.find((d) => d.index === deviceIndex)
  if (!device)
    throw new PlanningError(
      `finding ${finding.rule} (${finding.subject}) moves device ${deviceIndex}, which is not a disk, hostdev, interface or filesystem of ${domain.name}`,
    )
  return device
}

function parsePciAddress(text: string): {domain: string; bus: string; slot: string; function: string} {
  const m = PCI_ADDRESS.exec(text)
  if (!m) throw new PlanningError(`not a PCI address: ${text}`)
  return {domain: `0x${m[1]}`, bus: `0x${m[2]}`, slot: `0x${m[3]}`, function: `0x${m[4]}`}
}

/** The device kind each identity rewrites; 'same' fits any. */
const IDENTITY_DEVICE: Record<Exclude<DestinationIdentity['kind'], 'same'>, MovableDevice['kind']> = {
  mdev: 'hostdev',
  pci: 'hostdev',
  'scsi-host': 'hostdev',
  'interface-source': 'interface',
  'disk-source': 'disk',
}

/** 'mdev 4b0d…', 'PCI 0004:00:00.0', 'the same identity': an identity in an error message. */
function describeIdentity(identity: DestinationIdentity): string {
  switch (identity.kind) {
    case 'same':
      return 'the same identity'
    case 'mdev':
      return `mdev ${identity.uuid}`
    case 'pci':
      return `PCI function ${identity.address}`
    case 'scsi-host':
      return `${identity.adapter}${identity.address ? ` ${identity.address.bus}:${identity.address.target}:${identity.address.unit}` : ''}`
    case 'interface-source':
      return `source ${identity.to}`
    case 'disk-source':
      return `source ${identity.path}`
  }
}

/** The device's XML with the destination's identity in place of the source's. */
export function rewriteForDestination(device: MovableDevice, identity: DestinationIdentity, label: string): string {
  if (identity.kind !== 'same' && IDENTITY_DEVICE[identity.kind] !== device.kind) {
    throw new PlanningError(`${label}: a fix gives it an identity of kind ${identity.kind}, which does not apply to a ${device.kind}`)
  }
  let node: XmlNode = parseXmlFragment(device.xml, label)
  // libvirt assigns <alias> per running domain; an attach must not carry the old one
  node = {...node, children: node.children.filter((c) => c.name !== 'alias')}
  switch (identity.kind) {
    case 'same':
      break
    case 'mdev':
      node = updatePath(node, 'source/address', (a) => withAttrs(a, {uuid: identity.uuid}))
      break
    case 'pci':
      node = updatePath(node, 'source/address', (a) => withAttrs(a, parsePciAddress(identity.address)))
      break
    case 'scsi-host': {
      const to = identity.address
      node = updatePath(node, 'source/adapter', (a) => withAttrs(a, {name: identity.adapter}))
      if (to) node = updatePath(node, 'source/address', (a) => withAttrs(a, {bus: to.bus, target: to.target, unit: to.unit}))
      break
    }
    case 'interface-source': {
      const type = device.kind === 'interface' ? device.type : undefined
      const attr = type === 'bridge' ? 'bridge' : type === 'network' ? 'network' : 'dev'
      node = updatePath(node, 'source', (s) => withAttrs(s, {[attr]: identity.to}))
      break
    }
    case 'disk-source': {
      const attr = device.kind === 'disk' && device.type === 'block' ? 'dev' : 'file'
      node = updatePath(node, 'source', (s) => withAttrs(s, {[attr]: identity.path}))
      break
    }
  }
  return serializeXml(node)
}

/** How to recognise the device in a live domain XML (present after attach, absent after detach). */
export function matcherFor(xml: string): DeviceRef['match'] {
  const node = parseXmlFragment(xml)
  const element = DEVICE_ELEMENTS.find((e) => e === node.name)
  if (!element) throw new PlanningError(`not a device zmigrate moves: <${node.name}>`)
  const address = findPath(node, 'address')
  if (address && address.attrs.type === 'ccw' && address.attrs.devno)
    return {element, attributes: {'address.type': 'ccw', 'address.devno': address.attrs.devno}}
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

/**
 * One move per device the action findings' `move-device` fixes name, in device order. Findings
 * that move the same device merge when they agree on its destination identity; two that disagree
 * are a planning error naming both, since only one of them can be attached.
 */
export function deviceMoves(domain: DomainModel, findings: readonly Finding[]): DeviceMove[] {
  const moves = new Map<number, DeviceMove>()
  for (const {finding, fix} of proposedFixes(findings, 'move-device')) {
    const device = deviceOf(domain, fix.deviceIndex, finding)
    const existing = moves.get(device.index)
    if (existing) {
      if (canonicalJson(existing.identity) !== canonicalJson(fix.identity)) {
        throw new PlanningError(
          `${existing.sourceRef.label}: ${existing.rules.join(', ')} re-attach${existing.rules.length === 1 ? 'es' : ''} it on the destination with ${describeIdentity(existing.identity)}, ${finding.rule} with ${describeIdentity(fix.identity)}`,
          'Make the profile agree with itself about this device (devices.mappings and devices.detach-for-migration), then check and plan again.',
        )
      }
      if (!existing.rules.includes(finding.rule)) existing.rules.push(finding.rule)
      continue
    }
    const label = finding.subject
    const destXml = rewriteForDestination(device, fix.identity, label)
    const sourceMatch = matcherFor(device.xml)
    const destinationMatch = matcherFor(destXml)
    moves.set(device.index, {
      rules: [finding.rule],
      device,
      identity: fix.identity,
      sourceRef: {kind: sourceMatch.element, label, xml: device.xml, match: sourceMatch},
      destinationRef: {kind: destinationMatch.element, label, xml: destXml, match: destinationMatch},
    })
  }
  return [...moves.values()].sort((a, b) => a.device.index - b.device.index)
}
