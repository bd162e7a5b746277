/**
 * libvirt's host documents, parsed with xml2js: `virsh capabilities`, `virsh domcapabilities`,
 * `pool-dumpxml` and `net-dumpxml`. Pure functions of the XML text; they throw on malformed XML
 * and tolerate every optional element (the s390x documents in shared/corpus/capabilities omit
 * many: no host UUID in qemucaps2xml output, no vendor on s390x host CPUs, …).
 *
 * Element names follow libvirt's schemas (docs/formatcaps.rst, docs/formatdomaincaps.rst,
 * docs/formatstorage.rst, docs/formatnetwork.rst).
 */
import {Parser} from 'xml2js'

type Node = Record<string, unknown> & {$?: Record<string, string>; _?: string}

/** Synchronous xml2js parse (xml2js calls back synchronously unless `async` is set). */
export function parseXml(xml: string, what: string): Record<string, unknown> {
  let result: Record<string, unknown> | undefined
  let failure: unknown
  new Parser({explicitArray: true, explicitRoot: true}).parseString(xml, (error: unknown, value: Record<string, unknown>) => {
    failure = error
    result = value
  })
  if (failure) throw new Error(`${what}: not well-formed XML: ${(failure as Error).message.split('\n')[0]}`)
  if (!result) throw new Error(`${what}: empty document`)
  return result
}

function kids(node: unknown, name: string): Node[] {
  if (!node || typeof node !== 'object') return []
  const v = (node as Record<string, unknown>)[name]
  if (!Array.isArray(v)) return []
  return v.map((x) => (typeof x === 'string' ? ({_: x} as Node) : (x as Node)))
}
const kid = (node: unknown, name: string): Node | undefined => kids(node, name)[0]
const text = (node: Node | undefined): string | undefined => {
  if (!node) return undefined
  const t = (node._ ?? '').trim()
  return t === '' ? undefined : t
}
const attr = (node: Node | undefined, name: string): string | undefined => node?.$?.[name]
const int = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined)

function rootOf(doc: Record<string, unknown>, name: string, what: string): Node {
  const r = doc[name]
  if (!r || typeof r !== 'object') throw new Error(`${what}: expected <${name}>, found <${Object.keys(doc)[0] ?? '?'}>`)
  return (typeof r === 'string' ? {_: r} : r) as Node
}

export interface CapsMachine {
  name: string
  /** For an alias such as 's390-ccw-virtio': the versioned machine it stands for. */
  canonical?: string
  maxCpus?: number
}

export interface CapsGuest {
  osType: string
  arch: string
  wordsize?: number
  emulator?: string
  /** Machines listed directly under <arch> (valid for every domain type unless overridden). */
  machines: CapsMachine[]
  domains: Array<{type: string; emulator?: string; machines: CapsMachine[]}>
}

export interface HostCapabilities {
  hostUuid?: string
  arch?: string
  cpu: {model?: string; vendor?: string; features: string[]}
  /** Page sizes the host supports, in KiB. */
  pageSizesKiB: number[]
  numaCells: number
  secModels: Array<{model: string; doi?: string; baseLabels: Record<string, string>}>
  guests: CapsGuest[]
}

function machines(parent: Node | undefined): CapsMachine[] {
  return kids(parent, 'machine').flatMap((m) => {
    const name = text(m)
    return name ? [{name, canonical: attr(m, 'canonical'), maxCpus: int(attr(m, 'maxCpus'))}] : []
  })
}

export function parseCapabilities(xml: string): HostCapabilities {
  const caps = rootOf(parseXml(xml, 'capabilities'), 'capabilities', 'capabilities')
  const host = kid(caps, 'host')
  const cpu = kid(host, 'cpu')
  const cells = kid(kid(host, 'topology'), 'cells')
  return {
    hostUuid: text(kid(host, 'uuid')),
    arch: text(kid(cpu, 'arch')),
    cpu: {
      model: text(kid(cpu, 'model')),
      vendor: text(kid(cpu, 'vendor')),
      // x86 hosts list <feature name='…'/>; older ones nest <features><pae/></features>
      features: [
        ...kids(cpu, 'feature').flatMap((f) => attr(f, 'name') ?? []),
        ...kids(cpu, 'features').flatMap((f) => Object.keys(f).filter((k) => k !== '$' && k !== '_')),
      ],
    },
    pageSizesKiB: kids(cpu, 'pages').flatMap((p) => int(attr(p, 'size')) ?? []),
    numaCells: int(attr(cells, 'num')) ?? kids(cells, 'cell').length,
    secModels: kids(host, 'secmodel').map((s) => ({
      model: text(kid(s, 'model')) ?? '',
      doi: text(kid(s, 'doi')),
      baseLabels: Object.fromEntries(kids(s, 'baselabel').flatMap((b) => (attr(b, 'type') && text(b) ? [[attr(b, 'type')!, text(b)!]] : []))),
    })),
    guests: kids(caps, 'guest').flatMap((g) =>
      kids(g, 'arch').map((a) => ({
        osType: text(kid(g, 'os_type')) ?? '',
        arch: attr(a, 'name') ?? '',
        wordsize: int(text(kid(a, 'wordsize'))),
        emulator: text(kid(a, 'emulator')),
        machines: machines(a),
        domains: kids(a, 'domain').map((d) => ({type: attr(d, 'type') ?? '', emulator: text(kid(d, 'emulator')), machines: machines(d)})),
      })),
    ),
  }
}

/**
 * Every machine type name the host offers for `arch`, aliases and their canonical names alike
 * (a guest XML may name either: 's390-ccw-virtio' or 's390-ccw-virtio-7.2'), in document order.
 */
export function machineTypesFor(caps: HostCapabilities, arch: string): string[] {
  const names = new Set<string>()
  for (const g of caps.guests.filter((x) => x.arch === arch)) {
    for (const m of [...g.machines, ...g.domains.flatMap((d) => d.machines)]) {
      names.add(m.name)
      if (m.canonical) names.add(m.canonical)
    }
  }
  return [...names]
}

/** The guest architectures of a host, merged across <guest> elements (hvm, xen, …). */
export function guestDomainsOf(caps: HostCapabilities): Array<{arch: string; domainTypes: string[]; machines: string[]}> {
  const arches = [...new Set(caps.guests.map((g) => g.arch).filter((a) => a !== ''))]
  return arches.map((arch) => ({
    arch,
    domainTypes: [...new Set(caps.guests.filter((g) => g.arch === arch).flatMap((g) => g.domains.map((d) => d.type)))],
    machines: machineTypesFor(caps, arch),
  }))
}

/** The DAC base label of the qemu driver ('+107:+107'): uid/gid QEMU runs as. */
export function dacIds(caps: HostCapabilities): {uid?: number; gid?: number} {
  const dac = caps.secModels.find((s) => s.model === 'dac')
  const label = dac?.baseLabels.kvm ?? dac?.baseLabels.qemu
  const m = label?.match(/^\+?(\d+):\+?(\d+)$/)
  return m ? {uid: Number(m[1]), gid: Number(m[2])} : {}
}

export interface DomainCpuModel {
  name: string
  usable: 'yes' | 'no' | 'unknown'
  vendor?: string
  deprecated?: boolean
  /** Features that make the model unusable here (domcapabilities <blockers>). */
  blockers: string[]
}

export interface DomainCapabilities {
  emulator?: string
  domainType?: string
  machine?: string
  arch?: string
  maxVcpus?: number
  hostPassthrough: boolean
  hostModel?: {model?: string; fallback?: string; features: Array<{name: string; policy?: string}>}
  cpuModels: DomainCpuModel[]
  /** <features> children with supported='yes'|'no' (s390-pv, async-teardown, …). */
  features: Record<string, boolean>
}

export function parseDomainCapabilities(xml: string): DomainCapabilities {
  const dc = rootOf(parseXml(xml, 'domcapabilities'), 'domainCapabilities', 'domcapabilities')
  const modes = kids(kid(dc, 'cpu'), 'mode')
  const mode = (name: string) => modes.find((m) => attr(m, 'name') === name)
  const hostModelMode = mode('host-model')
  const custom = mode('custom')
  const blockers = new Map(kids(custom, 'blockers').map((b) => [attr(b, 'model') ?? '', kids(b, 'feature').flatMap((f) => attr(f, 'name') ?? [])]))
  const featuresNode = kid(dc, 'features')
  return {
    emulator: text(kid(dc, 'path')),
    domainType: text(kid(dc, 'domain')),
    machine: text(kid(dc, 'machine')),
    arch: text(kid(dc, 'arch')),
    maxVcpus: int(attr(kid(dc, 'vcpu'), 'max')),
    hostPassthrough: attr(mode('host-passthrough'), 'supported') === 'yes',
    hostModel:
      attr(hostModelMode, 'supported') === 'yes'
        ? {
            model: text(kid(hostModelMode, 'model')),
            fallback: attr(kid(hostModelMode, 'model'), 'fallback'),
            features: kids(hostModelMode, 'feature').flatMap((f) => (attr(f, 'name') ? [{name: attr(f, 'name')!, policy: attr(f, 'policy')}] : [])),
          }
        : undefined,
    cpuModels: kids(custom, 'model').flatMap((m) => {
      const name = text(m)
      if (!name) return []
      const usable = attr(m, 'usable')
      return [
        {
          name,
          usable: usable === 'yes' || usable === 'no' ? usable : 'unknown',
          vendor: attr(m, 'vendor'),
          deprecated: attr(m, 'deprecated') === 'yes' ? true : undefined,
          blockers: blockers.get(name) ?? [],
        } satisfies DomainCpuModel,
      ]
    }),
    features: Object.fromEntries(
      Object.entries(featuresNode ?? {})
        .filter(([k]) => k !== '$' && k !== '_')
        .flatMap(([k, v]) => {
          const n = (Array.isArray(v) ? v[0] : v) as Node
          const s = attr(n, 'supported')
          return s === 'yes' || s === 'no' ? [[k, s === 'yes']] : []
        }),
    ),
  }
}

/** `virsh pool-dumpxml`: name, type, target path and available bytes. */
export function parsePoolXml(xml: string): {name: string; type: string; targetPath?: string; availableBytes?: number} {
  const pool = rootOf(parseXml(xml, 'pool-dumpxml'), 'pool', 'pool-dumpxml')
  const available = kid(pool, 'available')
  const unit = attr(available, 'unit') ?? 'bytes'
  const n = int(text(available))
  return {
    name: text(kid(pool, 'name')) ?? '',
    type: attr(pool, 'type') ?? '',
    targetPath: text(kid(kid(pool, 'target'), 'path')),
    availableBytes: n === undefined ? undefined : n * unitBytes(unit),
  }
}

function unitBytes(unit: string): number {
  // libvirt's scaled integers (docs/formatstorage.rst): bytes, KiB/K/k, MiB/M, GiB/G, TiB/T …; KB/MB/… are powers of 1000
  const u = unit.trim()
  const pow = 'bkmgtpe'.indexOf(u[0]?.toLowerCase() ?? 'b')
  if (u === 'b' || u === 'bytes' || pow <= 0) return 1
  return (/^[KMGTPE]B$/i.test(u) && u.length === 2 ? 1000 : 1024) ** pow
}

/** `virsh net-dumpxml`: name and bridge device. */
export function parseNetworkXml(xml: string): {name: string; bridge?: string; forwardMode?: string} {
  const net = rootOf(parseXml(xml, 'net-dumpxml'), 'network', 'net-dumpxml')
  return {name: text(kid(net, 'name')) ?? '', bridge: attr(kid(net, 'bridge'), 'name'), forwardMode: attr(kid(net, 'forward'), 'mode')}
}
