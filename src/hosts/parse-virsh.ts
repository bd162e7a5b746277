/**
 * Parsers of the collect script's libvirt sections, and how their facts go into HostFacts:
 * virsh-host (capabilities, domain capabilities, version, nodeinfo, the guest, pool and network
 * lists) and virsh-objects (each pool's, network's and guest's XML, and guest states the lists
 * did not answer). Pure: no I/O. Section and marker names are those of wire-format.ts.
 */
import {parseCount, toKiB} from '../domain/numbers.js'
import {
  dacIds,
  guestDomainsOf,
  machineTypesFor,
  parseCapabilities,
  parseDomainCapabilities,
  parseNetworkXml,
  parsePoolXml,
  type DomainCapabilities,
  type HostCapabilities,
} from './capabilities.js'
import type {GuestSummary, HostFacts, LibvirtNetwork, StoragePool} from './facts-types.js'
import type {Frame} from './frames.js'
import {
  UUID_RE,
  VIRSH_HOST_PARTS as V,
  VIRSH_OBJECT_MARK_CLOSE,
  VIRSH_OBJECTS,
  VIRSH_OBJECTS_END,
  VIRSH_PART_CLOSE,
  VIRSH_PART_OPEN,
  frameMark,
} from './wire-format.js'

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const objectCommand = (kind: string): string | undefined => Object.values(VIRSH_OBJECTS).find((o) => o.kind === kind)?.command

/** virsh-host section: one argv-mode virsh run whose command outputs are separated by `@@zm:<part>@@`. */
export function splitVirshHost(body: string): Map<string, string> {
  const out = new Map<string, string>()
  const re = new RegExp(`${escapeRegExp(VIRSH_PART_OPEN)}([a-z-]+)${escapeRegExp(VIRSH_PART_CLOSE)}`, 'g')
  let name: string = V.capabilities
  let last = 0
  for (let m = re.exec(body); m; m = re.exec(body)) {
    out.set(name, body.slice(last, m.index))
    name = m[1]
    last = m.index + m[0].length
  }
  out.set(name, body.slice(last))
  return out
}

export const uuidList = (text: string | undefined): string[] =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => UUID_RE.test(l))

export interface VirshSegment {
  kind: string
  id: string
  text: string
}

/**
 * virsh-objects section: one virsh reading commands from stdin. Each command was preceded by
 * `echo ::zm:<nonce>:"k":<id>::`; virsh prints the marker without the quotes, so its echo of the
 * command line (readline on a non-tty, libvirt 9.0) never looks like a marker. virsh 9.0's echo
 * adds no newline; newer ones do; builds without readline print the prompt but no command echo.
 * All three shapes reduce to the command's output after `cleanVirshSegment`.
 */
export function splitVirshBatch(body: string, nonce: string): VirshSegment[] {
  const re = new RegExp(`${escapeRegExp(frameMark(nonce))}:([a-z]):([0-9a-f-]+|${VIRSH_OBJECTS_END.id})${escapeRegExp(VIRSH_OBJECT_MARK_CLOSE)}`, 'g')
  const marks = [...body.matchAll(re)]
  return marks.map((m, i) => ({
    kind: m[1],
    id: m[2],
    text: cleanVirshSegment(body.slice(m.index! + m[0].length, i + 1 < marks.length ? marks[i + 1].index : body.length)),
  }))
}

/** virsh's prompt, then its echo of one of the commands the script sends it (when readline echoes). */
const ECHOED_COMMAND = new RegExp(
  `^virsh [#>] (?:(?:${Object.values(VIRSH_OBJECTS)
    .map((o) => escapeRegExp(o.command))
    .join('|')}) [0-9a-f-]+\\n)?`,
)

export function cleanVirshSegment(text: string): string {
  let t = text.replace(/^\n/, '')
  // leading prompt, and the echoed command line when readline echoed it
  t = t.replace(ECHOED_COMMAND, '')
  // trailing prompt (+ the echo of the next marker command)
  t = t.replace(/(^|\n)virsh [#>] [^\n]*\n?$/, '$1')
  return t
}

const XML_ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}
const unescapeXml = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : XML_ENTITIES[e.toLowerCase()],
  )

/**
 * The domain name from `virsh dumpxml`. libvirt's formatter writes <name> as the first child of
 * <domain> (virDomainDefFormatInternal), so the first <name> element is the domain's; a full XML
 * parse of hundreds of guests would cost more than the whole gather budget.
 */
export function domainNameOf(xml: string): string | undefined {
  const m = xml.match(/<name>([^<]*)<\/name>/)
  return m ? unescapeXml(m[1]) : undefined
}

const SIZE_ELEMENTS = {
  memory: /<memory(\s[^>]*)?>([^<]*)<\/memory>/,
  currentMemory: /<currentMemory(\s[^>]*)?>([^<]*)<\/currentMemory>/,
  vcpu: /<vcpu(\s[^>]*)?>([^<]*)<\/vcpu>/,
}

/**
 * What a guest holds, from `virsh dumpxml`: its <memory>, <currentMemory> (both KiB) and <vcpu>
 * (the maximum, as parseDomainXml reads it). libvirt's formatter (virDomainDefFormatInternal)
 * writes them as children of <domain> right after name, uuid, title, description and metadata —
 * escaped text, and elements in their own namespaces only — and before anything else with a child
 * of those names (numatune's <memory>), so the first of each is the domain's. Read without a full
 * parse for the reason the name is: a site check sizes every guest of every destination, and a
 * real guest's XML takes over a millisecond to parse.
 */
export function domainSizeOf(xml: string): Pick<GuestSummary, 'memoryKiB' | 'currentMemoryKiB' | 'vcpus'> {
  const size = (re: RegExp): number | undefined => {
    const m = re.exec(xml)
    return m ? toKiB(m[2], m[1]?.match(/\bunit=(['"])([^'"]*)\1/)?.[2]) : undefined
  }
  const out: Pick<GuestSummary, 'memoryKiB' | 'currentMemoryKiB' | 'vcpus'> = {}
  const memoryKiB = size(SIZE_ELEMENTS.memory)
  const currentMemoryKiB = size(SIZE_ELEMENTS.currentMemory)
  const vcpus = parseCount(SIZE_ELEMENTS.vcpu.exec(xml)?.[2])
  if (memoryKiB !== undefined) out.memoryKiB = memoryKiB
  if (currentMemoryKiB !== undefined) out.currentMemoryKiB = currentMemoryKiB
  if (vcpus !== undefined) out.vcpus = vcpus
  return out
}

export function parseNodeinfo(text: string): {cpus?: number; memoryKiB?: number; numaCells?: number; cpuModel?: string} {
  const field = (label: string) => text.match(new RegExp(`^${label}:\\s+(.+)$`, 'm'))?.[1].trim()
  const num = (v?: string) => (v && /^\d+/.test(v) ? Number(v.match(/^\d+/)![0]) : undefined)
  return {cpus: num(field('CPU\\(s\\)')), memoryKiB: num(field('Memory size')), numaCells: num(field('NUMA cell\\(s\\)')), cpuModel: field('CPU model')}
}

export function parseVirshVersion(text: string): {daemon?: string; library?: string; hypervisor?: string} {
  return {
    daemon: text.match(/^Running against daemon: (\S+)/m)?.[1],
    library: text.match(/^Using library: libvirt (\S+)/m)?.[1],
    hypervisor: text.match(/^Running hypervisor: (.+)$/m)?.[1].trim(),
  }
}

/** `libvirtd (libvirt) 9.0.0` / `virtqemud (libvirt) 9.0.0` */
export const parseDaemonBinaryVersion = (text: string): string | undefined => text.match(/\(libvirt\) (\d+\.\d+\.\d+)/)?.[1]

/** `QEMU emulator version 7.2.0 (Debian 1:7.2+dfsg-7+deb12u7)` */
export const parseQemuVersion = (text: string): string | undefined => text.match(/QEMU emulator version (\d+\.\d+(?:\.\d+)?)/)?.[1]

const errorText = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ')

/** Fills facts.libvirt, the CPU and emulator facts, pools, networks and guests from the two virsh sections. */
export function applyLibvirt(
  facts: HostFacts,
  hostFrame: Frame | undefined,
  objectsFrame: Frame | undefined,
  ctx: {uri: string; nonce: string},
  warnings: string[],
): void {
  if (!hostFrame) return
  if (hostFrame.status !== 0) {
    // argv-mode virsh ends with 'echo', so a non-zero status means it never got a connection
    facts.libvirt.error =
      hostFrame.status === 124
        ? `virsh got no answer from ${ctx.uri} within 30 s`
        : errorText(hostFrame.body) || `virsh exited with status ${hostFrame.status ?? 'unknown (cut short)'}`
    return
  }
  facts.libvirt.reachable = true
  const parts = splitVirshHost(hostFrame.body)

  let caps: HostCapabilities | undefined
  const capsText = parts.get(V.capabilities) ?? ''
  if (capsText.includes('<capabilities')) {
    try {
      caps = parseCapabilities(capsText.slice(capsText.indexOf('<capabilities')))
    } catch (error) {
      warnings.push(`virsh capabilities: ${(error as Error).message}`)
    }
  } else warnings.push(`virsh capabilities failed: ${errorText(capsText)}`)

  let domcaps: DomainCapabilities | undefined
  const domcapsErrors: string[] = []
  // kvm first: that is what guests on a Z host run with; qemu (TCG) when KVM is not available
  for (const name of [V.domcapsKvm, V.domcapsQemu]) {
    const t = parts.get(name) ?? ''
    if (!t.includes('<domainCapabilities')) {
      domcapsErrors.push(errorText(t))
      continue
    }
    try {
      domcaps = parseDomainCapabilities(t.slice(t.indexOf('<domainCapabilities')))
      break
    } catch (error) {
      domcapsErrors.push((error as Error).message)
    }
  }
  if (!domcaps) warnings.push(`virsh domcapabilities for s390x unavailable: ${[...new Set(domcapsErrors)].join(' / ')}`)

  const version = parseVirshVersion(parts.get(V.version) ?? '')
  facts.libvirt.version = version.daemon
  facts.libvirt.hypervisorVersion = version.hypervisor
  const nodeinfo = parseNodeinfo(parts.get(V.nodeinfo) ?? '')
  facts.memory.totalKiB ??= nodeinfo.memoryKiB
  facts.cpus.online ??= nodeinfo.cpus

  if (caps) {
    facts.hostUuid = caps.hostUuid
    facts.arch = caps.arch
    facts.machineTypes = machineTypesFor(caps, 's390x')
    facts.guestDomains = guestDomainsOf(caps)
    facts.qemu.emulator = caps.guests.find((g) => g.arch === 's390x')?.emulator
    facts.hostCpu = {model: caps.cpu.model, vendor: caps.cpu.vendor, features: caps.cpu.features}
    if (!facts.qemuIds?.uid && !facts.qemuIds?.gid) {
      const ids = dacIds(caps)
      if (ids.uid !== undefined) facts.qemuIds = {...facts.qemuIds, ...ids}
    }
  }
  if (domcaps) {
    facts.usableCpuModels = domcaps.cpuModels.filter((m) => m.usable === 'yes').map((m) => m.name)
    facts.qemu.emulator = domcaps.emulator ?? facts.qemu.emulator
    // On s390x, capabilities report the host CPU as model 'host'; the host-model of
    // domcapabilities (e.g. gen15a-base + required features) is what a guest can actually get.
    if (domcaps.hostModel?.model) {
      facts.hostCpu = {
        model: domcaps.hostModel.model,
        vendor: facts.hostCpu?.vendor ?? domcaps.cpuModels.find((m) => m.name === domcaps.hostModel?.model)?.vendor,
        features: domcaps.hostModel.features.filter((f) => f.policy !== 'disable' && f.policy !== 'forbid').map((f) => f.name),
      }
    }
  }

  const guestOrder = uuidList(parts.get(V.guests))
  const persistent = parts.has(V.persistent) ? new Set(uuidList(parts.get(V.persistent))) : undefined
  const inactivePools = new Set(uuidList(parts.get(V.poolsInactive)))
  const inactiveNets = new Set(uuidList(parts.get(V.netsInactive)))
  if (guestOrder.length + uuidList(parts.get(V.pools)).length + uuidList(parts.get(V.nets)).length === 0) return
  if (!objectsFrame) {
    warnings.push('virsh per-guest details missing from the collect output')
    return
  }
  if (objectsFrame.status === undefined) warnings.push('virsh per-guest details were cut short')

  // virsh domstate words (virshDomainStateToString): running, paused, shut off
  const states = new Map<string, string>([
    ...uuidList(parts.get(V.shutoff)).map((u) => [u, 'shut off'] as const),
    ...uuidList(parts.get(V.paused)).map((u) => [u, 'paused'] as const),
    ...uuidList(parts.get(V.running)).map((u) => [u, 'running'] as const),
  ])
  const xmls = new Map<string, string>()
  for (const seg of splitVirshBatch(objectsFrame.body, ctx.nonce)) {
    const failed = /^error: /m.test(seg.text) && !seg.text.trimStart().startsWith('<')
    if (seg.kind === VIRSH_OBJECTS_END.kind) continue
    if (failed) {
      warnings.push(`virsh ${objectCommand(seg.kind) ?? seg.kind} ${seg.id}: ${errorText(seg.text)}`)
      continue
    }
    try {
      if (seg.kind === VIRSH_OBJECTS.pool.kind) {
        const p = parsePoolXml(seg.text)
        facts.storagePools.push({...p, active: !inactivePools.has(seg.id)} satisfies StoragePool)
      } else if (seg.kind === VIRSH_OBJECTS.network.kind) {
        const n = parseNetworkXml(seg.text)
        facts.libvirtNetworks.push({name: n.name, bridge: n.bridge, active: !inactiveNets.has(seg.id)} satisfies LibvirtNetwork)
      } else if (seg.kind === VIRSH_OBJECTS.state.kind) states.set(seg.id, seg.text.trim())
      else if (seg.kind === VIRSH_OBJECTS.domain.kind) xmls.set(seg.id, seg.text)
    } catch (error) {
      warnings.push(`virsh ${seg.kind === VIRSH_OBJECTS.pool.kind ? 'pool' : 'network'} ${seg.id}: ${(error as Error).message}`)
    }
  }
  for (const uuid of guestOrder) {
    const xml = xmls.get(uuid)
    const name = xml ? domainNameOf(xml) : undefined
    // a guest undefined between the listing and its dumpxml: warned above, not a guest any more
    if (!xml || name === undefined) continue
    facts.guests.push({name, uuid, state: states.get(uuid) ?? 'unknown', persistent: persistent?.has(uuid), ...domainSizeOf(xml), xml} satisfies GuestSummary)
  }
  facts.storagePools.sort((a, b) => a.name.localeCompare(b.name))
  facts.libvirtNetworks.sort((a, b) => a.name.localeCompare(b.name))
}
