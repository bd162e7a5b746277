import {diskLabel} from '../../domain/labels.js'
import type {MultipathMap} from '../../hosts/facts-types.js'
import {blockDisks, resolveDevicePath} from '../helpers.js'
import {multipathMapOfPathDevice, scsiHostLocalReason} from '../storage-helpers.js'
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
  remedy: 'Change the disk source to the multipath node /dev/disk/by-id/dm-uuid-mpath-<WWID> (or /dev/mapper/<WWID>) with virsh edit, then restart the guest.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): SCSI disks through device-mapper nodes; IBM Device Drivers, "Examples of udev-created SCSI device nodes" (lddd_r_scsi_nodes_udev)',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const disk of blockDisks(ctx.guest.domain.disks)) {
      const path = disk.path!
      const kernel = resolveDevicePath(ctx.source, path)
      const why = scsiHostLocalReason(ctx.source, path, kernel)
      if (!why) continue
      const map = kernel ? (multipathMapOfPathDevice(ctx.source, kernel) ?? ctx.source.multipath.find((m) => m.dmDevice === kernel)) : undefined
      const suggested = map ? `/dev/disk/by-id/dm-uuid-mpath-${map.wwid}` : undefined
      findings.push({
        subject: diskLabel(disk),
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
