import {diskLabel} from '../../domain/labels.js'
import {type DasdDiskRef, dasdLcu, guestDasdDisks, listBusIds, offlineDasdsWithoutUid} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * PAV and HyperPAV alias devices let the host run several I/Os to one volume at once. They are
 * host-side only (the guest sees one virtio-blk device), so a missing alias does not break the
 * guest, but its disk I/O loses the parallelism it had on the source. IBM asks for a process that
 * sets base *and* alias devices online on the destination.
 *
 * Aliases belong to a logical control unit (LCU): the UID prefix <vendor>.<serial>.<ssid>.
 * HyperPAV alias UIDs end in '.xx'; a static PAV alias carries its base's unit address. One
 * finding per LCU the guest uses, and only when the source has online aliases in it:
 * - the destination has aliases of that LCU offline → action, fix set-dasd-online of them. Offline
 *   devices report neither `alias` nor `uid`, so an offline device of unknown identity at the
 *   bus-ID of one of the source's aliases counts as that alias (data.inferredBusIds);
 * - the destination has no alias of that LCU at all → warning (lower I/O parallelism), listing
 *   the unidentified offline DASDs there as candidates.
 */
export const dasdAliasOffline: Rule = {
  id: 'dasd-alias-offline',
  category: 'storage',
  severity: 'action',
  summary: "PAV/HyperPAV aliases the source uses for the guest's DASD volumes are offline or absent on the destination.",
  remedy:
    'zmigrate sets offline alias devices online (chzdev -e dasd <bus-IDs>); where the destination has no aliases for the control unit, define and set them online there (IOCDS, chzdev -e dasd) for the same I/O parallelism.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): set both base and alias devices online on the destination; kernel drivers/s390/block/dasd_devmap.c (alias UID format)',
  check(ctx) {
    const byLcu = new Map<string, DasdDiskRef[]>()
    for (const ref of guestDasdDisks(ctx)) {
      const lcu = dasdLcu(ref.uid)
      byLcu.set(lcu, [...(byLcu.get(lcu) ?? []), ref])
    }
    const findings: FindingDraft[] = []
    for (const [lcu, refs] of byLcu) {
      const inLcu = (uid: string | undefined) => uid !== undefined && dasdLcu(uid) === lcu
      const sourceAliases = ctx.source.dasd.filter((d) => d.alias && d.online && inLcu(d.uid))
      if (sourceAliases.length === 0) continue
      const destinationAliases = ctx.destination.dasd.filter((d) => d.alias && inLcu(d.uid))
      const sourceAliasBusIds = new Set(sourceAliases.map((d) => d.busId))
      const inferred = offlineDasdsWithoutUid(ctx.destination).filter((d) => sourceAliasBusIds.has(d.busId))
      const offline = [...destinationAliases.filter((d) => !d.online), ...inferred]
      const disks = `${refs.length > 1 ? 'disks' : 'disk'} ${refs.map((r) => r.disk.target.dev).join(', ')}`
      const subject = diskLabel(refs[0].disk)
      if (offline.length > 0) {
        const busIds = offline.map((d) => d.busId)
        findings.push({
          subject,
          message: `${offline.length} alias device(s) of control unit ${lcu} are offline on ${ctx.destination.host} (${listBusIds(offline)}${inferred.length > 0 ? `; ${listBusIds(inferred)} recognised by the source's alias bus-IDs only` : ''}); ${ctx.source.host} uses ${sourceAliases.length} (${disks})`,
          remedy: `chzdev -e dasd ${busIds.join(',')} on ${ctx.destination.host} (zmigrate's plan does this).`,
          data: {busIds, lcu, inferredBusIds: inferred.map((d) => d.busId), sourceAliasCount: sourceAliases.length},
          fix: {kind: 'set-dasd-online', busIds},
        })
      } else if (destinationAliases.length === 0) {
        const unknown = offlineDasdsWithoutUid(ctx.destination)
        const candidates = unknown.length > 0 ? `; offline DASDs of unknown identity there: ${listBusIds(unknown)}` : ''
        findings.push({
          subject,
          severity: 'warning',
          message: `${ctx.source.host} has ${sourceAliases.length} online alias device(s) for control unit ${lcu} (${listBusIds(sourceAliases)}); ${ctx.destination.host} has none, so ${disks} ${refs.length > 1 ? 'get' : 'gets'} less I/O parallelism${candidates}`,
          remedy: `Define PAV/HyperPAV aliases for control unit ${lcu} in ${ctx.destination.host}'s IOCDS and set them online (chzdev -e dasd <bus-IDs>)${unknown.length > 0 ? `; if they are among ${listBusIds(unknown)}, set those online` : ''}.`,
          data: {lcu, busIds: [], sourceAliasBusIds: sourceAliases.map((d) => d.busId), unknownOfflineBusIds: unknown.map((d) => d.busId)},
        })
      }
    }
    return findings
  },
}
