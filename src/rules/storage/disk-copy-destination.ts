import {posix} from 'node:path'
import {diskLabel, nvmeSourceText} from '../../domain/labels.js'
import type {Disk} from '../../domain/types.js'
import {formatBytes} from '../../units.js'
import {declaredImage} from '../disk-image.js'
import {mountFor} from '../shared-fs.js'
import {destinationPath, disksToCopy} from '../storage-helpers.js'
import type {CheckContext, FindingDraft, Rule} from '../types.js'

/**
 * --copy-storage-all mirrors each local disk into an image at the same path on the
 * destination. libvirt uses an existing image as is — it must have the source's format and
 * virtual size — and creates a missing one only inside a storage pool whose target path is the
 * image's directory (qemuMigrationDstPrecreateDisk looks the pool up by target path); otherwise
 * zmigrate's plan pre-creates it, which needs the directory. Either way the file system must
 * hold the copy.
 *
 * The format is the one the domain XML declares (both hosts' images are read as it); the sizes
 * are what qemu-img read with it. For each disk the migration copies (policy copy-storage: auto),
 * at its destination path:
 * - exists, and qemu-img cannot read it as the declared format, or its virtual size is another
 *   than the source image's → blocker;
 * - missing, and its directory neither exists nor is an active storage pool's target → blocker;
 * - missing, and the free space there (destination probe, else the pool's available bytes) is
 *   less than the copy needs — raw: the virtual size; qcow2: the source's allocation when known,
 *   else the virtual size — counting every copied disk bound for the same file system → blocker;
 * - not probed → warning.
 * NVMe disks need an NVMe function at the same host PCI address on the destination.
 */
export const diskCopyDestination: Rule = {
  id: 'disk-copy-destination',
  category: 'storage',
  severity: 'blocker',
  summary: 'The destination cannot hold the copy of a local disk at the same path (wrong existing image, no directory, or no space).',
  remedy:
    'Pre-create the image on the destination with the source format and virtual size (qemu-img create -f <format> <path> <size>), create the directory or a libvirt storage pool for it, or free space on the destination file system.',
  source:
    'libvirt docs/manpages/virsh.rst migrate --copy-storage-all (destination images must exist with correct format and size, or be creatable in a storage pool); libvirt src/qemu/qemu_migration.c qemuMigrationDstPrecreateDisk; IBM KVM Virtual Server Management ldva_c_migration_VSresources (equivalent resource, same configuration)',
  check(ctx) {
    if (ctx.profile.migration.copyStorage === 'never') return []
    const findings: FindingDraft[] = []
    const claimed = new Map<string, {bytes: number; targets: string[]}>()
    for (const disk of disksToCopy(ctx)) {
      if (disk.type === 'nvme') {
        const finding = checkNvme(ctx, disk)
        if (finding) findings.push(finding)
        continue
      }
      const path = disk.path!
      const dstPath = destinationPath(ctx, disk) ?? path
      const declared = declaredImage(disk, ctx.sourceProbes.get(path))
      if ('error' in declared) continue // local-disk-copy blocks the copy, naming the format
      const {format, image} = declared
      const there = ctx.destinationProbes.get(dstPath)
      const subject = diskLabel(disk)
      const data = {target: disk.target.dev, path, destinationPath: dstPath, format, ...(image ? {virtualSizeBytes: image.virtualSizeBytes} : {})}
      if (!there) {
        findings.push({
          subject,
          severity: 'warning',
          message: `${dstPath} was not probed on ${ctx.destination.host}; cannot tell whether the copy of ${disk.target.dev} fits there`,
          remedy: `Check that ${posix.dirname(dstPath)} exists on ${ctx.destination.host} with room for the image.`,
          data,
        })
        continue
      }
      if (there.exists) {
        if (there.fileType === 'directory') {
          findings.push({subject, message: `${dstPath} is a directory on ${ctx.destination.host}`, data})
          continue
        }
        const theirs = there.image?.format === format ? there.image : undefined
        const recreate = `Remove or rename ${dstPath} on ${ctx.destination.host} and let the plan create it, or recreate it: qemu-img create -f ${format} ${dstPath} ${image?.virtualSizeBytes ?? '<size>'}`
        if (!theirs && there.fileType === 'regular' && there.error) {
          findings.push({
            subject,
            message: `${dstPath} exists on ${ctx.destination.host} but cannot be read as ${format}, the format ${disk.target.dev} declares: ${there.error}`,
            remedy: recreate,
            data,
          })
        } else if (image && theirs && theirs.virtualSizeBytes !== image.virtualSizeBytes) {
          findings.push({
            subject,
            message: `${dstPath} exists on ${ctx.destination.host} with format ${format}, ${formatBytes(theirs.virtualSizeBytes)}; source is ${format} ${formatBytes(image.virtualSizeBytes)}`,
            remedy: recreate,
            data: {...data, destinationVirtualSizeBytes: theirs.virtualSizeBytes},
          })
        }
        continue
      }
      const dir = posix.dirname(dstPath)
      const pool = ctx.destination.storagePools.find((p) => p.active && p.targetPath !== undefined && p.targetPath.replace(/\/+$/, '') === dir)
      if (there.existingParent !== dir && !pool) {
        findings.push({
          subject,
          message: `${dstPath} would be created on ${ctx.destination.host}, but its directory ${dir} does not exist there${there.existingParent ? ` (closest: ${there.existingParent})` : ''} and is no storage pool's target`,
          remedy: `mkdir -p ${dir} on ${ctx.destination.host} with the labels of the source directory (or define a dir storage pool with target ${dir}).`,
          data,
        })
        continue
      }
      const need = format === 'qcow2' ? (image?.actualSizeBytes ?? image?.virtualSizeBytes) : image?.virtualSizeBytes
      const free = there.freeBytes ?? pool?.availableBytes
      if (need === undefined || free === undefined) continue
      const fsKey = mountFor(ctx.destination, dstPath)?.target ?? dir
      const before = claimed.get(fsKey) ?? {bytes: 0, targets: []}
      const total = {bytes: before.bytes + need, targets: [...before.targets, disk.target.dev]}
      claimed.set(fsKey, total)
      if (total.bytes <= free) continue
      const together = total.targets.length > 1 ? ` (${formatBytes(total.bytes)} with ${total.targets.slice(0, -1).join(', ')})` : ''
      findings.push({
        subject,
        message: `copy of ${disk.target.dev} needs ${formatBytes(need)}${together} in ${fsKey} on ${ctx.destination.host}, which has ${formatBytes(free)} free`,
        remedy: `Free at least ${formatBytes(total.bytes - free)} in ${fsKey} on ${ctx.destination.host}, or map the disk to a larger file system (devices.mappings, kind disk-source).`,
        data: {...data, neededBytes: need, totalNeededBytes: total.bytes, freeBytes: free},
      })
    }
    return findings
  },
}

function checkNvme(ctx: CheckContext, disk: Disk): FindingDraft | undefined {
  const address = disk.source?.nvme?.address
  if (!address) return undefined
  const text = nvmeSourceText(disk)!
  const pciAddress = text.split(' ')[1]
  const there = ctx.destination.pci.find((f) => f.address === pciAddress)
  if (there?.kind === 'nvme') return undefined
  const others = ctx.destination.pci.filter((f) => f.kind === 'nvme').map((f) => `${f.address}${f.fid ? ` (FID ${f.fid})` : ''}`)
  return {
    subject: diskLabel(disk),
    message: `${disk.target.dev} is ${text} on ${ctx.source.host}; ${ctx.destination.host} has ${there ? `a ${there.kind} function` : 'no PCI function'} at ${pciAddress} to copy it to${others.length > 0 ? ` (its NVMe functions: ${others.join(', ')})` : ''}`,
    remedy: `Attach an NVMe device at PCI address ${pciAddress} to ${ctx.destination.host} (same namespace, at least the same size), or move the disk to shared storage.`,
    data: {target: disk.target.dev, nvme: text, destinationNvme: ctx.destination.pci.filter((f) => f.kind === 'nvme').map((f) => f.address)},
  }
}
