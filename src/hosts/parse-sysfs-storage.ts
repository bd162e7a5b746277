/**
 * Parsers of the collect script's storage sections, read from sysfs and /dev below the host's
 * root: DASD (dasd), udev links (links), device-mapper multipath (dm), SCSI devices (scsi) and
 * the FCP devices behind them (zfcp). Pure: no I/O. Sources for the formats are in
 * /work/shared/reference/z-domain.md; each parser names its kernel or s390-tools origin.
 */
import path from 'node:path'
import type {DasdDevice, DeviceLink, MultipathMap, ScsiDevice, ZfcpHost} from './facts-types.js'
import {attributesByDevice, flag, listed, nulRecords} from './frames.js'

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
