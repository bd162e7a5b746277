import {diskLabel} from '../../domain/labels.js'
import {busIdFromByPath, dasdBasesWithUid, destinationPath, guestDasdDisks} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * A by-path node (/dev/disk/by-path/ccw-<bus-ID>) names a device number, and device numbers
 * come from each machine's IOCDS. When the destination has the same volume under another
 * bus-ID, the node there is missing or — worse — opens a different volume. IBM's rule: with
 * by-path nodes both hosts must define the volumes with identical device numbers; otherwise use
 * the udev by-id node, which names the storage-server UID.
 *
 * Fires when the source resolves the by-path node to a DASD with UID U and the destination has
 * U only under other bus-IDs (the node's bus-ID there is absent, offline with no readable UID,
 * or another volume). A profile disk-source mapping to a node that does reach U on the
 * destination clears it. When U is on no bus-ID at all, dasd-missing-on-destination reports it.
 */
export const dasdDevnoMismatch: Rule = {
  id: 'dasd-devno-mismatch',
  category: 'storage',
  severity: 'blocker',
  summary: 'A DASD addressed by its by-path node has a different device number (bus-ID) on the destination.',
  remedy:
    'Address the disk by its UID (/dev/disk/by-id/ccw-<UID>) with virsh edit, or define the volume with the same device number in both IOCDSs; or map the disk source in the profile (devices.mappings, kind disk-source).',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): by-path DASD nodes need identical device numbers on both hosts; IBM Device Drivers, "Device directories" (lddd_c_sys_dev_att)',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const ref of guestDasdDisks(ctx)) {
      if (!ref.byPathBusId) continue
      const busId = ref.byPathBusId
      const elsewhere = dasdBasesWithUid(ctx.destination, ref.uid)
      if (elsewhere.length === 0 || elsewhere.some((d) => d.busId === busId)) continue
      const mapped = destinationPath(ctx, ref.disk)
      const mappedBusId = mapped && mapped !== ref.path ? busIdFromByPath(mapped) : undefined
      if (mapped !== ref.path && (mappedBusId === undefined || elsewhere.some((d) => d.busId === mappedBusId))) continue
      const there = ctx.destination.dasd.find((d) => d.busId === busId)
      const thereText = !there
        ? `${busId} does not exist there`
        : there.uid
          ? `${busId} is volume ${there.uid} there`
          : `${busId} is offline there (UID unreadable)`
      const targets = elsewhere.map((d) => d.busId)
      findings.push({
        subject: diskLabel(ref.disk),
        message: `${ref.path} is volume ${ref.uid} on ${ctx.source.host}; on ${ctx.destination.host} that volume is ${targets.join(', ')} and ${thereText}`,
        remedy: `Change the disk source to /dev/disk/by-id/ccw-${ref.uid} (virsh edit ${ctx.guest.name}), or give volume ${ref.uid} device number ${busId} in ${ctx.destination.host}'s IOCDS (it is ${targets[0]} now).`,
        data: {
          target: ref.disk.target.dev,
          path: ref.path,
          uid: ref.uid,
          sourceBusId: busId,
          destinationBusIds: targets,
          ...(there?.uid ? {destinationUidAtBusId: there.uid} : {}),
        },
      })
    }
    return findings
  },
}
