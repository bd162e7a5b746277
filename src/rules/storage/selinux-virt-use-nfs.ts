import {diskLabel} from '../../domain/labels.js'
import {isNfsMount, mountFor} from '../shared-fs.js'
import {destinationPath} from '../storage-helpers.js'
import type {Rule} from '../types.js'

/**
 * With SELinux enabled, QEMU (svirt_t) may only open images on NFS when the boolean
 * virt_use_nfs is on; otherwise the incoming guest cannot open its disks on the destination.
 * IBM's instructions for NFS-backed virtual block devices: setsebool -P virt_use_nfs 1.
 *
 * Fires once per guest when any file disk is on an nfs/nfs4 mount (on the source, or at its
 * destination path on the destination) and the destination has SELinux enabled with
 * virt_use_nfs off — blocker — or unreadable — warning.
 */
export const selinuxVirtUseNfs: Rule = {
  id: 'selinux-virt-use-nfs',
  category: 'storage',
  severity: 'blocker',
  summary: 'The guest has disks on NFS and the destination has SELinux enabled with virt_use_nfs off.',
  remedy: 'Run setsebool -P virt_use_nfs 1 on the destination.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): NFS-backed images need setsebool -P virt_use_nfs 1',
  check(ctx) {
    const {selinux} = ctx.destination
    if (!selinux.enabled || selinux.virtUseNfs === true) return []
    const nfsDisks = ctx.guest.domain.disks.filter((disk) => {
      if (disk.type !== 'file' || disk.path === undefined) return false
      const dstPath = destinationPath(ctx, disk) ?? disk.path
      return isNfsMount(mountFor(ctx.source, disk.path)) || isNfsMount(mountFor(ctx.destination, dstPath))
    })
    if (nfsDisks.length === 0) return []
    const targets = nfsDisks.map((d) => d.target.dev)
    const unknown = selinux.virtUseNfs === undefined
    const disks = targets.length > 1 ? `disks ${targets.join(', ')} are` : `disk ${targets[0]} is`
    return [
      {
        subject: diskLabel(nfsDisks[0]),
        ...(unknown ? {severity: 'warning' as const} : {}),
        message: unknown
          ? `${disks} on NFS; ${ctx.destination.host} has SELinux enabled and virt_use_nfs could not be read`
          : `${disks} on NFS; ${ctx.destination.host} has SELinux enabled with virt_use_nfs off, so QEMU cannot open ${targets.length > 1 ? 'them' : 'it'} there`,
        remedy: `setsebool -P virt_use_nfs 1 on ${ctx.destination.host}${unknown ? ' (check with getsebool virt_use_nfs)' : ''}.`,
        data: {targets, host: ctx.destination.host},
      },
    ]
  },
}
