import {hostdevLabel} from '../../domain/labels.js'
import {compact} from '../device-helpers.js'
import {isSelectedForDetach} from '../helpers.js'
import type {Rule} from '../types.js'

/**
 * A vhost-scsi device (`<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost'
 * wwpn='naa.…'/>`) hands the guest a LIO target of the host kernel. QEMU refuses to migrate it:
 * vhost-scsi adds the migration blocker "vhost-scsi does not support migration in all cases …
 * set 'migratable' property to true" (hw/scsi/vhost-scsi.c) unless the device's migratable
 * property is on, and libvirt never sets it (qemuBuildSCSIVHostHostdevDevProps) — the target's
 * state and LUNs would have to move with the guest. So it blocks a live migration unless the
 * profile detaches it (devices.detach-for-migration); then profile-detach-device reports the
 * detach as an action, and the destination needs a vhost target with the same WWPN (targetcli)
 * for the re-attach.
 */
export const vhostScsiDevice: Rule = {
  id: 'vhost-scsi-device',
  category: 'devices',
  severity: 'blocker',
  summary: 'A vhost-scsi device (scsi_host hostdev) blocks live migration unless the profile detaches it.',
  remedy:
    'Detach the device before migrating (virsh detach-device <guest> <hostdev.xml> --live) and re-attach it once the destination has the same vhost target (targetcli /vhost create <wwpn>, with the same LUNs), or select it in the profile (devices.detach-for-migration) so zmigrate detaches and re-attaches it.',
  source:
    'QEMU hw/scsi/vhost-scsi.c (migration blocker unless migratable=on); libvirt docs/formatdomain.rst hostdev type scsi_host (protocol vhost, wwpn) and src/qemu/qemu_command.c (no migratable property)',
  check(ctx) {
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'scsi_host' && !isSelectedForDetach(ctx, h))
      .map((h) => {
        const wwpn = h.scsiHostSource?.wwpn
        const protocol = h.scsiHostSource?.protocol
        return {
          subject: hostdevLabel(h),
          message: `vhost-scsi target ${wwpn ?? '(no wwpn)'}${protocol && protocol !== 'vhost' ? ` (protocol ${protocol})` : ''}: QEMU blocks live migration of vhost-scsi ("vhost-scsi does not support migration in all cases") and libvirt does not mark it migratable; the profile does not select it for detach`,
          remedy: `Detach it before migrating (virsh detach-device ${ctx.guest.name} <hostdev.xml> --live) and re-attach it after creating the same vhost target on ${ctx.destination.host} (targetcli /vhost create ${wwpn ?? '<wwpn>'}, same LUNs), or let zmigrate do it: select it in the profile (devices.detach-for-migration: kind hostdev, source ${wwpn ?? '<wwpn>'}).`,
          data: compact({deviceIndex: h.index, wwpn, protocol}),
        }
      })
  },
}
