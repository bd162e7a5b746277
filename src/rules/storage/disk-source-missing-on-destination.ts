import {bootFiles, type BootFile} from '../../domain/boot-files.js'
import {bootFileLabel, diskLabel} from '../../domain/labels.js'
import type {Disk} from '../../domain/types.js'
import type {HostFacts, PathProbe} from '../../hosts/facts-types.js'
import {formatBytes} from '../../units.js'
import {isSelectedForDetach} from '../helpers.js'
import {isSharedMount, mountFor, sameFileSystemType} from '../shared-fs.js'
import {destinationPath, disksToCopy, isDasdDisk, isRemovable, isScsiDisk, nfsShare} from '../storage-helpers.js'
import type {CheckContext, FindingDraft, Rule} from '../types.js'

/**
 * A disk the migration neither copies nor detaches is opened by the destination QEMU at its
 * destination path (the profile's disk-source mapping, else the same path), and must be the same
 * storage there; otherwise libvirt fails only once the migration has started ("Cannot access
 * storage file '…': No such file or directory") or, worse, the guest continues on another device.
 * The same holds for the `<os>` boot files — direct-boot kernel, initrd, firmware loader, NVRAM —
 * which QEMU opens when it starts on the destination and libvirt never copies.
 *
 * Which disks: every disk with a path that is not copied (disksToCopy: local writable images and
 * NVMe namespaces), not detached by the profile (devices.detach-for-migration), and that no more
 * specific rule owns: local read-only images and CD-ROMs are disk-copy-readonly's, DASDs the dasd-*
 * rules', multipath LUNs and host-local SCSI nodes the scsi-* rules', NFS exports that differ
 * nfs-not-shared's. What remains:
 * - a block device (LVM volume, a non-multipath device-mapper node, a node next to the images):
 *   the destination path must be a block device, and a device-mapper node (DM UUID read from
 *   /sys/block/dm-N/dm/uuid, or a multipath map's WWID) must map the same thing on both hosts;
 *   a device of another size is a warning;
 * - an image on a shared file system (shared-fs.ts): the destination must have the path on a
 *   shared file system of that type, and the file must exist there;
 * - a boot file: it must exist on the destination (a different size is a warning: another kernel).
 * Not probed on the destination, or the probe could not tell → warning.
 */
export const diskSourceMissingOnDestination: Rule = {
  id: 'disk-source-missing-on-destination',
  category: 'storage',
  severity: 'blocker',
  summary: 'A disk that is not copied, or a boot file (kernel, initrd, loader, NVRAM), is not the same storage at its path on the destination.',
  remedy:
    "Make the same storage available at the same path on the destination (attach the LUN or volume group, mount the shared file system, copy the boot file), map the disk to the destination's path (devices.mappings, kind disk-source), or detach the disk for the migration (devices.detach-for-migration).",
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): the destination must provide the same resources through the same configuration; libvirt docs/manpages/virsh.rst migrate (storage not copied must be shared); libvirt virStorageSourceReportBrokenChain ("Cannot access storage file")',
  check(ctx) {
    const findings: FindingDraft[] = []
    const copied = new Set(disksToCopy(ctx))
    for (const disk of ctx.guest.domain.disks) {
      if (disk.path === undefined || copied.has(disk) || isSelectedForDetach(ctx, disk)) continue
      const finding = disk.type === 'block' ? checkBlockDisk(ctx, disk) : disk.type === 'file' ? checkSharedFile(ctx, disk) : undefined
      if (finding) findings.push(finding)
    }
    for (const file of bootFiles(ctx.guest.domain)) {
      const finding = checkBootFile(ctx, file)
      if (finding) findings.push(finding)
    }
    return findings
  },
}

const DETACH_OR_MAP =
  "map the disk to the destination's path (devices.mappings, kind disk-source), or detach it for the migration (devices.detach-for-migration)"

/** The probe could not say what is at the path: not probed, or probed with an error. */
function unprobed(
  ctx: CheckContext,
  subject: string,
  what: string,
  dstPath: string,
  there: PathProbe | undefined,
  data: Record<string, unknown>,
): FindingDraft | undefined {
  if (there && (there.exists || there.fileType === 'missing')) return undefined
  return {
    subject,
    severity: 'warning',
    message: there?.error
      ? `${what} is not copied, and ${dstPath} could not be probed on ${ctx.destination.host}: ${there.error}`
      : `${what} is not copied, and ${dstPath} was not probed on ${ctx.destination.host}`,
    remedy: `Check that ${dstPath} on ${ctx.destination.host} is the same storage as ${what} on ${ctx.source.host}.`,
    data: {...data, reason: 'not-probed'},
  }
}

/** Both hosts' sizes of a path, when both are known and differ. */
function differentSizes(here: PathProbe | undefined, there: PathProbe): {sourceSizeBytes: number; destinationSizeBytes: number} | undefined {
  if (here?.sizeBytes === undefined || there.sizeBytes === undefined || here.sizeBytes === there.sizeBytes) return undefined
  return {sourceSizeBytes: here.sizeBytes, destinationSizeBytes: there.sizeBytes}
}

/**
 * What a device-mapper device maps, as it names it: the probe's DM UUID, else — for a multipath
 * map the facts know by its dm device — 'mpath-<WWID>' (multipath-tools' UUID prefix).
 */
function dmIdentity(facts: HostFacts, probe: PathProbe | undefined): string | undefined {
  if (probe?.dmUuid) return probe.dmUuid
  const map = probe?.kernelName ? facts.multipath.find((m) => m.dmDevice === probe.kernelName) : undefined
  return map ? `mpath-${map.wwid}` : undefined
}

function isDeviceMapper(facts: HostFacts, probe: PathProbe | undefined): boolean {
  return probe?.dmUuid !== undefined || /^dm-\d+$/.test(probe?.kernelName ?? '') || dmIdentity(facts, probe) !== undefined
}

function checkBlockDisk(ctx: CheckContext, disk: Disk): FindingDraft | undefined {
  if (isRemovable(disk) || isDasdDisk(ctx, disk) || isScsiDisk(ctx, disk)) return undefined
  const path = disk.path!
  const dstPath = destinationPath(ctx, disk) ?? path
  const here = ctx.sourceProbes.get(path)
  const there = ctx.destinationProbes.get(dstPath)
  const subject = diskLabel(disk)
  const base = {target: disk.target.dev, path, destinationPath: dstPath}
  const skipped = unprobed(ctx, subject, `block device ${path}`, dstPath, there, base)
  if (skipped || !there) return skipped
  const dest = ctx.destination.host
  if (!there.exists) {
    return {
      subject,
      message: `block device ${path} is not copied by the migration, and ${dstPath} does not exist on ${dest}`,
      remedy: `Make ${dstPath} on ${dest} the same device as on ${ctx.source.host} (attach the LUN, activate the volume group: vgchange -ay), or ${DETACH_OR_MAP}.`,
      data: {...base, reason: 'missing'},
    }
  }
  if (there.fileType !== 'block') {
    return {
      subject,
      message: `block device ${path} is not copied by the migration, and ${dstPath} is a ${there.fileType === 'regular' ? 'regular file' : there.fileType} on ${dest}, not a block device`,
      remedy: `Replace ${dstPath} on ${dest} with the same block device as on ${ctx.source.host}, or ${DETACH_OR_MAP}.`,
      data: {...base, reason: 'not-block'},
    }
  }
  const sourceDm = isDeviceMapper(ctx.source, here)
  const destinationDm = isDeviceMapper(ctx.destination, there)
  if (sourceDm || destinationDm) {
    const mine = dmIdentity(ctx.source, here)
    const theirs = dmIdentity(ctx.destination, there)
    const data = {...base, ...(mine ? {sourceDmUuid: mine} : {}), ...(theirs ? {destinationDmUuid: theirs} : {})}
    if (sourceDm !== destinationDm && here?.exists) {
      const dm = (p: PathProbe, uuid: string | undefined) => ['device-mapper device', p.kernelName, uuid && `(DM UUID ${uuid})`].filter(Boolean).join(' ')
      const plain = (p: PathProbe) => `${p.kernelName ?? 'a block device'}, not a device-mapper device`
      return {
        subject,
        message: `${path} is ${sourceDm ? dm(here, mine) : plain(here)} on ${ctx.source.host}, but ${dstPath} is ${destinationDm ? dm(there, theirs) : plain(there)} on ${dest}: another device`,
        remedy: `Address the disk by a node that names the same storage on both hosts (for device-mapper: /dev/disk/by-id/dm-uuid-<DM UUID>), or ${DETACH_OR_MAP}.`,
        data: {...data, reason: 'not-device-mapper'},
      }
    }
    if (mine && theirs && mine !== theirs) {
      return {
        subject,
        message: `${path} maps DM UUID ${mine} on ${ctx.source.host}, but ${dstPath} maps ${theirs} on ${dest}: another device`,
        remedy: `Make ${dstPath} on ${dest} the device with DM UUID ${mine} (the same LUN or logical volume), address the disk by /dev/disk/by-id/dm-uuid-${mine}, or ${DETACH_OR_MAP}.`,
        data: {...data, reason: 'dm-uuid-differs'},
      }
    }
    if (!mine || !theirs) {
      return {
        subject,
        severity: 'warning',
        message: `${path} is a device-mapper device, and its DM UUID is unknown on ${mine ? dest : ctx.source.host}: cannot tell that ${dstPath} on ${dest} maps the same storage`,
        remedy: `Compare dmsetup info -c -o uuid for ${path} on ${ctx.source.host} and ${dstPath} on ${dest}; they must be equal.`,
        data: {...data, reason: 'dm-uuid-unknown'},
      }
    }
    return undefined
  }
  const sizes = differentSizes(here, there)
  if (sizes) {
    return {
      subject,
      severity: 'warning',
      message: `block device ${path} is ${formatBytes(sizes.sourceSizeBytes)} on ${ctx.source.host} but ${dstPath} is ${formatBytes(sizes.destinationSizeBytes)} on ${dest}: probably another device`,
      remedy: `Check that ${dstPath} on ${dest} is the same storage as ${path} on ${ctx.source.host}; the guest would continue on whatever device it is.`,
      data: {...base, reason: 'size-differs', ...sizes},
    }
  }
  return undefined
}

/**
 * An image on a shared file system (local images are copied, or disk-copy-readonly's). NFS is
 * nfs-not-shared's while the destination reaches another export; once it reaches the same one,
 * the file must still be there.
 */
function checkSharedFile(ctx: CheckContext, disk: Disk): FindingDraft | undefined {
  const path = disk.path!
  const sourceMount = mountFor(ctx.source, path)
  if (!sourceMount || !isSharedMount(sourceMount)) return undefined
  const nfs = nfsShare(ctx, disk)
  if (nfs?.problem) return undefined
  const dstPath = destinationPath(ctx, disk) ?? path
  const subject = diskLabel(disk)
  const dest = ctx.destination.host
  const base = {target: disk.target.dev, path, destinationPath: dstPath, fstype: sourceMount.fstype, mountPoint: sourceMount.target}
  const destinationMount = mountFor(ctx.destination, dstPath)
  if (!nfs && !(destinationMount && sameFileSystemType(destinationMount.fstype, sourceMount.fstype))) {
    const where = destinationMount ? `on ${destinationMount.fstype} ${destinationMount.source} (${destinationMount.target})` : 'on no known mount'
    return {
      subject,
      message: `${path} is on shared ${sourceMount.fstype} ${sourceMount.source} (${sourceMount.target}) on ${ctx.source.host} and is not copied, but ${dstPath} is ${where} on ${dest}`,
      remedy: `Mount ${sourceMount.source} (${sourceMount.fstype}) at ${sourceMount.target} on ${dest}, as on ${ctx.source.host}, or ${DETACH_OR_MAP}.`,
      data: {...base, reason: 'not-shared', ...(destinationMount ? {destinationFstype: destinationMount.fstype} : {})},
    }
  }
  const there = ctx.destinationProbes.get(dstPath)
  const skipped = unprobed(ctx, subject, `${path} on shared ${sourceMount.fstype}`, dstPath, there, base)
  if (skipped || !there) return skipped
  if (there.exists && there.fileType !== 'directory') return undefined
  return {
    subject,
    message: `${path} is on shared ${sourceMount.fstype} (${sourceMount.target}) and is not copied, but ${dstPath} ${there.exists ? 'is a directory' : 'does not exist'} on ${dest}`,
    remedy: `Check that ${sourceMount.target} on ${dest} is the same ${sourceMount.fstype} file system as on ${ctx.source.host} (the same file must be visible at ${dstPath}), or ${DETACH_OR_MAP}.`,
    data: {...base, reason: there.exists ? 'directory' : 'missing'},
  }
}

function checkBootFile(ctx: CheckContext, file: BootFile): FindingDraft | undefined {
  const subject = bootFileLabel(file)
  const dest = ctx.destination.host
  const data = {kind: file.kind, path: file.path}
  const there = ctx.destinationProbes.get(file.path)
  const copyIt = `Copy ${file.path} from ${ctx.source.host} to the same path on ${dest} (e.g. scp -p, keeping owner and SELinux label), or keep the guest's boot files on a file system both hosts mount.`
  const skipped = unprobed(ctx, subject, `the ${file.kind} ${file.path}`, file.path, there, data)
  if (skipped || !there) return skipped
  if (!there.exists || there.fileType === 'directory') {
    return {
      subject,
      message: `QEMU opens the ${file.kind} ${file.path} when the guest starts on ${dest}, and it ${there.exists ? 'is a directory' : 'does not exist'} there; libvirt does not copy boot files`,
      remedy: file.kind === 'nvram' ? `${copyIt} The NVRAM file holds the guest's firmware variables: copy the source's, not a template.` : copyIt,
      data: {...data, reason: there.exists ? 'directory' : 'missing'},
    }
  }
  const sizes = differentSizes(ctx.sourceProbes.get(file.path), there)
  if (sizes) {
    return {
      subject,
      severity: 'warning',
      message: `the ${file.kind} ${file.path} is ${formatBytes(sizes.sourceSizeBytes)} on ${ctx.source.host} but ${formatBytes(sizes.destinationSizeBytes)} on ${dest}: another file, which the guest boots from after its next restart`,
      remedy: copyIt,
      data: {...data, reason: 'size-differs', ...sizes},
    }
  }
  return undefined
}
