import type {HostFacts} from '../hosts/facts-types.js'
import {formatKiB} from '../units.js'

function size(kib: number | undefined): string {
  return kib === undefined ? '?' : formatKiB(kib)
}

function section(title: string, rows: string[]): string[] {
  return rows.length === 0 ? [] : ['', `${title}:`, ...rows.map((r) => `  ${r}`)]
}

/** A compact, admin-readable summary of a host's facts (the JSON has everything). */
export function renderFacts(f: HostFacts): string {
  const lines = [
    `${f.host}: ${f.hostname ?? '?'} (${f.arch ?? '?'}, kernel ${f.kernelRelease ?? '?'}), root ${f.root}`,
    `  libvirt ${f.libvirt.reachable ? `${f.libvirt.version ?? '?'} at ${f.libvirt.uri}` : `UNREACHABLE at ${f.libvirt.uri}: ${f.libvirt.error ?? ''}`}, QEMU ${f.qemu.version ?? '?'}, host UUID ${f.hostUuid ?? '?'}`,
    `  CPU ${f.hostCpu?.model ?? '?'} (${f.cpus.online ?? '?'} online), memory ${size(f.memory.availableKiB ?? f.memory.freeKiB)} available of ${size(f.memory.totalKiB)}`,
    `  machine types: ${f.machineTypes.join(', ') || 'none'}`,
  ]
  lines.push(
    ...section(
      'DASD',
      f.dasd.map((d) => `${d.busId}  ${d.alias ? 'alias ' : 'base  '} ${d.online ? 'online ' : 'offline'}  ${d.blockName ?? '-'}  ${d.uid ?? ''}`),
    ),
    ...section(
      'multipath',
      f.multipath.map((m) => `${m.name}  ${m.wwid}  ${m.dmDevice}  paths ${m.paths.join(',')}`),
    ),
    ...section(
      'SCSI',
      f.scsi.map((s) => `${s.hctl}  ${s.kind}  ${s.vendor ?? ''} ${s.model ?? ''}  ${s.fcpDevice ?? ''} ${s.wwpn ?? ''} ${s.lun ?? ''}`.trimEnd()),
    ),
    ...section(
      'zfcp hosts',
      f.zfcpHosts.map((h) => `${h.busId}  scsi_host${h.scsiHost}  ${h.online ? 'online' : 'offline'}`),
    ),
    ...section(
      'qeth',
      f.qeth.map(
        (q) =>
          `${q.busId}  ${q.ifname ?? '-'}  ${q.online ? 'online' : 'offline'}  ${Object.entries(q.vnicc)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
      ),
    ),
    ...section(
      'mediated devices',
      f.mdevs.map(
        (m) => `${m.uuid}  ${m.type}  parent ${m.parent}${m.matrix ? `  adapters ${m.matrix.adapters.join(',')} domains ${m.matrix.domains.join(',')}` : ''}`,
      ),
    ),
    ...section(
      'zPCI',
      f.pci.map((p) => `${p.address}  ${p.kind}  fid ${p.fid ?? '?'} uid ${p.uid ?? '?'} pchid ${p.pchid ?? '?'}${p.ifname ? `  ${p.ifname}` : ''}`),
    ),
    ...section(
      'network',
      f.netInterfaces.map((n) => `${n.name}  ${n.kind}${n.master ? ` (in ${n.master})` : ''}`),
    ),
    ...section(
      'guests',
      f.guests.map((g) => `${g.name}  ${g.state}`),
    ),
    ...section('warnings', f.warnings),
  )
  return lines.join('\n')
}
