import {filesystemLabel, filesystemProtocol} from '../../domain/labels.js'
import {compact} from '../device-helpers.js'
import {isSelectedForDetach} from '../helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * Host directories shared into the guest block live migration:
 * - virtio-fs: libvirt refuses with "migration with virtiofs device is not supported"
 *   (src/qemu/qemu_migration.c, qemuMigrationSrcIsAllowed; since 2024 libvirt lets it through
 *   when virtiofsd is launched externally or reports the migrate-precopy feature, patch by
 *   J. Tomko, libvir-list 2024 — and virtiofsd ≥ 1.11 migrates only its state, never the
 *   data), and IBM requires virtio-fs file systems to be unmounted in the guest before a live
 *   migration (IBM-DD "Live guest migration").
 * - virtio-9p: QEMU adds a migration blocker as soon as the guest mounts the export — "Migration
 *   is disabled when VirtFS export path '…' is mounted in the guest using mount_tag '…'" (qemu
 *   hw/9pfs/9p.c, v9fs_attach) — and lifts it only when the guest unmounts it.
 * When the profile selects a virtio-fs device for detach, zmigrate unplugs it (after the guest
 * has unmounted it) and plugs it back on the destination with the same source directory.
 * A 9p device cannot be unplugged live (libvirt: "only virtiofs filesystems can be hotplugged"),
 * so it stays a blocker; if the guest has unmounted it, the admin can override this rule.
 */
export const sharedFilesystem: Rule = {
  id: 'shared-filesystem',
  category: 'devices',
  severity: 'blocker',
  summary: 'A host directory shared with virtio-fs or virtio-9p blocks live migration.',
  remedy:
    'Unmount the share in the guest and detach the <filesystem> before migrating (or select a virtio-fs device for detach in the profile, devices.detach-for-migration), make the same directory available on the destination, and re-attach it there.',
  source:
    'IBM Device Drivers, Features, and Commands, "Live guest migration" (unmount virtio-fs); libvirt src/qemu/qemu_migration.c ("migration with virtiofs device is not supported"); QEMU hw/9pfs/9p.c (VirtFS migration blocker)',
  check(ctx) {
    const dest = ctx.destination.host
    const out: FindingDraft[] = []
    for (const fs of ctx.guest.domain.filesystems) {
      const data = compact({deviceIndex: fs.index, kind: 'filesystem', target: fs.target, source: fs.sourceDir, destinationSource: fs.sourceDir})
      if (filesystemProtocol(fs) === 'virtiofs') {
        const subject = filesystemLabel(fs)
        if (isSelectedForDetach(ctx, fs)) {
          out.push({
            subject,
            message: `unplugged before migration and plugged back on ${dest} with source ${fs.sourceDir ?? '(none)'} (site profile); the guest must unmount mount_tag '${fs.target ?? '?'}' first (IBM)`,
            severity: 'action',
            remedy: `Unmount '${fs.target ?? '<tag>'}' in guest ${ctx.guest.name} before migrating and make ${fs.sourceDir ?? 'the directory'} available on ${dest}; zmigrate unplugs and re-plugs the device.`,
            data,
            fix: {kind: 'move-device', deviceIndex: fs.index, identity: {kind: 'same'}},
          })
          continue
        }
        out.push({
          subject,
          message: `virtio-fs share of ${fs.sourceDir ?? '(no source)'} as mount_tag '${fs.target ?? '?'}': libvirt refuses "migration with virtiofs device is not supported" and IBM requires it unmounted in the guest`,
          remedy: `Unmount '${fs.target ?? '<tag>'}' in guest ${ctx.guest.name} and detach the <filesystem> before migrating, or select it in the profile (devices.detach-for-migration: kind filesystem, source ${fs.sourceDir ?? '<dir>'}) so zmigrate unplugs it and re-plugs it on ${dest}.`,
          data,
        })
      } else if (filesystemProtocol(fs) === '9p') {
        const selected = isSelectedForDetach(ctx, fs)
        out.push({
          subject: filesystemLabel(fs),
          message: `virtio-9p share of ${fs.sourceDir ?? '(no source)'} as mount_tag '${fs.target ?? '?'}': QEMU blocks migration while it is mounted in the guest ("Migration is disabled when VirtFS export path … is mounted")${selected ? '; the profile selects it for detach, but libvirt can hot-unplug only virtio-fs file systems' : ''}`,
          remedy: `Unmount '${fs.target ?? '<tag>'}' in guest ${ctx.guest.name} (QEMU lifts its blocker then) and override this rule in the profile with the reason, or remove the 9p share from the guest (virsh detach-device --config, then restart it).`,
          data,
        })
      }
    }
    return out
  },
}
