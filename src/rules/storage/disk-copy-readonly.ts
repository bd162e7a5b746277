import {diskLabel} from '../../domain/labels.js'
import type {PathProbe} from '../../hosts/facts-types.js'
import {formatBytes} from '../../units.js'
import {isSelectedForDetach} from '../helpers.js'
import {destinationPath, isLocalFileImage, isRemovable} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * Disk migration copies only writable disks: libvirt leaves read-only disks and CD-ROMs out of
 * --copy-storage-all (qemuMigrationAnyCopyDisk), and IBM requires a migrated local resource to
 * be writable. A local read-only image or a CD-ROM/floppy with a local source is therefore not
 * copied; the destination QEMU opens the same path and must find the same medium there.
 *
 * For each such disk with a source (empty drives are skipped), not detached by the profile:
 * the destination path (profile mapping, else the same) missing on the destination → blocker;
 * present with a different size → warning (probably another medium); same size → nothing.
 * Not probed on the destination → warning.
 */
export const diskCopyReadonly: Rule = {
  id: 'disk-copy-readonly',
  category: 'storage',
  severity: 'blocker',
  summary: 'A local read-only disk or CD-ROM image is not copied by the migration and must already exist on the destination.',
  remedy:
    'Copy the image to the same path on the destination (e.g. scp or rsync the ISO), or eject the medium (virsh change-media <guest> <target> --eject) before migrating.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): migrated local resources must be writable and exist on the destination at the same path; libvirt qemuMigrationAnyCopyDisk (read-only disks are not copied)',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const disk of ctx.guest.domain.disks) {
      if (disk.path === undefined || !(disk.readonly || isRemovable(disk)) || isSelectedForDetach(ctx, disk)) continue
      const local = isLocalFileImage(ctx, disk) || (disk.type === 'block' && isRemovable(disk))
      if (!local) continue
      const dstPath = destinationPath(ctx, disk) ?? disk.path
      const there = ctx.destinationProbes.get(dstPath)
      const kind = isRemovable(disk) ? `${disk.device} medium` : 'read-only image'
      const data = {target: disk.target.dev, path: disk.path, destinationPath: dstPath}
      if (!there) {
        findings.push({
          subject: diskLabel(disk),
          severity: 'warning',
          message: `${kind} ${disk.path} is not copied, and ${dstPath} was not probed on ${ctx.destination.host}`,
          remedy: `Check that ${dstPath} exists on ${ctx.destination.host} and is the same medium, or eject it before migrating.`,
          data,
        })
        continue
      }
      if (!there.exists || there.fileType === 'directory') {
        findings.push({
          subject: diskLabel(disk),
          message: `${kind} ${disk.path} is not copied by the migration, and ${dstPath} ${there.exists ? 'is a directory' : 'does not exist'} on ${ctx.destination.host}`,
          remedy: `Copy ${disk.path} to ${dstPath} on ${ctx.destination.host}${isRemovable(disk) ? `, or eject it first (virsh change-media ${ctx.guest.name} ${disk.target.dev} --eject)` : ''}.`,
          data,
        })
        continue
      }
      const here = ctx.sourceProbes.get(disk.path)
      const [a, b] = comparableSizes(here, there)
      if (a !== undefined && b !== undefined && a !== b) {
        findings.push({
          subject: diskLabel(disk),
          severity: 'warning',
          message: `${kind} ${disk.path} is ${formatBytes(a)} on ${ctx.source.host} but ${dstPath} is ${formatBytes(b)} on ${ctx.destination.host}: probably another medium`,
          remedy: `Replace ${dstPath} on ${ctx.destination.host} with a copy of the source's ${disk.path}.`,
          data: {...data, sourceSizeBytes: a, destinationSizeBytes: b},
        })
      }
    }
    return findings
  },
}

/** File sizes when both sides have them, else image virtual sizes when both have those. */
function comparableSizes(a: PathProbe | undefined, b: PathProbe): [number | undefined, number | undefined] {
  if (a?.sizeBytes !== undefined && b.sizeBytes !== undefined) return [a.sizeBytes, b.sizeBytes]
  return [a?.image?.virtualSizeBytes, b.image?.virtualSizeBytes]
}
