import {hostdevLabel} from '../../domain/labels.js'
import {compact} from '../device-helpers.js'
import type {Rule} from '../types.js'

/**
 * A mediated device of any model other than vfio-ccw and vfio-ap (e.g. `model='vfio-pci'`, a
 * vGPU or other PCI mdev) blocks live migration unless its vendor driver implements VFIO
 * migration (QEMU hw/vfio/migration.c: "VFIO device doesn't support migration"; older libvirt
 * refuses `<hostdev mode='subsystem' type='mdev'>` outright, qemu_migration.c). zmigrate knows
 * no way to find such a device's equivalent on the destination or to tell whether its driver
 * migrates, so it does not detach it: an admin must remove it (or migrate offline).
 */
export const mdevOther: Rule = {
  id: 'mdev-other',
  category: 'devices',
  severity: 'blocker',
  summary: 'A mediated device other than vfio-ccw or vfio-ap blocks live migration.',
  remedy:
    "Detach the mediated device from the guest before migrating (virsh detach-device <guest> <hostdev.xml> --live) and attach the destination's equivalent afterwards, or migrate the guest offline.",
  source:
    'QEMU hw/vfio/migration.c ("VFIO device doesn\'t support migration"); libvirt src/qemu/qemu_migration.c (qemuMigrationSrcIsAllowedHostdev); IBM Device Drivers, Features, and Commands, "Live guest migration"',
  check(ctx) {
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'mdev' && h.model !== 'vfio-ccw' && h.model !== 'vfio-ap')
      .map((h) => ({
        subject: hostdevLabel(h),
        message: `mediated device ${h.mdevUuid ?? '(no uuid)'} of model ${h.model ?? '(none)'} blocks live migration and zmigrate cannot re-create it on ${ctx.destination.host}`,
        remedy: `Detach it before migrating (virsh detach-device ${ctx.guest.name} <hostdev.xml> --live) and attach the equivalent mdev on ${ctx.destination.host} afterwards, or migrate the guest offline.`,
        data: compact({deviceIndex: h.index, sourceUuid: h.mdevUuid, model: h.model}),
      }))
  },
}
