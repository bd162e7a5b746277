import {diskLabel, nvmeSourceText} from '../../domain/labels.js'
import type {Disk} from '../../domain/types.js'
import {migrationModeFor} from '../../profiles/types.js'
import {formatBytes} from '../../units.js'
import {declaredImage} from '../disk-image.js'
import {isSelectedForDetach} from '../helpers.js'
import {mountFor} from '../shared-fs.js'
import {disksToCopy, isLocalFileImage, isRemovable} from '../storage-helpers.js'
import type {CheckContext, FindingDraft, Rule} from '../types.js'

/**
 * A disk on host-local storage (an image file outside any shared file system, or an NVMe
 * namespace) does not exist on the destination: the migration must copy it (libvirt
 * --copy-storage-all, NBD mirroring). Without the copy libvirt refuses: "Migration without
 * shared storage is unsafe" (qemuMigrationSrcIsSafe). The shared file systems are the ones libvirt
 * treats as shared (shared-fs.ts).
 *
 * - writable, non-shareable local disk, not detached by the profile → action (the plan copies
 *   it); blocker when the site policy says copy-storage: never.
 * - the same disk of a guest that migrates offline (shut off, migration.mode auto or offline) →
 *   blocker: an offline migration moves the definition only, libvirt copies no storage for it
 *   ("offline migration cannot handle non-shared storage" with --copy-storage-all), so the
 *   destination would define the guest on an image it does not have while the image stays behind.
 * - shareable (writable) local disk → blocker: libvirt never copies shareable disks, and a
 *   copy would split what other guests share.
 * - a disk to copy whose path is not absolute, whose declared format QEMU does not know, or whose
 *   image qemu-img cannot read as that format on the source → blocker: the copy's image is created
 *   at that path in that format and size.
 * Fix: copy-disk of the target, with the image path of a file disk (the planner pre-creates it on
 * the destination in the declared format). data {target, path, format, virtualSizeBytes}: the
 * format the XML declares (raw when none, as libvirt opens it) and the virtual size qemu-img read
 * with it on the source.
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
    const offline = migrationModeFor(ctx.profile.migration, ctx.guest.state) === 'offline'
    for (const disk of disksToCopy(ctx)) {
      const data = copyData(ctx, disk)
      const problem = copyProblem(ctx, disk)
      if (problem) {
        findings.push({subject: diskLabel(disk), severity: 'blocker', ...problem, data})
        continue
      }
      const where = whereText(ctx, disk)
      if (offline) {
        findings.push({
          subject: diskLabel(disk),
          severity: 'blocker',
          message: `${where}, and the guest is ${ctx.guest.state}: an offline migration moves only its definition, so ${ctx.destination.host} would define it on an image it does not have`,
          remedy:
            'Start the guest so that it migrates live with its disk copied, move the image to storage both hosts share, or detach the disk for the migration (devices.detach-for-migration).',
          data,
        })
        continue
      }
      findings.push(
        never
          ? {
              subject: diskLabel(disk),
              severity: 'blocker',
              message: `${where} and needs copying to ${ctx.destination.host}, but the site policy says copy-storage: never`,
              remedy: `Move the disk to shared storage, detach it for the migration (devices.detach-for-migration), or allow copy-storage: auto in the profile.`,
              data,
            }
          : {
              subject: diskLabel(disk),
              message: `${where} and is copied to ${ctx.destination.host} during the migration`,
              data,
              fix: {kind: 'copy-disk', target: disk.target.dev, ...(disk.type === 'file' && disk.path !== undefined ? {path: disk.path} : {})},
            },
      )
    }
    for (const disk of ctx.guest.domain.disks) {
      if (!disk.shareable || disk.readonly || isRemovable(disk) || isSelectedForDetach(ctx, disk)) continue
      if (!isLocalFileImage(ctx, disk) && disk.type !== 'nvme') continue
      findings.push({
        subject: diskLabel(disk),
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
  const declared = declaredImage(disk, disk.path ? ctx.sourceProbes.get(disk.path) : undefined)
  return {
    target: disk.target.dev,
    path: disk.path ?? nvmeSourceText(disk),
    ...('format' in declared ? {format: declared.format} : {}),
    ...('image' in declared && declared.image ? {virtualSizeBytes: declared.image.virtualSizeBytes} : {}),
  }
}

/**
 * Why the copy's image cannot be created like the source's: a path that is not absolute (it could
 * read as an option of qemu-img), an unknown format, or an image qemu-img cannot read as it.
 */
function copyProblem(ctx: CheckContext, disk: Disk): {message: string; remedy: string} | undefined {
  if (disk.type === 'file' && disk.path !== undefined && !disk.path.startsWith('/')) {
    return {
      message: `${JSON.stringify(disk.path)} must be copied to ${ctx.destination.host}, but is not an absolute path`,
      remedy: `Name the image of ${disk.target.dev} by its absolute path in the domain XML.`,
    }
  }
  const probe = disk.path ? ctx.sourceProbes.get(disk.path) : undefined
  const declared = declaredImage(disk, probe)
  const fix = `Set <driver type> of ${disk.target.dev} in the domain XML to the image's real format (qemu-img info -f <format> ${disk.path ?? '<path>'} on ${ctx.source.host} reads it): libvirt opens the image as declared, and zmigrate creates the copy as declared.`
  if ('error' in declared) return {message: `${disk.target.dev} must be copied to ${ctx.destination.host}, but its ${declared.error}`, remedy: fix}
  if (disk.type === 'file' && probe?.exists && probe.fileType === 'regular' && !declared.image && probe.error) {
    return {
      message: `${disk.path} must be copied to ${ctx.destination.host}, but cannot be read as ${declared.format} on ${ctx.source.host}: ${probe.error}`,
      remedy: fix,
    }
  }
  return undefined
}
