/**
 * Parsers of the collect script's adapter sections, read from sysfs below the host's root: OSA
 * devices bound to qeth with their VNIC characteristics (qeth), the network interfaces on top
 * (net), zPCI functions (pci), and mediated devices with the AP matrix of vfio_ap (mdev, ap).
 * Pure: no I/O. Each parser names its kernel or s390-tools origin.
 */
import path from 'node:path'
import type {ApMatrix, MediatedDevice, NetworkInterface, PciFunction, QethDevice} from './facts-types.js'
import {attributesByDevice, flag, listed, nulRecords} from './frames.js'
import {UUID_RE} from './wire-format.js'

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
  for (const line of matrix
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [a, d] = line.split('.')
    if (a) adapters.add(a)
    if (d) domains.add(d)
  }
  return {
    adapters: [...adapters].sort(),
    domains: [...domains].sort(),
    controlDomains: controlDomains
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .sort(),
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
    out.push({
      name,
      kind,
      master: l.master ? path.posix.basename(l.master) : undefined,
      operstate: a.operstate?.trim() || undefined,
      mac: a.address?.trim() || undefined,
    })
  }
  return out.sort((x, y) => x.name.localeCompare(y.name))
}
