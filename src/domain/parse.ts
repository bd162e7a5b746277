/**
 * libvirt domain XML (`virsh dumpxml` output or a definition file) -> DomainModel.
 * Pure: no I/O. Malformed documents throw InputError located at origin:line:col.
 */
import {InputError} from '../errors.js'
import {classifyDevice, type ParsedDevice} from './classify.js'
import {defined, hostdevFromInterface, parseController, parseDisk, parseFilesystem, parseHostdev, parseInterface} from './devices.js'
import {parseCount, toKiB} from './numbers.js'
import type {Cpu, DomainModel, MemoryBacking} from './types.js'
import {type XmlNode, findChild, findChildren, findPath, getAttr, parseXmlFragment, serializeXml} from './xml-fragment.js'

const DUMPXML_REMEDY = 'Pass the output of `virsh dumpxml <guest>` (or `virsh dumpxml --inactive`) or a file written by `virsh define`.'

export function parseDomainXml(xml: string, origin: string): DomainModel {
  const root = parseXmlFragment(xml, origin)
  const fail = (message: string): never => {
    throw new InputError(message, {code: 'E_DOMAIN_XML', location: {file: origin}, remedy: DUMPXML_REMEDY})
  }
  if (root.name !== 'domain') return fail(`root element is <${root.name}>, not a libvirt <domain>`)
  const name = findChild(root, 'name')?.text
  if (name === undefined || name.trim() === '') return fail('the domain has no <name>')

  /** A memory size in KiB; an unreadable one is an error (rules would compare against garbage). */
  const size: SizeReader = (amount, unit, what) => {
    if (amount === undefined) return undefined
    return toKiB(amount, unit) ?? fail(`${what} '${amount.trim()}' with unit '${unit ?? 'KiB'}' is not a memory size`)
  }
  const kib = (el: XmlNode | undefined, what: string): number | undefined => (el ? size(el.text ?? '', getAttr(el, 'unit'), what) : undefined)
  const count = (el: XmlNode | undefined, what: string): number | undefined => {
    if (!el) return undefined
    return parseCount(el.text) ?? fail(`<${what}> '${el.text?.trim() ?? ''}' is not a whole number`)
  }

  const devices = parseDevices(findChild(root, 'devices'))
  const cpu = parseCpu(findChild(root, 'cpu'), size)
  const osType = findPath(root, 'os/type')
  const vcpu = findChild(root, 'vcpu')
  const cputune = findChild(root, 'cputune')
  const numatuneMemory = findPath(root, 'numatune/memory')
  const os = findChild(root, 'os')
  const launchSecurity = findChild(root, 'launchSecurity')
  // libvirt accepts a NUMA-only memory definition; then <memory> is the sum of the cells.
  const memoryKiB = kib(findChild(root, 'memory'), '<memory>') ?? cpu?.numaCells.reduce((sum, c) => sum + (c.memoryKiB ?? 0), 0) ?? 0

  return defined({
    name,
    uuid: findChild(root, 'uuid')?.text?.trim(),
    type: getAttr(root, 'type') ?? '',
    arch: getAttr(osType, 'arch'),
    machine: getAttr(osType, 'machine'),
    memoryKiB,
    currentMemoryKiB: kib(findChild(root, 'currentMemory'), '<currentMemory>'),
    maxMemoryKiB: kib(findChild(root, 'maxMemory'), '<maxMemory>'),
    // <vcpu> holds the maximum (current= may be lower); libvirt's default is 1.
    vcpus: count(vcpu, 'vcpu') ?? 1,
    // <iothreadids> may list more threads than <iothreads> says; libvirt takes the larger.
    iothreads: Math.max(count(findChild(root, 'iothreads'), 'iothreads') ?? 0, findChildren(findChild(root, 'iothreadids'), 'iothread').length),
    cpu,
    memoryBacking: parseMemoryBacking(findChild(root, 'memoryBacking'), size),
    numatune: numatuneMemory && defined({mode: getAttr(numatuneMemory, 'mode'), nodeset: getAttr(numatuneMemory, 'nodeset')}),
    cpuPinning: getAttr(vcpu, 'cpuset') !== undefined || ['vcpupin', 'emulatorpin', 'iothreadpin'].some((p) => findChild(cputune, p) !== undefined),
    launchSecurity: launchSecurity && {type: getAttr(launchSecurity, 'type') ?? ''},
    os: defined({
      kernel: findChild(os, 'kernel')?.text?.trim(),
      initrd: findChild(os, 'initrd')?.text?.trim(),
      cmdline: findChild(os, 'cmdline')?.text?.trim(),
      loader: findChild(os, 'loader')?.text?.trim(),
      // <nvram>PATH</nvram>, or (libvirt 8.5+) <nvram type='file'><source file='PATH'/></nvram>
      nvram: findChild(os, 'nvram')?.text?.trim() || getAttr(findPath(os, 'nvram/source'), 'file'),
    }),
    ...devices,
    xml,
  })
}

/** Reads `amount` `unit` (KiB by default) as KiB; undefined when amount is absent, throws when unreadable. */
type SizeReader = (amount: string | undefined, unit: string | undefined, what: string) => number | undefined

type ParsedDevices = Pick<DomainModel, 'disks' | 'hostdevs' | 'interfaces' | 'filesystems' | 'controllers' | 'devices'>

function parseDevices(devicesEl: XmlNode | undefined): ParsedDevices {
  const out: ParsedDevices = {disks: [], hostdevs: [], interfaces: [], filesystems: [], controllers: [], devices: []}
  for (const [index, node] of (devicesEl?.children ?? []).entries()) {
    let parsed: ParsedDevice
    switch (node.name) {
      case 'disk':
        out.disks.push((parsed = parseDisk(node, index)))
        break
      case 'hostdev':
        out.hostdevs.push((parsed = parseHostdev(node, index)))
        break
      case 'interface': {
        const nic = parseInterface(node, index)
        out.interfaces.push((parsed = nic))
        if (nic.type === 'hostdev') out.hostdevs.push((parsed = hostdevFromInterface(node, index)))
        break
      }
      case 'filesystem':
        out.filesystems.push((parsed = parseFilesystem(node, index)))
        break
      case 'controller':
        out.controllers.push((parsed = parseController(node, index)))
        break
    }
    out.devices.push(classifyDevice(node, index, parsed))
  }
  return out
}

function parseCpu(el: XmlNode | undefined, size: SizeReader): Cpu | undefined {
  if (!el) return undefined
  const model = findChild(el, 'model')
  const modelName = model?.text?.trim()
  return defined({
    // Without mode=, libvirt treats a <cpu> with a <model> as custom.
    mode: getAttr(el, 'mode') ?? (modelName ? 'custom' : undefined),
    match: getAttr(el, 'match'),
    check: getAttr(el, 'check'),
    model: modelName,
    fallback: getAttr(model, 'fallback'),
    features: findChildren(el, 'feature').map((f) => defined({name: getAttr(f, 'name') ?? '', policy: getAttr(f, 'policy')})),
    numaCells: findChildren(findChild(el, 'numa'), 'cell').map((c) =>
      defined({id: getAttr(c, 'id') ?? '', cpus: getAttr(c, 'cpus'), memoryKiB: size(getAttr(c, 'memory'), getAttr(c, 'unit'), 'NUMA cell memory')}),
    ),
    xml: serializeXml(el),
  })
}

function parseMemoryBacking(el: XmlNode | undefined, size: SizeReader): MemoryBacking | undefined {
  if (!el) return undefined
  const hugepages = findChild(el, 'hugepages')
  const pages = findChildren(hugepages, 'page')
  return defined({
    // <page size= unit=> uses the same units as <memory>, KiB by default.
    hugepages: pages.map((p) => defined({sizeKiB: size(getAttr(p, 'size'), getAttr(p, 'unit'), 'hugepage size'), nodeset: getAttr(p, 'nodeset')})),
    hugepagesDefault: hugepages !== undefined && pages.length === 0,
    sourceType: getAttr(findChild(el, 'source'), 'type'),
    access: getAttr(findChild(el, 'access'), 'mode'),
    locked: findChild(el, 'locked') !== undefined,
  })
}
