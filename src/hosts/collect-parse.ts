/**
 * Turns the collect script's framed output (collect-script.ts) into HostFacts. Pure: no I/O.
 * Each section has its own small parser, exported for tests. Sources for the formats are in
 * /work/shared/reference/z-domain.md; the section comments name the kernel or libvirt origin.
 */
import path from 'node:path'
import {dacIds, guestDomainsOf, machineTypesFor, parseCapabilities, parseDomainCapabilities, parseNetworkXml, parsePoolXml, type DomainCapabilities, type HostCapabilities} from './capabilities.js'
import type {
  ApMatrix,
  DasdDevice,
  DeviceLink,
  GuestSummary,
  HostFacts,
  HugepagePool,
  LibvirtNetwork,
  MediatedDevice,
  MountEntry,
  MultipathMap,
  NetworkInterface,
  NumaNode,
  PciFunction,
  QethDevice,
  ScsiDevice,
  StoragePool,
  ZfcpHost,
} from './facts-types.js'
import {listed, nulRecords, splitFrames, type Frame} from './frames.js'

export interface CollectContext {
  host: string
  root: string
  uri: string
  nonce: string
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** `dir/attr NUL value` grep records grouped as {dir: {attr: value}} (multi-line files joined by '\n'). */
export function attributesByDevice(records: readonly string[][]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>()
  for (const r of records) {
    if (r.length !== 2) continue
    const slash = r[0].indexOf('/')
    if (slash <= 0) continue
    const dev = r[0].slice(0, slash)
    const attr = r[0].slice(slash + 1)
    const entry = out.get(dev) ?? {}
    entry[attr] = attr in entry ? `${entry[attr]}\n${r[1]}` : r[1]
    out.set(dev, entry)
  }
  return out
}

const flag = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v.trim() === '1')

// ---------------------------------------------------------------------------------- DASD

/**
 * dasd section: driver views of dasd-eckd / dasd-fba (lsdasd's enumeration). An offline DASD has
 * no dasd_device in the kernel, so it reads alias=0 and uid='' (dasd_devmap.c dasd_alias_show /
 * dasd_uid_show): `alias` is only trustworthy for online devices, and `uid` is absent offline.
 */
export function parseDasd(body: string): DasdDevice[] {
  const out: DasdDevice[] = []
  let driver = ''
  let records: string[][] = []
  const flush = () => {
    const blocks = new Map(listed(records, 'block').map((b) => [b.split('/')[0], b.split('/')[2]]))
    for (const [busId, a] of attributesByDevice(records)) {
      const online = flag(a.online) ?? false
      out.push({
        busId,
        online,
        alias: online && (flag(a.alias) ?? false),
        uid: a.uid?.trim() || undefined,
        readonly: flag(a.readonly),
        discipline: driver,
        blockName: online ? blocks.get(busId) : undefined,
      })
    }
    records = []
  }
  for (const r of nulRecords(body)) {
    if (r[0] === 'driver') {
      flush()
      driver = r[1]
    } else records.push(r)
  }
  flush()
  return out.sort((x, y) => x.busId.localeCompare(y.busId))
}

// ---------------------------------------------------------------------------------- links

/** links section: `find disk mapper tape -type l` under $ROOT/dev; target is the kernel name. */
export function parseDeviceLinks(body: string): DeviceLink[] {
  return nulRecords(body)
    .filter((r) => r.length === 2 && r[0] !== '' && r[1] !== '')
    .map(([p, target]) => ({path: `/dev/${p}`, target: path.posix.basename(target)}))
    .sort((a, b) => a.path.localeCompare(b.path))
}

// ---------------------------------------------------------------------------------- device-mapper

/** dm section: dm-N/dm/{name,uuid} + slaves; multipath maps are those with DM uuid `mpath-<wwid>`. */
export function parseMultipath(body: string): MultipathMap[] {
  const records = nulRecords(body)
  const attrs = new Map<string, Record<string, string>>()
  for (const r of records) {
    const m = r.length === 2 ? r[0].match(/^(dm-\d+)\/dm\/(name|uuid)$/) : null
    if (m) attrs.set(m[1], {...attrs.get(m[1]), [m[2]]: r[1]})
  }
  const slaves = new Map<string, string[]>()
  for (const s of listed(records, 'slave')) {
    const [dm, , sd] = s.split('/')
    slaves.set(dm, [...(slaves.get(dm) ?? []), sd])
  }
  const out: MultipathMap[] = []
  for (const [dm, a] of attrs) {
    // multipath-tools libmultipath/devmapper.h: UUID_PREFIX "mpath-"
    if (!a.uuid?.startsWith('mpath-') || !a.name) continue
    out.push({name: a.name, wwid: a.uuid.slice('mpath-'.length), dmDevice: dm, paths: (slaves.get(dm) ?? []).sort()})
  }
  return out.sort((x, y) => x.name.localeCompare(y.name))
}

// ---------------------------------------------------------------------------------- SCSI / zfcp

const SCSI_KIND: Record<number, ScsiDevice['kind']> = {0: 'disk', 1: 'tape', 8: 'changer'}

/**
 * scsi section: /sys/bus/scsi/devices/H:C:T:L with type/vendor/model (INQUIRY, space padded) and
 * the zfcp attributes hba_id, wwpn, fcp_lun (linux drivers/s390/scsi/zfcp_sysfs.c).
 */
export function parseScsi(body: string): ScsiDevice[] {
  const records = nulRecords(body)
  const children = new Map<string, {block?: string; tape?: string; changer?: string; sg?: string}>()
  for (const c of listed(records, 'child')) {
    const [hctl, kind, name] = c.split('/')
    const e = children.get(hctl) ?? {}
    if (kind === 'block') e.block = name
    // st registers st<n>, st<n>l/m/a and nst<n>…: the plain st<n> names the drive
    if (kind === 'scsi_tape' && /^st\d+$/.test(name)) e.tape = name
    if (kind === 'scsi_changer') e.changer = name
    if (kind === 'scsi_generic') e.sg = name
    children.set(hctl, e)
  }
  const out: ScsiDevice[] = []
  for (const [hctl, a] of attributesByDevice(records.filter((r) => r.length === 2 && /^\d+:\d+:\d+:\d+\//.test(r[0])))) {
    const type = Number(a.type?.trim())
    if (!Number.isInteger(type)) continue
    const c = children.get(hctl) ?? {}
    out.push({
      hctl,
      type,
      kind: SCSI_KIND[type] ?? 'other',
      vendor: a.vendor?.trim() || undefined,
      model: a.model?.trim() || undefined,
      blockName: c.block ?? c.tape ?? c.changer,
      sgName: c.sg,
      fcpDevice: a.hba_id?.trim() || undefined,
      wwpn: a.wwpn?.trim() || undefined,
      lun: a.fcp_lun?.trim() || undefined,
    })
  }
  return out.sort((x, y) => compareHctl(x.hctl, y.hctl))
}

function compareHctl(a: string, b: string): number {
  const x = a.split(':').map(Number)
  const y = b.split(':').map(Number)
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i]
  return 0
}

/** zfcp section: FCP devices bound to zfcp and their SCSI host (`<bus-ID>/host<N>`, only while online). */
export function parseZfcpHosts(body: string): ZfcpHost[] {
  const records = nulRecords(body)
  const hosts = new Map(listed(records, 'host').map((h) => [h.split('/')[0], Number(h.split('/')[1].replace(/^host/, ''))]))
  const out: ZfcpHost[] = []
  for (const [busId, a] of attributesByDevice(records)) {
    const scsiHost = hosts.get(busId)
    // an FCP device without a SCSI host is offline: there is no host number to report
    if (scsiHost === undefined || !Number.isInteger(scsiHost)) continue
    out.push({busId, scsiHost, online: flag(a.online) ?? false})
  }
  return out.sort((x, y) => x.busId.localeCompare(y.busId))
}

// ---------------------------------------------------------------------------------- qeth

/** qeth section: ccwgroup devices bound to qeth, with vnicc/* (s390-tools zdev/src/qeth.c). */
export function parseQeth(body: string): QethDevice[] {
  const records = nulRecords(body)
  const vniccNames = new Map<string, string[]>()
  for (const v of listed(records, 'vnicc')) {
    const [dev, , name] = v.split('/')
    vniccNames.set(dev, [...(vniccNames.get(dev) ?? []), name])
  }
  const out: QethDevice[] = []
  for (const [busId, a] of attributesByDevice(records)) {
    const vnicc: Record<string, string> = {}
    // present but unreadable (EBUSY for a bridge port, EOPNOTSUPP): zdev shows 'n/a'
    for (const name of vniccNames.get(busId) ?? []) vnicc[name] = a[`vnicc/${name}`]?.trim() ?? 'n/a'
    out.push({
      busId,
      ifname: a.if_name?.trim() || undefined,
      online: flag(a.online) ?? false,
      layer2: flag(a.layer2),
      cardType: a.card_type?.trim() || undefined,
      vnicc,
      bridgeRole: a.bridge_role?.trim() || undefined,
    })
  }
  return out.sort((x, y) => x.busId.localeCompare(y.busId))
}

// ---------------------------------------------------------------------------------- mdev

/**
 * mdev + ap sections. The parent is the directory holding the mdev: the subchannel for vfio_ccw
 * (its dev_busid names the DASD's device number), 'matrix' for vfio_ap, whose `matrix` attribute
 * lists one APQN 'AA.DDDD' per line (kernel Documentation/arch/s390/vfio-ap.rst).
 */
export function parseMdevs(mdevBody: string, apBody: string): MediatedDevice[] {
  const records = nulRecords(mdevBody)
  const devs = new Map<string, MediatedDevice>()
  for (const r of records) {
    if (r[0] === 'dev' && r.length === 3 && UUID_RE.test(r[1])) {
      const parts = r[2].split('/')
      devs.set(r[1], {uuid: r[1], type: '', parent: parts[parts.length - 2] ?? ''})
    }
  }
  for (const r of records) {
    const d = devs.get(r[1]?.split('/')[0] ?? '')
    if (!d) continue
    if (r[0] === 'type' && r.length === 3) d.type = path.posix.basename(r[2])
    if (r[0] === 'busid' && r.length === 3 && /^[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]{4}$/.test(r[2].trim())) d.ccwDevice = r[2].trim()
  }
  for (const [uuid, a] of attributesByDevice(nulRecords(apBody))) {
    const d = devs.get(uuid)
    if (d) d.matrix = parseApMatrix(a.matrix ?? '', a.control_domains ?? '')
  }
  return [...devs.values()].sort((x, y) => x.uuid.localeCompare(y.uuid))
}

export function parseApMatrix(matrix: string, controlDomains: string): ApMatrix {
  const adapters = new Set<string>()
  const domains = new Set<string>()
  // an adapter-only assignment prints 'AA.', a domain-only one '.DDDD'
  for (const line of matrix.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const [a, d] = line.split('.')
    if (a) adapters.add(a)
    if (d) domains.add(d)
  }
  return {
    adapters: [...adapters].sort(),
    domains: [...domains].sort(),
    controlDomains: controlDomains.split('\n').map((l) => l.trim()).filter(Boolean).sort(),
  }
}

// ---------------------------------------------------------------------------------- zPCI

/**
 * pci section (linux arch/s390/pci/pci_sysfs.c). Classified by PCI ids: NVMe = class 0x0108xx,
 * RoCE = Mellanox (0x15b3) Ethernet function, ISM = IBM 0x1014:0x04ed.
 */
export function parsePci(body: string): PciFunction[] {
  const records = nulRecords(body)
  const drivers = new Map(records.filter((r) => r[0] === 'driver' && r.length === 3).map((r) => [r[1].split('/')[0], path.posix.basename(r[2])]))
  const nets = new Map(listed(records, 'net').map((n) => [n.split('/')[0], n.split('/')[2]]))
  const nvme = new Map<string, string[]>()
  for (const n of listed(records, 'nvme')) nvme.set(n.split('/')[0], [...(nvme.get(n.split('/')[0]) ?? []), n.split('/')[3]])
  const out: PciFunction[] = []
  for (const [address, a] of attributesByDevice(records.filter((r) => r.length === 2))) {
    const vendor = a.vendor?.trim()
    const device = a.device?.trim()
    const pciClass = a.class?.trim()
    const uid = a.uid?.trim()
    out.push({
      address,
      fid: a.function_id?.trim() || undefined,
      uid: uid && /^0x[0-9a-f]+$/i.test(uid) ? `0x${parseInt(uid, 16).toString(16).padStart(4, '0')}` : undefined,
      uidIsUnique: flag(a.uid_is_unique),
      pchid: a.pchid?.trim() || undefined,
      vendor,
      device,
      pciClass,
      kind: classifyPci(vendor, device, pciClass),
      ifname: nets.get(address),
      driver: drivers.get(address),
      blockDevices: nvme.get(address)?.sort(),
    })
  }
  return out.sort((x, y) => x.address.localeCompare(y.address))
}

export function classifyPci(vendor?: string, device?: string, pciClass?: string): PciFunction['kind'] {
  const cls = pciClass?.toLowerCase() ?? ''
  if (cls.startsWith('0x0108')) return 'nvme'
  if (vendor === '0x1014' && device === '0x04ed') return 'ism'
  if (vendor === '0x15b3' && cls.startsWith('0x0200')) return 'roce'
  return 'other'
}

// ---------------------------------------------------------------------------------- net

/** net section: /sys/class/net/* — what kind of interface each is and what it is enslaved to. */
export function parseNetInterfaces(body: string): NetworkInterface[] {
  const records = nulRecords(body)
  const has = new Map<string, Set<string>>()
  for (const h of listed(records, 'has')) {
    const [name, what] = h.split('/')
    has.set(name, (has.get(name) ?? new Set()).add(what.startsWith('lower_') ? 'lower' : what))
  }
  const links = new Map<string, Record<string, string>>()
  for (const r of records.filter((x) => x[0] === 'link' && x.length === 3)) {
    const [name, what] = r[1].split('/')
    links.set(name, {...links.get(name), [what]: r[2]})
  }
  const out: NetworkInterface[] = []
  for (const [name, a] of attributesByDevice(records.filter((r) => r.length === 2 && r[0].includes('/')))) {
    const marks = has.get(name) ?? new Set<string>()
    const devtype = a.uevent?.match(/^DEVTYPE=(.*)$/m)?.[1]
    const l = links.get(name) ?? {}
    let kind = 'other'
    if (marks.has('bridge')) kind = 'bridge'
    else if (marks.has('bonding')) kind = 'bond'
    else if (devtype === 'vlan') kind = 'vlan'
    else if (marks.has('macvtap') || devtype === 'macvtap') kind = 'macvtap'
    else if (marks.has('tun_flags')) kind = 'tun'
    else if (a.type?.trim() === '772') kind = 'loopback'
    else if (l.device) kind = 'ether'
    out.push({name, kind, master: l.master ? path.posix.basename(l.master) : undefined, operstate: a.operstate?.trim() || undefined, mac: a.address?.trim() || undefined})
  }
  return out.sort((x, y) => x.name.localeCompare(y.name))
}

// ---------------------------------------------------------------------------------- /proc and system files

/** /proc/mounts fields are space separated with octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function parseMounts(lines: readonly string[]): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return lines.flatMap((line) => {
    const f = line.split(' ')
    return f.length >= 3 ? [{source: unescape(f[0]), target: unescape(f[1]), fstype: f[2]}] : []
  })
}

/** `Key:   123 kB` lines (/proc/meminfo; node meminfo after stripping 'Node N ') → {Key: KiB}. */
export function parseMeminfo(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of lines) {
    const m = line.replace(/^Node \d+ /, '').match(/^([A-Za-z_()0-9]+):\s+(\d+)/)
    if (m) out[m[1]] = Number(m[2])
  }
  return out
}

/** Kernel cpulist ('0-3,8,10-11') → number of CPUs. */
export function countCpuList(list: string): number | undefined {
  const t = list.trim()
  if (t === '') return 0
  let n = 0
  for (const part of t.split(',')) {
    const m = part.match(/^(\d+)(?:-(\d+))?$/)
    if (!m) return undefined
    n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1
  }
  return n
}

interface FilesView {
  get(rel: string): string[] | undefined
  matching(re: RegExp): Array<[RegExpMatchArray, string[]]>
}

function filesView(body: string): FilesView {
  const files = new Map<string, string[]>()
  for (const r of nulRecords(body)) if (r.length === 2) files.set(r[0], [...(files.get(r[0]) ?? []), r[1]])
  return {
    get: (rel) => files.get(rel),
    matching: (re) => [...files].flatMap(([k, v]) => {
      const m = k.match(re)
      return m ? [[m, v] as [RegExpMatchArray, string[]]] : []
    }),
  }
}

function parseHugepages(files: FilesView): HugepagePool[] {
  const pools = new Map<number, HugepagePool>()
  for (const [m, v] of files.matching(/^sys\/kernel\/mm\/hugepages\/hugepages-(\d+)kB\/(nr|free)_hugepages$/)) {
    const size = Number(m[1])
    const p = pools.get(size) ?? {sizeKiB: size, total: 0, free: 0}
    p[m[2] === 'nr' ? 'total' : 'free'] = Number(v[0])
    pools.set(size, p)
  }
  return [...pools.values()].sort((a, b) => a.sizeKiB - b.sizeKiB)
}

function parseNuma(files: FilesView): NumaNode[] {
  const nodes = new Map<number, NumaNode>()
  const node = (id: number) => nodes.get(id) ?? (nodes.set(id, {id, hugepages: []}).get(id) as NumaNode)
  for (const [m, v] of files.matching(/^sys\/devices\/system\/node\/node(\d+)\/meminfo$/)) {
    const mi = parseMeminfo(v)
    const n = node(Number(m[1]))
    n.memTotalKiB = mi.MemTotal
    n.memFreeKiB = mi.MemFree
  }
  for (const [m, v] of files.matching(/^sys\/devices\/system\/node\/node(\d+)\/cpulist$/)) node(Number(m[1])).cpus = v[0]?.trim()
  for (const [m, v] of files.matching(/^sys\/devices\/system\/node\/node(\d+)\/hugepages\/hugepages-(\d+)kB\/(nr|free)_hugepages$/)) {
    const n = node(Number(m[1]))
    const size = Number(m[2])
    let p = n.hugepages.find((h) => h.sizeKiB === size)
    if (!p) n.hugepages.push((p = {sizeKiB: size, total: 0, free: 0}))
    p[m[3] === 'nr' ? 'total' : 'free'] = Number(v[0])
  }
  for (const n of nodes.values()) n.hugepages.sort((a, b) => a.sizeKiB - b.sizeKiB)
  return [...nodes.values()].sort((a, b) => a.id - b.id)
}

// ---------------------------------------------------------------------------------- virsh

/** virsh-host section: one argv-mode virsh run whose command outputs are separated by `@@zm:<name>@@`. */
export function splitVirshHost(body: string): Map<string, string> {
  const out = new Map<string, string>()
  const re = /@@zm:([a-z-]+)@@/g
  let name = 'capabilities'
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
  const re = new RegExp(`::zm:${nonce}:([a-z]):([0-9a-f-]+|end)::`, 'g')
  const marks = [...body.matchAll(re)]
  return marks.map((m, i) => ({
    kind: m[1],
    id: m[2],
    text: cleanVirshSegment(body.slice(m.index! + m[0].length, i + 1 < marks.length ? marks[i + 1].index : body.length)),
  }))
}

export function cleanVirshSegment(text: string): string {
  let t = text.replace(/^\n/, '')
  // leading prompt, and the echoed command line when readline echoed it
  t = t.replace(/^virsh [#>] (?:(?:domstate|dumpxml|pool-dumpxml|net-dumpxml) [0-9a-f-]+\n)?/, '')
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

// ---------------------------------------------------------------------------------- all together

export function parseCollectOutput(stdout: string, ctx: CollectContext): HostFacts {
  const frames = splitFrames(stdout, ctx.nonce)
  const warnings: string[] = []
  const frame = (name: string): Frame | undefined => {
    const f = frames.get(name)
    if (!f) warnings.push(`section '${name}' missing from the collect output (cut short?)`)
    else if (f.status === undefined) warnings.push(`section '${name}' was cut short`)
    return f
  }
  const body = (name: string) => frame(name)?.body ?? ''

  const meta = nulRecords(body('meta'))
  if (meta.some((r) => r[0] === 'sys' && r[1] === 'missing')) warnings.push(`no sys directory under root ${ctx.root}: the profile's root: is probably wrong`)

  const files = filesView(body('files'))
  const meminfo = parseMeminfo(files.get('proc/meminfo') ?? [])
  const mountLines = files.get('proc/mounts') ?? files.get('proc/self/mounts') ?? []
  const userfaultfd = files.get('proc/sys/vm/unprivileged_userfaultfd')?.[0]?.trim()
  const selinuxEnforce = files.get('sys/fs/selinux/enforce')?.[0]?.trim()
  // selinuxfs booleans read "<current> <pending>"; the current value is what QEMU gets now
  const virtUseNfs = files.get('sys/fs/selinux/booleans/virt_use_nfs')?.[0]?.trim().split(/\s+/)[0]

  const facts: HostFacts = {
    host: ctx.host,
    root: ctx.root,
    hostname: files.get('proc/sys/kernel/hostname')?.[0]?.trim() || undefined,
    kernelRelease: files.get('proc/sys/kernel/osrelease')?.[0]?.trim() || undefined,
    libvirt: {reachable: false, uri: ctx.uri},
    qemu: {},
    machineTypes: [],
    guestDomains: [],
    usableCpuModels: [],
    memory: {totalKiB: meminfo.MemTotal, freeKiB: meminfo.MemFree, availableKiB: meminfo.MemAvailable},
    cpus: {online: countCpuList(files.get('sys/devices/system/cpu/online')?.[0] ?? '') || undefined},
    numa: parseNuma(files),
    hugepages: parseHugepages(files),
    dasd: parseDasd(body('dasd')),
    deviceLinks: parseDeviceLinks(body('links')),
    multipath: parseMultipath(body('dm')),
    scsi: parseScsi(body('scsi')),
    zfcpHosts: parseZfcpHosts(body('zfcp')),
    qeth: parseQeth(body('qeth')),
    mdevs: parseMdevs(body('mdev'), body('ap')),
    pci: parsePci(body('pci')),
    netInterfaces: parseNetInterfaces(body('net')),
    libvirtNetworks: [],
    storagePools: [],
    mounts: parseMounts(mountLines),
    selinux: {enabled: selinuxEnforce !== undefined, enforcing: selinuxEnforce === undefined ? undefined : selinuxEnforce === '1', virtUseNfs: virtUseNfs === undefined ? undefined : virtUseNfs === '1'},
    sysctl: {unprivilegedUserfaultfd: userfaultfd !== undefined && /^\d+$/.test(userfaultfd) ? Number(userfaultfd) : undefined},
    guests: [],
    warnings,
  }

  const qemuconf = nulRecords(body('qemuconf'))
  const qv = (k: string) => qemuconf.find((r) => r[0] === k)?.[1]
  const user = qv('user')
  const group = qv('group')
  if (user || group) {
    const pw = qv('passwd')?.split(':')
    const gr = qv('grent')?.split(':')
    facts.qemuIds = {
      user,
      group,
      uid: pw && /^\d+$/.test(pw[2] ?? '') ? Number(pw[2]) : user?.startsWith('+') ? Number(user.slice(1)) : undefined,
      gid: gr && /^\d+$/.test(gr[2] ?? '') ? Number(gr[2]) : group?.startsWith('+') ? Number(group.slice(1)) : undefined,
    }
  }

  applyLibvirt(facts, frame('virsh-host'), frames.get('virsh-objects'), ctx, warnings)

  const daemonBinary = parseDaemonBinaryVersion(frames.get('libvirtd-version')?.body ?? '')
  if (facts.libvirt.reachable && !facts.libvirt.version && daemonBinary) facts.libvirt.version = daemonBinary
  const qemuVersion = parseQemuVersion(frames.get('qemu-version')?.body ?? '')
  facts.qemu.version = qemuVersion ?? facts.libvirt.hypervisorVersion?.match(/^QEMU (\S+)/)?.[1]

  if (facts.memory.totalKiB === undefined && facts.libvirt.reachable) warnings.push('no /proc/meminfo under root; memory taken from virsh nodeinfo')
  return facts
}

function applyLibvirt(facts: HostFacts, hostFrame: Frame | undefined, objectsFrame: Frame | undefined, ctx: CollectContext, warnings: string[]): void {
  if (!hostFrame) return
  if (hostFrame.status !== 0) {
    // argv-mode virsh ends with 'echo', so a non-zero status means it never got a connection
    facts.libvirt.error =
      hostFrame.status === 124 ? `virsh got no answer from ${ctx.uri} within 30 s` : errorText(hostFrame.body) || `virsh exited with status ${hostFrame.status ?? 'unknown (cut short)'}`
    return
  }
  facts.libvirt.reachable = true
  const parts = splitVirshHost(hostFrame.body)

  let caps: HostCapabilities | undefined
  const capsText = parts.get('capabilities') ?? ''
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
  for (const name of ['domcaps-kvm', 'domcaps-qemu']) {
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

  const version = parseVirshVersion(parts.get('version') ?? '')
  facts.libvirt.version = version.daemon
  facts.libvirt.hypervisorVersion = version.hypervisor
  const nodeinfo = parseNodeinfo(parts.get('nodeinfo') ?? '')
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

  const guestOrder = uuidList(parts.get('guests'))
  const persistent = parts.has('persistent') ? new Set(uuidList(parts.get('persistent'))) : undefined
  const inactivePools = new Set(uuidList(parts.get('pools-inactive')))
  const inactiveNets = new Set(uuidList(parts.get('nets-inactive')))
  if (guestOrder.length + uuidList(parts.get('pools')).length + uuidList(parts.get('nets')).length === 0) return
  if (!objectsFrame) {
    warnings.push('virsh per-guest details missing from the collect output')
    return
  }
  if (objectsFrame.status === undefined) warnings.push('virsh per-guest details were cut short')

  // virsh domstate words (virshDomainStateToString): running, paused, shut off
  const states = new Map<string, string>([
    ...uuidList(parts.get('shutoff')).map((u) => [u, 'shut off'] as const),
    ...uuidList(parts.get('paused')).map((u) => [u, 'paused'] as const),
    ...uuidList(parts.get('running')).map((u) => [u, 'running'] as const),
  ])
  const xmls = new Map<string, string>()
  for (const seg of splitVirshBatch(objectsFrame.body, ctx.nonce)) {
    const failed = /^error: /m.test(seg.text) && !seg.text.trimStart().startsWith('<')
    if (seg.kind === 'z') continue
    if (failed) {
      warnings.push(`virsh ${{p: 'pool-dumpxml', n: 'net-dumpxml', s: 'domstate', x: 'dumpxml'}[seg.kind] ?? seg.kind} ${seg.id}: ${errorText(seg.text)}`)
      continue
    }
    try {
      if (seg.kind === 'p') {
        const p = parsePoolXml(seg.text)
        facts.storagePools.push({...p, active: !inactivePools.has(seg.id)} satisfies StoragePool)
      } else if (seg.kind === 'n') {
        const n = parseNetworkXml(seg.text)
        facts.libvirtNetworks.push({name: n.name, bridge: n.bridge, active: !inactiveNets.has(seg.id)} satisfies LibvirtNetwork)
      } else if (seg.kind === 's') states.set(seg.id, seg.text.trim())
      else if (seg.kind === 'x') xmls.set(seg.id, seg.text)
    } catch (error) {
      warnings.push(`virsh ${seg.kind === 'p' ? 'pool' : 'network'} ${seg.id}: ${(error as Error).message}`)
    }
  }
  for (const uuid of guestOrder) {
    const xml = xmls.get(uuid)
    const name = xml ? domainNameOf(xml) : undefined
    // a guest undefined between the listing and its dumpxml: warned above, not a guest any more
    if (!xml || name === undefined) continue
    facts.guests.push({name, uuid, state: states.get(uuid) ?? 'unknown', persistent: persistent?.has(uuid), xml} satisfies GuestSummary)
  }
  facts.storagePools.sort((a, b) => a.name.localeCompare(b.name))
  facts.libvirtNetworks.sort((a, b) => a.name.localeCompare(b.name))
}
