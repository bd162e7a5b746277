import {diskLabel} from '../../domain/labels.js'
import {blockDisks, dasdBlockName} from '../helpers.js'
import type {Rule} from '../types.js'

/**
 * /dev/dasdX names follow the order in which devices were set online, so the same name can
 * be a different volume on the destination (IBM-DD "Examples for udev-created DASD device
 * nodes"; IBM-KVM "Preservation of the virtual server resources").
 */
export const dasdUdevNode: Rule = {
  id: 'dasd-udev-node',
  category: 'storage',
  severity: 'blocker',
  summary: 'A DASD is addressed by its standard /dev/dasdX name, which is not stable across hosts.',
  remedy:
    'Change the disk source to the udev by-id node (/dev/disk/by-id/ccw-<UID>) — or by-path if both hosts use the same IOCDS device numbers — with virsh edit, then restart the guest.',
  source: 'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources)',
  check({guest}) {
    return blockDisks(guest.domain.disks)
      .filter((disk) => /^\/dev\/dasd[a-z]+\d*$/.test(disk.path!))
      .map((disk) => ({
        subject: diskLabel(disk),
        message: `uses the standard device node ${disk.path}; /dev/${dasdBlockName(disk.path!.slice(5)) ?? 'dasdX'} is assigned in set-online order and may be another volume on the destination`,
        data: {target: disk.target.dev, path: disk.path},
      }))
  },
}
