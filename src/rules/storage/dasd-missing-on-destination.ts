import {diskLabel} from '../../domain/labels.js'
import {dasdBasesWithUid, guestDasdDisks, listBusIds, offlineAtSameBusId, offlineDasdsWithoutUid} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * DASD is shared storage: the destination must see the very same volume (IBM: the destination
 * needs an equivalent resource, reached through the same configuration). The volume's identity
 * is its storage-server UID — from the source facts, or from the name of a by-id node
 * (ccw-<UID> / ccw-<XUID>) when the source cannot resolve it.
 *
 * Fires when no base device on the destination has that UID. Offline devices report no UID
 * (the kernel reads it only once a device is online), so when the volume's bus-ID (by-path node,
 * else the source's) is offline there, dasd-base-offline reports it instead; otherwise the
 * message lists the destination's offline DASDs of unknown identity, one of which may be it.
 */
export const dasdMissingOnDestination: Rule = {
  id: 'dasd-missing-on-destination',
  category: 'storage',
  severity: 'blocker',
  summary: 'A DASD volume the guest uses is not attached to the destination under any bus-ID.',
  remedy:
    'Give the destination LPAR access to the volume (IOCDS / storage-server host access), then set it online with chzdev -e dasd <bus-ID>; check with lsdasd -u that the UID matches.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): DASDs must be accessible from both hosts, base and alias devices set online on the destination',
  check(ctx) {
    const findings: FindingDraft[] = []
    const unknown = offlineDasdsWithoutUid(ctx.destination)
    for (const ref of guestDasdDisks(ctx)) {
      if (dasdBasesWithUid(ctx.destination, ref.uid).length > 0) continue
      if (offlineAtSameBusId(ctx.destination, ref)) continue // dasd-base-offline: same bus-ID, offline, UID unreadable
      const atBusId = ref.byPathBusId ? ctx.destination.dasd.find((d) => d.busId === ref.byPathBusId) : undefined
      const where = ref.sourceBusId ? ` (${ref.sourceBusId} on ${ctx.source.host})` : ''
      const parts = [`volume ${ref.uid}${where} is on no bus-ID of ${ctx.destination.host}`]
      if (atBusId?.uid) parts.push(`${atBusId.busId} there is volume ${atBusId.uid}, so ${ref.path} would open the wrong volume`)
      if (unknown.length > 0) parts.push(`${unknown.length} offline DASD(s) there have no readable UID: ${listBusIds(unknown)}`)
      findings.push({
        subject: diskLabel(ref.disk),
        message: parts.join('; '),
        remedy:
          unknown.length > 0
            ? `If volume ${ref.uid} is one of ${ctx.destination.host}'s offline DASDs (${listBusIds(unknown)}), set it online (chzdev -e dasd <bus-ID>) and check lsdasd -u; otherwise give ${ctx.destination.host} access to the volume in its IOCDS and the storage server.`
            : `Give ${ctx.destination.host} access to volume ${ref.uid} (IOCDS and storage-server host access), set it online with chzdev -e dasd <bus-ID>, and check lsdasd -u.`,
        data: {
          target: ref.disk.target.dev,
          path: ref.path,
          uid: ref.uid,
          ...(ref.sourceBusId ? {sourceBusId: ref.sourceBusId} : {}),
          unknownOfflineBusIds: unknown.map((d) => d.busId),
        },
      })
    }
    return findings
  },
}
