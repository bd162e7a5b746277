import {diskLabel} from '../../domain/labels.js'
import type {Controller, Disk} from '../../domain/types.js'
import {disksToCopy} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * IBM: a virtual block device backed by a local resource can only be migrated (disk migration)
 * when it does not use an I/O thread. IBM's own DASD example sets iothread=, which is fine for
 * shared DASD but not for a disk that has to be copied.
 *
 * Fires for each disk the migration copies (see local-disk-copy) that runs in an I/O thread:
 * `<driver iothread=…>` on the disk, or — for a scsi-bus disk — on its virtio-scsi controller.
 * Not reported when the policy is copy-storage: never (local-disk-copy blocks those disks).
 */
export const diskCopyIothread: Rule = {
  id: 'disk-copy-iothread',
  category: 'storage',
  severity: 'blocker',
  summary: 'A disk that must be copied to the destination uses an I/O thread, which disk migration does not allow.',
  remedy:
    "Remove the iothread attribute from the disk's <driver> (or its virtio-scsi controller's) with virsh edit and restart the guest, or move the image to shared storage.",
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): disk migration requires that the virtual block device does not use an I/O thread',
  check(ctx) {
    if (ctx.profile.migration.copyStorage === 'never') return []
    const findings: FindingDraft[] = []
    for (const disk of disksToCopy(ctx)) {
      const own = disk.driver?.iothread
      const controller = own ? undefined : scsiControllerWithIothread(ctx.guest.domain.controllers, disk)
      if (!own && !controller) continue
      findings.push({
        subject: diskLabel(disk),
        message: own
          ? `${disk.target.dev} must be copied and runs in I/O thread ${own} (<driver iothread='${own}'>)`
          : `${disk.target.dev} must be copied and its virtio-scsi controller ${controller!.controllerIndex ?? '0'} runs in I/O thread ${controller!.iothread}`,
        remedy: own
          ? `virsh edit ${ctx.guest.name}: remove iothread='${own}' from the <driver> of ${disk.target.dev}, then restart the guest.`
          : `virsh edit ${ctx.guest.name}: remove iothread='${controller!.iothread}' from the <driver> of scsi controller ${controller!.controllerIndex ?? '0'}, then restart the guest.`,
        data: {
          target: disk.target.dev,
          path: disk.path,
          iothread: own ?? controller!.iothread,
          ...(controller ? {controller: controller.controllerIndex ?? '0'} : {}),
        },
      })
    }
    return findings
  },
}

function scsiControllerWithIothread(controllers: readonly Controller[], disk: Disk): Controller | undefined {
  if (disk.target.bus !== 'scsi') return undefined
  const index = disk.address?.type === 'drive' ? ((disk.address as {controller?: string}).controller ?? '0') : '0'
  const controller = controllers.find((c) => c.type === 'scsi' && (c.controllerIndex ?? '0') === index)
  return controller?.iothread ? controller : undefined
}
