import {diskLabel} from '../../domain/labels.js'
import {destinationPath, multipathRefFor} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * A multipath SCSI disk is shared storage: the destination must see the same LUN, identified by
 * its WWID, as a multipath map. And a node that names the map by its DM name (/dev/mapper/<name>,
 * /dev/disk/by-id/dm-name-<name>) only works when the destination gives the map the same name —
 * with user_friendly_names, mpathX names are assigned per host.
 *
 * The WWID comes from the source's map (by DM name, or by dm device for a by-id link) or from
 * the dm-uuid-mpath-<wwid> node itself; a /dev/mapper name that is a WWID counts as one when the
 * source facts lack the map. Fires when the destination has no map with that WWID, or has it
 * under another name while the guest's node depends on the name (unless the profile maps the
 * disk source to the destination's name).
 */
export const scsiLunMissingOnDestination: Rule = {
  id: 'scsi-lun-missing-on-destination',
  category: 'storage',
  severity: 'blocker',
  summary: 'A multipath SCSI LUN the guest uses is not a multipath map on the destination, or has another DM name there.',
  remedy:
    "Zone and mask the LUN to the destination's FCP devices and let multipath create the map (multipath -ll shows the WWID); for name differences, address the disk by /dev/disk/by-id/dm-uuid-mpath-<WWID>, or give the map the same alias in multipath.conf on both hosts.",
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): SCSI disks must be reachable from both hosts through device-mapper nodes',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const disk of ctx.guest.domain.disks) {
      const ref = multipathRefFor(ctx, disk)
      if (!ref) continue
      const there = ctx.destination.multipath.find((m) => m.wwid === ref.wwid)
      const sourceName = ref.sourceMap && ref.sourceMap.name !== ref.wwid ? ` (map ${ref.sourceMap.name} on ${ctx.source.host})` : ''
      if (!there) {
        findings.push({
          subject: diskLabel(disk),
          message: `LUN ${ref.wwid}${sourceName} is not a multipath map on ${ctx.destination.host}`,
          remedy: `Zone and mask LUN ${ref.wwid} to ${ctx.destination.host}'s FCP devices, rescan (or chzdev zfcp-lun), and check multipath -ll ${ref.wwid} there.`,
          data: {target: disk.target.dev, path: ref.path, wwid: ref.wwid, reason: 'missing'},
        })
        continue
      }
      if (ref.dmName === undefined || there.name === ref.dmName) continue
      const mapped = destinationPath(ctx, disk)
      if (mapped !== undefined && mapped !== ref.path && namesMap(mapped, there.name, ref.wwid)) continue
      findings.push({
        subject: diskLabel(disk),
        message: `LUN ${ref.wwid} is map ${there.name} on ${ctx.destination.host}, not ${ref.dmName}, and ${ref.path} depends on the DM name${/^mpath/.test(ref.dmName) ? ' (user_friendly_names mpathX names are host-local)' : ''}`,
        remedy: `Change the disk source to /dev/disk/by-id/dm-uuid-mpath-${ref.wwid} (virsh edit ${ctx.guest.name}), or set the same alias for WWID ${ref.wwid} in multipath.conf on both hosts.`,
        data: {target: disk.target.dev, path: ref.path, wwid: ref.wwid, reason: 'name-differs', sourceName: ref.dmName, destinationName: there.name},
      })
    }
    return findings
  },
}

/** Does a destination node (from a profile mapping) reach the map by its name or WWID there? */
function namesMap(path: string, name: string, wwid: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const byName = new RegExp(`^/dev/(?:mapper/|disk/by-id/dm-name-)${escaped}(?:-part\\d+|p\\d+)?$`)
  return byName.test(path) || path.startsWith(`/dev/disk/by-id/dm-uuid-mpath-${wwid}`)
}
