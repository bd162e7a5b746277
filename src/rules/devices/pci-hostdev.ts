import {hostdevLabel} from '../../domain/labels.js'
import {compact, describePciFunction, findPciByIdentity, guestZpci, hostdevPciAddress, mappedTo, sourcePciFunction} from '../device-helpers.js'
import {isSelectedForDetach} from '../helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * Any other PCI pass-through — ISM (SMC-D), a function of a class zmigrate does not know, or
 * one whose source function is not in the facts — blocks live migration: VFIO PCI devices
 * without migration support add the QEMU blocker "VFIO device doesn't support migration"
 * (qemu hw/vfio/migration.c), and IBM requires PCI pass-through devices to be detached
 * (IBM-DD "Live guest migration"). zmigrate has no rule to find the destination's equivalent
 * of such a function, so it only detaches and re-attaches one when the site says how: the
 * profile selects the device for detach (devices.detach-for-migration) and maps its address
 * to a function present on the destination (devices.mappings, kind pci: address or FID).
 */
export const pciHostdev: Rule = {
  id: 'pci-hostdev',
  category: 'devices',
  severity: 'blocker',
  summary: 'A PCI pass-through device other than NVMe or RoCE blocks live migration unless the profile detaches it and maps it to a destination function.',
  remedy:
    "Detach the device from the guest before migrating (virsh detach-device <guest> <hostdev.xml> --live), or select it in the profile (devices.detach-for-migration) and map its address to the destination's function (devices.mappings, kind pci).",
  source:
    'IBM Device Drivers, Features, and Commands, "Live guest migration" (PCI pass-through devices must be detached); QEMU hw/vfio/migration.c ("VFIO device doesn\'t support migration")',
  check(ctx) {
    const dest = ctx.destination.host
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'pci' && !['nvme', 'roce'].includes(sourcePciFunction(ctx, h)?.kind ?? 'unknown'))
      .map((h): FindingDraft => {
        const address = hostdevPciAddress(h)
        const source = sourcePciFunction(ctx, h)
        const what = source ? describePciFunction(source) : `PCI function ${address ?? '(no source address)'} (not in ${ctx.source.host}'s facts)`
        const zpci = guestZpci(h)
        const subject = hostdevLabel(h)
        const selected = isSelectedForDetach(ctx, h)
        const mapped = mappedTo(ctx, 'pci', address)
        const target = mapped === undefined ? undefined : findPciByIdentity(ctx.destination, mapped)
        if (selected && target) {
          return {
            subject,
            message: `${what}: detached before migration and re-attached on ${dest} as ${describePciFunction(target)} (site profile)${zpci ? `, guest zPCI uid ${zpci.uid ?? '?'} fid ${zpci.fid ?? '?'} kept` : ''}`,
            severity: 'action',
            remedy: `Nothing to set up; guest ${ctx.guest.name} is without the device while zmigrate detaches ${address} and re-attaches ${target.address} on ${dest}.`,
            data: compact({deviceIndex: h.index, sourceAddress: address, destinationAddress: target.address, destinationFid: target.fid, zpci}),
            fix: {kind: 'move-device', deviceIndex: h.index, identity: {kind: 'pci', address: target.address}},
          }
        }
        const why = !selected
          ? 'the profile does not select it for detach'
          : mapped === undefined
            ? `the profile selects it for detach but maps no ${dest} function to ${address}`
            : `the profile maps ${address} to ${mapped}, but ${dest} has no such PCI function`
        return {
          subject,
          message: `${what} passed through blocks live migration (QEMU: VFIO device doesn't support migration); ${why}`,
          remedy: `Detach it before migrating (virsh detach-device ${ctx.guest.name} <hostdev.xml> --live) and re-attach it on ${dest} yourself, or let zmigrate do it: select it in the profile (devices.detach-for-migration: source ${address ?? '<address>'}) and map it (devices.mappings: kind pci, from ${address ?? '<address>'}, to <address or FID>, to-host ${dest}).`,
          data: compact({deviceIndex: h.index, sourceAddress: address, zpci, kind: source?.kind}),
        }
      })
  },
}
