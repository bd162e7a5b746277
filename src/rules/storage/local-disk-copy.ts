import type {Disk} from '../../domain/types.js'
import {diskSubject} from '../helpers.js'
import {detachedForMigration, disksToCopy, formatBytes, isLocalFileImage, isRemovable, mountFor, nvmeSourceText} from '../storage-helpers.js'
import type {CheckContext, FindingDraft, Rule} from '../types.js'

/**
 * A disk on host-local storage (an image file outside any shared file system, or an NVMe
 * namespace) does not exist on the destination: the migration must copy it (libvirt
 * --copy-storage-all, NBD mirroring). Without the copy libvirt refuses: "Migration without
 * shared storage is unsafe" (qemuMigrationSrcIsSafe). The shared file systems are the ones libvirt
 * treats as shared (SHARED_FS_TYPES).
 *
 * - writable, non-shareable local disk, not detached by the profile → action (the plan copies
 *   it); blocker when the site policy says copy-storage: never.
 * - shareable (writable) local disk → blocker: libvirt never copies shareable disks, and a
 *   copy would split what other guests share.
 * data {target, path, format, virtualSizeBytes}: format and size from qemu-img on the source.
 */
export const localDiskCopy: Rule = {
  id: 'local-disk-copy',
  category: 'storage',
  severity: 'action',
  summary: 'A writable disk is on host-local storage and must be copied to the destination (disk migration).',
  remedy:
    'zmigrate copies the disk (virsh migrate --copy-storage-all --migrate-disks <targets>); to avoid the copy, move the image to shared storage (NFS, DASD, multipath SCSI).',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): local resources need an equivalent resource on the destination and disk migration; libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsSafe, qemuMigrationAnyCopyDisk',
  check(ctx) {
    const findings: FindingDraft[] = []
    const never = ctx.profile.migration.copyStorage === 'never'
    for (const disk of disksToCopy(ctx)) {
      const where = whereText(ctx, disk)
      const data = copyData(ctx, disk)
      findings.push(
        never
          ? {
              subject: diskSubject(disk),
              severity: 'blocker',
              message: `${where} and needs copying to ${ctx.destination.host}, but the site policy says copy-storage: never`,
              remedy: `Move the disk to shared storage, detach it for the migration (devices.detach-for-migration), or allow copy-storage: auto in the profile.`,
              data,
            }
          : {
              subject: diskSubject(disk),
              message: `${where} and is copied to ${ctx.destination.host} during the migration`,
              data,
            },
      )
    }
    for (const disk of ctx.guest.domain.disks) {
      if (!disk.shareable || disk.readonly || isRemovable(disk) || detachedForMigration(ctx, disk)) continue
      if (!isLocalFileImage(ctx, disk) && disk.type !== 'nvme') continue
      findings.push({
        subject: diskSubject(disk),
        severity: 'blocker',
        message: `${whereText(ctx, disk)} but shareable: libvirt does not copy shareable disks, and ${ctx.destination.host} cannot share it`,
        remedy: 'Move the shared image to storage both hosts reach (NFS, GFS2, DASD, multipath SCSI), or detach the disk for the migration.',
        data: copyData(ctx, disk),
      })
    }
    return findings
  },
}

/** '/var/lib/libvirt/images/a.qcow2 (qcow2, 20 GiB) is on local xfs (/var/lib/libvirt/images)' */
function whereText(ctx: CheckContext, disk: Disk): string {
  const {format, virtualSizeBytes} = copyData(ctx, disk)
  const size = typeof virtualSizeBytes === 'number' ? ` (${format ?? 'image'}, ${formatBytes(virtualSizeBytes)})` : ''
  if (disk.type === 'nvme') {
    const nvme = nvmeSourceText(disk)
    return `NVMe disk${nvme ? ` ${nvme}` : ''}${size} is host-local`
  }
  const mount = mountFor(ctx.source, disk.path!)
  return `${disk.path}${size} is on local ${mount ? `${mount.fstype} (${mount.target})` : 'storage'}`
}

function copyData(ctx: CheckContext, disk: Disk): Record<string, unknown> {
  const image = disk.path ? ctx.sourceProbes.get(disk.path)?.image : undefined
  const format = image?.format ?? disk.driver?.format
  return {
    target: disk.target.dev,
    path: disk.path ?? nvmeSourceText(disk),
    ...(format ? {format} : {}),
    ...(image ? {virtualSizeBytes: image.virtualSizeBytes} : {}),
  }
}
