import type {HostFacts, MultipathMap} from '../../hosts/facts-types.js'
import {blockDisks, diskSubject, resolveDevicePath} from '../helpers.js'
import {multipathMapOfPathDevice} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * SCSI disk names are assigned in detection order (sdX), and per-path nodes name one FCP path
 * (by-path ccw-<fcp>-fc-<wwpn>-lun-<lun> or …-zfcp-<wwpn>:<lun>, whose format even differs
 * between udev versions); /dev/dm-N numbers are handed out per host. None of them is the same
 * LUN on another host. IBM's rule: configure SCSI disks with device-mapper (multipath) nodes.
 *
 * Fires for a block disk addressed by /dev/sdX, /dev/dm-N, a zfcp by-path node, a by-id
 * scsi-…/wwn-… node (unless the source resolves it to a multipath map's dm device, which is
 * what multipath's udev rules create), or any other node the source resolves to an sd device.
 * Fine: /dev/mapper/<name>, /dev/disk/by-id/dm-uuid-mpath-<wwid>, /dev/disk/by-id/dm-name-<name>.
 */
export const scsiDmNode: Rule = {
  id: 'scsi-dm-node',
  category: 'storage',
  severity: 'blocker',
  summary: 'A SCSI disk is addressed by a host-local node (sdX, dm-N, zfcp by-path, scsi-/wwn- by-id) instead of a multipath node.',
  remedy:
    'Change the disk source to the multipath node /dev/disk/by-id/dm-uuid-mpath-<WWID> (or /dev/mapper/<WWID>) with virsh edit, then restart the guest.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): SCSI disks through device-mapper nodes; IBM Device Drivers, "Examples of udev-created SCSI device nodes" (lddd_r_scsi_nodes_udev)',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const disk of blockDisks(ctx.guest.domain.disks)) {
      const path = disk.path!
      if (/^\/dev\/mapper\//.test(path) || /^\/dev\/disk\/by-id\/dm-(?:uuid|name)-/.test(path)) continue
      const kernel = resolveDevicePath(ctx.source, path)
      const why = hostLocalReason(ctx.source, path, kernel)
      if (!why) continue
      const map = kernel ? (multipathMapOfPathDevice(ctx.source, kernel) ?? ctx.source.multipath.find((m) => m.dmDevice === kernel)) : undefined
      const suggested = map ? `/dev/disk/by-id/dm-uuid-mpath-${map.wwid}` : undefined
      findings.push({
        subject: diskSubject(disk),
        message: `${path} ${why}${map ? `; it is a path of multipath map ${mapText(map)}` : ''}`,
        ...(suggested ? {remedy: `Change the disk source to ${suggested} (virsh edit ${ctx.guest.name}), then restart the guest.`} : {}),
        data: {target: disk.target.dev, path, ...(kernel ? {kernelDevice: kernel} : {}), ...(map ? {wwid: map.wwid, suggestedPath: suggested} : {})},
      })
    }
    return findings
  },
}

function mapText(map: MultipathMap): string {
  return map.name === map.wwid ? map.wwid : `${map.name} (${map.wwid})`
}

/** Why the node is host-local, or undefined when it is not a SCSI node of concern. */
function hostLocalReason(source: HostFacts, path: string, kernel: string | undefined): string | undefined {
  if (/^\/dev\/sd[a-z]+\d*$/.test(path)) return 'is a SCSI disk name assigned in detection order'
  if (/^\/dev\/dm-\d+$/.test(path)) return 'is a device-mapper minor number assigned per host'
  if (/^\/dev\/disk\/by-path\/.*-(?:fc|zfcp)-/.test(path)) return 'names one FCP path (adapter, WWPN, LUN) of the source'
  if (/^\/dev\/disk\/by-id\/(?:scsi|wwn)-/.test(path)) {
    if (kernel && /^dm-\d+$/.test(kernel) && source.multipath.some((m) => m.dmDevice === kernel)) return undefined
    return kernel ? `is a single-path SCSI node (it resolves to ${kernel})` : 'is a single-path SCSI node'
  }
  if (kernel && /^sd[a-z]+\d*$/.test(kernel)) return `resolves to the SCSI disk ${kernel}, a single path`
  return undefined
}
