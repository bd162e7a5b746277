import {diskLabel} from '../../domain/labels.js'
import {nfsShare} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * An image on NFS is not copied: the destination QEMU opens the same path and must find the
 * same file. That holds only when the destination has the path on an NFS mount that reaches the
 * same file on the same server (IBM lists NFS image files as shared storage that needs no copy).
 *
 * For each file disk (and CD-ROM image) whose path lies on an nfs/nfs4 mount on the source
 * (longest mount-point prefix), the destination path (the profile's disk-source mapping, else the
 * same) must lie on an nfs/nfs4 mount there that names the same server file: server:/export plus
 * the path below the mount point. Otherwise the destination would start on a local file of that
 * name, or none.
 */
export const nfsNotShared: Rule = {
  id: 'nfs-not-shared',
  category: 'storage',
  severity: 'blocker',
  summary: 'A disk image on NFS on the source is not on the same NFS export on the destination.',
  remedy:
    'Mount the same export at the same mount point on the destination (same server:/export, e.g. in /etc/fstab or as a libvirt netfs pool), then re-run the check.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): NFS image files are shared, the destination must reach them through the same configuration',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const disk of ctx.guest.domain.disks) {
      const share = nfsShare(ctx, disk)
      if (!share?.problem) continue
      const {sourceMount, destinationMount} = share
      findings.push({
        subject: diskLabel(disk),
        message: `${disk.path} is ${share.serverFile} on ${ctx.source.host} (${sourceMount.fstype} at ${sourceMount.target}); ${share.problem}`,
        remedy: `Mount ${sourceMount.source} at ${sourceMount.target} on ${ctx.destination.host} (${sourceMount.fstype}), as on ${ctx.source.host}.`,
        data: {
          target: disk.target.dev,
          path: disk.path,
          export: sourceMount.source,
          mountPoint: sourceMount.target,
          ...(destinationMount ? {destinationMount: {source: destinationMount.source, target: destinationMount.target, fstype: destinationMount.fstype}} : {}),
        },
      })
    }
    return findings
  },
}
