import {hostdevLabel} from '../../domain/labels.js'
import type {ScsiDevice} from '../../hosts/facts-types.js'
import {compact, sameHex} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

const GUEST_PREP = 'close all tape device nodes and unload the drive in the guest first (IBM)'

/**
 * A SCSI pass-through (`<hostdev type='scsi'>`, typically a zfcp-attached tape drive or medium
 * changer) names host-local numbers: `<adapter name='scsi_hostN'/>` is the SCSI host the FCP
 * device got on this host, and bus/target/unit the rest of its H:C:T:L. Those numbers change
 * when the FCP device is set offline and online or the host reboots, and are whatever the
 * destination assigned there (IBM KVM "Configuring a SCSI tape or medium changer device":
 * re-check the configuration after such events, also for live migration; keep the hostdev in a
 * separate file, attach it only when needed and detach it before migrating). QEMU cannot
 * migrate a scsi-generic passthrough anyway (libvirt refuses `<hostdev type='scsi'>`).
 *
 * So zmigrate resolves the stable identity on the source — zfcp host N → FCP device bus-ID;
 * SCSI device N:bus:target:unit → WWPN + LUN — finds the same FCP device and WWPN + LUN on the
 * destination, detaches the hostdev before migration and re-attaches it there with the
 * destination's scsi_hostM and H:C:T:L. IBM also asks to close tape device nodes and unload
 * drives in the guest before migrating: a rewind in progress keeps a process in
 * uninterruptible sleep and blocks migration (IBM-DD "Live guest migration").
 */
export const scsiTapeDevice: Rule = {
  id: 'scsi-tape-device',
  category: 'devices',
  severity: 'action',
  summary:
    "A SCSI tape or changer pass-through names host-local SCSI numbers; it is detached and re-attached with the destination's numbers for the same FCP device, WWPN and LUN.",
  remedy:
    'Set the FCP device and the LUN online on the destination (chzdev -e zfcp-host <bus-id>; chzdev -e zfcp-lun <bus-id>:<wwpn>:<lun>), check zoning and LUN masking, and close the tape device nodes and unload the drive in the guest before migrating.',
  source:
    'IBM KVM Virtual Server Management, "Configuring a SCSI tape or medium changer device" and <adapter>; IBM Device Drivers, Features, and Commands, "Live guest migration" (close tape nodes, unload drives)',
  check(ctx) {
    const {source, destination} = ctx
    const dest = destination.host
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'scsi')
      .map((h): FindingDraft => {
        const subject = hostdevLabel(h)
        const blocker = (why: string, remedy: string, data: Record<string, unknown> = {}): FindingDraft => ({
          subject,
          message: `${why}; the SCSI pass-through cannot be re-attached on ${dest} (${GUEST_PREP})`,
          severity: 'blocker',
          remedy: `${remedy} Close the tape device nodes and unload the drive in the guest before migrating.`,
          data: compact(data),
        })
        const s = h.scsiSource
        if (!s)
          return blocker(
            'the hostdev has no <source><adapter name=…/>',
            'Use the IBM form <source><adapter name="scsi_hostN"/><address bus target unit/></source>.',
          )
        const hostNumber = /^scsi_host(\d+)$/.exec(s.adapter)?.[1]
        if (hostNumber === undefined)
          return blocker(
            `adapter '${s.adapter}' is not of the form scsi_hostN`,
            'Name the SCSI host of the FCP device as scsi_hostN (lszfcp lists "<bus-id> hostN").',
          )
        const sourceHctl = `${hostNumber}:${s.bus}:${s.target}:${s.unit}`
        const zfcpHere = source.zfcpHosts.find((z) => z.scsiHost === Number(hostNumber))
        if (!zfcpHere) {
          return blocker(
            `${source.host} has no zfcp adapter for ${s.adapter} (zfcp hosts: ${source.zfcpHosts.map((z) => `${z.busId} host${z.scsiHost}`).join(', ') || 'none'})`,
            `Check lszfcp -H on ${source.host}; the adapter number may have changed since the guest was defined.`,
            {sourceAdapter: s.adapter},
          )
        }
        const device = source.scsi.find((d) => d.hctl === sourceHctl)
        if (!device) {
          return blocker(
            `${source.host} has no SCSI device ${sourceHctl} behind FCP device ${zfcpHere.busId}`,
            `Check lszfcp -D / lsscsi on ${source.host}: the guest's hostdev may point at a stale H:C:T:L.`,
            {
              fcpDevice: zfcpHere.busId,
              sourceAdapter: s.adapter,
            },
          )
        }
        const what = `${device.kind === 'other' || device.kind === 'disk' ? 'SCSI device' : `SCSI ${device.kind}`}${device.vendor || device.model ? ` ${[device.vendor, device.model].filter(Boolean).join(' ')}` : ''}`
        if (!device.wwpn || !device.lun) {
          return blocker(
            `${source.host} facts have no WWPN/LUN for ${what} ${sourceHctl}`,
            `Check lszfcp -D on ${source.host}; zmigrate needs the WWPN and LUN to find the device on ${dest}.`,
            {
              fcpDevice: zfcpHere.busId,
              sourceAdapter: s.adapter,
            },
          )
        }
        const identity = `${zfcpHere.busId}/${device.wwpn}/${device.lun}`
        const base = {deviceIndex: h.index, fcpDevice: zfcpHere.busId, wwpn: device.wwpn, lun: device.lun, kind: device.kind, sourceAdapter: s.adapter}
        const zfcpThere = destination.zfcpHosts.find((z) => z.busId === zfcpHere.busId)
        const elsewhere = destination.scsi.filter((d) => sameHex(d.wwpn, device.wwpn) && sameHex(d.lun, device.lun))
        const alt =
          elsewhere.length > 0
            ? ` (${dest} reaches WWPN ${device.wwpn} LUN ${device.lun} through ${elsewhere.map((d) => `${d.fcpDevice ?? '?'} ${d.hctl}`).join(', ')})`
            : ''
        if (!zfcpThere || !zfcpThere.online) {
          return blocker(
            `${what} ${identity} is reached here through FCP device ${zfcpHere.busId}, which ${zfcpThere ? 'is offline' : 'is not a zfcp adapter'} on ${dest}${alt}`,
            `Set FCP device ${zfcpHere.busId} online on ${dest} (chzdev -e zfcp-host ${zfcpHere.busId}) and its LUN (chzdev -e zfcp-lun ${zfcpHere.busId}:${device.wwpn}:${device.lun}).`,
            base,
          )
        }
        const match = destination.scsi.find(
          (d: ScsiDevice) => d.hctl.startsWith(`${zfcpThere.scsiHost}:`) && sameHex(d.wwpn, device.wwpn) && sameHex(d.lun, device.lun),
        )
        if (!match) {
          return blocker(
            `${dest} has no SCSI device with WWPN ${device.wwpn} LUN ${device.lun} behind FCP device ${zfcpThere.busId} (host${zfcpThere.scsiHost})${alt}`,
            `Make the LUN available on ${dest}: chzdev -e zfcp-lun ${zfcpThere.busId}:${device.wwpn}:${device.lun} (and check zoning/LUN masking for that FCP device).`,
            base,
          )
        }
        const [, bus, target, unit] = match.hctl.split(':')
        return {
          subject,
          message: `${what} ${identity} is ${s.adapter} ${sourceHctl} here and scsi_host${zfcpThere.scsiHost} ${match.hctl} on ${dest}: detached before migration and re-attached there; ${GUEST_PREP}`,
          remedy: `Before migrating, close all tape device nodes and unload the drive in guest ${ctx.guest.name}; zmigrate then detaches ${s.adapter} ${sourceHctl} and re-attaches scsi_host${zfcpThere.scsiHost} ${match.hctl} on ${dest}.`,
          data: {...base, destinationAdapter: `scsi_host${zfcpThere.scsiHost}`, destinationAddress: {bus, target, unit}},
          fix: {
            kind: 'move-device',
            deviceIndex: h.index,
            identity: {kind: 'scsi-host', adapter: `scsi_host${zfcpThere.scsiHost}`, address: {bus, target, unit}},
          },
        }
      })
  },
}
