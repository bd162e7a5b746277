import {diskLabel, hostdevLabel, interfaceLabel, interfaceSourceName} from '../../domain/labels.js'
import {compact, guestDevno, mappedTo} from '../device-helpers.js'
import {isSelectedForDetach} from '../helpers.js'
import type {DestinationIdentity, FindingDraft, Rule} from '../types.js'

/** Hostdev types a more specific rule owns (it reports the detach itself, or why it cannot). */
const OWNED_HOSTDEV_TYPES = new Set(['mdev', 'pci', 'scsi'])

/** Interface types whose source is a name the destination resolves (net-source mappings apply). */
const RENAMED_INTERFACE_TYPES = new Set(['direct', 'bridge', 'network'])

/**
 * The site profile can list devices to detach before migration and re-attach afterwards
 * (`devices.detach-for-migration`), e.g. a disk backed by host-local storage the site mirrors
 * itself, or a USB or scsi_host device: IBM's advice for devices that cannot move with the
 * guest is to keep their XML in a separate file, attach them only when needed and detach them
 * before migrating (IBM KVM "Configuring a SCSI tape or medium changer device"). This rule
 * reports each selected disk, interface and hostdev that no more specific rule handles
 * (mdev, PCI and SCSI hostdevs have their own rules; file systems are shared-filesystem's), with
 * the source it is re-attached with on the destination: the profile's mapping
 * (`devices.mappings`, kind disk-source for a file or block disk's path, net-source for a MacVTap,
 * bridge or network interface) or the same one. Fix: move-device with that identity.
 */
export const profileDetachDevice: Rule = {
  id: 'profile-detach-device',
  category: 'devices',
  severity: 'action',
  summary: 'A device the site profile selects is detached before migration and re-attached on the destination.',
  remedy:
    "Nothing to do if the selection is intended; make sure the device's source (or its mapping in devices.mappings) exists on the destination, or remove the device from devices.detach-for-migration.",
  source:
    'Site profile devices.detach-for-migration; IBM KVM Virtual Server Management, "Configuring a SCSI tape or medium changer device" (detach devices before migrating, re-attach when needed)',
  check(ctx) {
    const dest = ctx.destination.host
    const {disks, interfaces, hostdevs} = ctx.guest.domain
    const out: FindingDraft[] = []
    const report = (subject: string, deviceIndex: number, source: string | undefined, identity: DestinationIdentity, data: Record<string, unknown>): void => {
      const destinationSource = identity.kind === 'disk-source' ? identity.path : identity.kind === 'interface-source' ? identity.to : undefined
      const moved = destinationSource !== undefined && destinationSource !== source ? ` with source ${destinationSource} (mapped)` : ''
      out.push({
        subject,
        message: `detached before migration and re-attached on ${dest}${moved} (site profile); the guest is without it meanwhile`,
        data: compact({deviceIndex, ...data, source, destinationSource: destinationSource ?? source}),
        fix: {kind: 'move-device', deviceIndex, identity},
      })
    }
    for (const disk of disks.filter((d) => isSelectedForDetach(ctx, d))) {
      const source = disk.path ?? disk.source?.name ?? disk.source?.volume
      // a disk-source mapping re-points a file or block disk's path; network and volume disks keep their source
      const mapped = disk.path === undefined ? undefined : mappedTo(ctx, 'disk-source', disk.path)
      report(diskLabel(disk), disk.index, source, mapped === undefined ? {kind: 'same'} : {kind: 'disk-source', path: mapped}, {
        kind: 'disk',
        target: disk.target.dev,
        devno: guestDevno(disk),
      })
    }
    for (const iface of interfaces.filter((i) => i.type !== 'hostdev' && isSelectedForDetach(ctx, i))) {
      const source = interfaceSourceName(iface)
      // as net-source-missing renames it (a MacVTap device, bridge or network): the same identity, so the two merge
      const mapped = RENAMED_INTERFACE_TYPES.has(iface.type) ? mappedTo(ctx, 'net-source', source) : undefined
      report(interfaceLabel(iface), iface.index, source, mapped === undefined ? {kind: 'same'} : {kind: 'interface-source', to: mapped}, {
        kind: 'interface',
        devno: guestDevno(iface),
        mac: iface.mac,
      })
    }
    for (const h of hostdevs.filter((d) => !OWNED_HOSTDEV_TYPES.has(d.type) && !d.fromInterface && isSelectedForDetach(ctx, d))) {
      report(hostdevLabel(h), h.index, h.scsiHostSource?.wwpn, {kind: 'same'}, {kind: 'hostdev', type: h.type, devno: guestDevno(h)})
    }
    return out
  },
}
