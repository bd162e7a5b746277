import {diskLabel} from '../../domain/labels.js'
import {dasdBasesWithUid, guestDasdDisks, offlineAtSameBusId} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * The destination's QEMU opens the disk node on arrival; a DASD that is offline there has no
 * block device and no udev nodes, so the incoming guest fails to start. IBM asks for a process
 * that sets the base (and alias) devices online on the destination — zmigrate's plan does it.
 *
 * Fires (action) when the destination has the volume's base device only offline: a device
 * whose UID is the volume's, or else an offline device at the volume's bus-ID (the by-path
 * node's, or the source's), whose UID cannot be read until it is online — data.uidVerified
 * false: the plan must check the UID after setting it online. Fix: set-dasd-online of that bus-ID;
 * data {busId, uid} says which volume it is.
 */
export const dasdBaseOffline: Rule = {
  id: 'dasd-base-offline',
  category: 'storage',
  severity: 'action',
  summary: "The DASD volume's base device is offline on the destination; the plan sets it online.",
  remedy:
    'zmigrate sets the device online (chzdev -e dasd <bus-ID>, active and persistent) before migrating; to do it by hand run that command on the destination and check lsdasd -u.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): set base and alias devices online on the destination; IBM Device Drivers, "Setting a DASD online or offline"',
  check(ctx) {
    const findings: FindingDraft[] = []
    for (const ref of guestDasdDisks(ctx)) {
      const bases = dasdBasesWithUid(ctx.destination, ref.uid)
      if (bases.some((d) => d.online)) continue
      let busId: string | undefined
      let uidVerified = true
      if (bases.length > 0) {
        busId = (bases.find((d) => d.busId === ref.byPathBusId) ?? bases[0]).busId
      } else {
        const candidate = offlineAtSameBusId(ctx.destination, ref)
        if (candidate) {
          busId = candidate.busId
          uidVerified = false
        }
      }
      if (!busId) continue
      findings.push({
        subject: diskLabel(ref.disk),
        message: uidVerified
          ? `volume ${ref.uid} is offline on ${ctx.destination.host} (base device ${busId})`
          : `${busId} is offline on ${ctx.destination.host} (the volume's bus-ID on ${ctx.source.host}${ref.byPathBusId ? ' and in its by-path node' : ''}); its UID is read once it is online and must be ${ref.uid}`,
        remedy: `chzdev -e dasd ${busId} on ${ctx.destination.host} (zmigrate's plan does this), then lsdasd -u ${busId} shows UID ${ref.uid}.`,
        data: {busId, uid: ref.uid, uidVerified, target: ref.disk.target.dev},
        fix: {kind: 'set-dasd-online', busIds: [busId]},
      })
    }
    return findings
  },
}
