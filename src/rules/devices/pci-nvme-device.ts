import {hostdevLabel} from '../../domain/labels.js'
import type {PciFunction} from '../../hosts/facts-types.js'
import {compact, describePciFunction, findPciByIdentity, guestZpci, hostdevPciAddress, mappedTo, sameHex, sourcePciFunction} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * A pass-through NVMe (`<hostdev type='pci'>` whose host function is NVMe) blocks live
 * migration: VFIO PCI devices without migration support add the QEMU blocker "VFIO device
 * doesn't support migration" (qemu hw/vfio/migration.c), and IBM requires PCI pass-through
 * devices to be detached first (IBM-DD "Live guest migration"). zmigrate detaches it and
 * re-attaches the destination's function, keeping the guest's `<zpci uid fid>` so the guest
 * sees the same PCI domain and slot (libvirt docs/pci-addresses.rst "zPCI addresses").
 *
 * Which function: the FID identifies a PCI function within a machine and persists across
 * PORs (IBM "Identifiers for the PCI function"), while the host PCI address (domain) is
 * assigned by the LPAR's Linux. So the destination needs an NVMe function with the same FID,
 * or one the profile maps the source address to (devices.mappings, kind pci: address or FID).
 * The NVMe's contents are not copied: the same FID is the same physical device only when both
 * LPARs are on the same machine.
 */
export const pciNvmeDevice: Rule = {
  id: 'pci-nvme-device',
  category: 'devices',
  severity: 'action',
  summary: 'A pass-through NVMe must be detached before migration and re-attached on the destination to the NVMe function with the same FID.',
  remedy:
    "Configure the NVMe function (same FID) in the destination LPAR (echo 1 > /sys/bus/pci/slots/<FID>/power) and make it available for pass-through, or map the source address to the destination's function in the profile (devices.mappings, kind pci).",
  source:
    'IBM Device Drivers, Features, and Commands, "Live guest migration" (PCI pass-through devices must be detached) and "Identifiers for the PCI function" (FID); IBM KVM Virtual Server Management, <zpci>; QEMU hw/vfio/migration.c',
  check(ctx) {
    const dest = ctx.destination.host
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'pci' && sourcePciFunction(ctx, h)?.kind === 'nvme')
      .map((h): FindingDraft => {
        const source = sourcePciFunction(ctx, h) as PciFunction
        const address = hostdevPciAddress(h) as string
        const zpci = guestZpci(h)
        const subject = hostdevLabel(h)
        const mapped = mappedTo(ctx, 'pci', address)
        let target: PciFunction | undefined
        let how: string
        if (mapped !== undefined) {
          target = findPciByIdentity(ctx.destination, mapped)
          how = `mapped by the profile to ${mapped}`
        } else {
          target = source.fid === undefined ? undefined : ctx.destination.pci.find((f) => f.kind === 'nvme' && sameHex(f.fid, source.fid))
          how = 'same FID'
        }
        if (!target || target.kind !== 'nvme') {
          const why =
            mapped !== undefined
              ? `the profile maps ${address} to ${mapped}, but ${dest} has ${target ? `a ${describePciFunction(target)} there, not an NVMe` : 'no PCI function with that address or FID'}`
              : source.fid === undefined
                ? `the FID of ${address} is not in ${ctx.source.host}'s facts, so the destination's function cannot be found`
                : `${dest} has no NVMe function with FID ${source.fid}`
          const nvmes = ctx.destination.pci.filter((f) => f.kind === 'nvme').map(describePciFunction)
          return {
            subject,
            message: `${describePciFunction(source)} passed through: ${why}; ${dest} has NVMe functions: ${nvmes.length > 0 ? nvmes.join(', ') : 'none'}`,
            severity: 'blocker',
            remedy: `Configure the NVMe function${source.fid ? ` FID ${source.fid}` : ''} in ${dest} (echo 1 > /sys/bus/pci/slots/<FID>/power after it is released here), or map ${address} to ${dest}'s function in the profile (devices.mappings: kind pci, from ${address}, to <address or FID>, to-host ${dest}).`,
            data: compact({deviceIndex: h.index, sourceAddress: address, fid: source.fid, zpci}),
          }
        }
        return {
          subject,
          remedy: `Before migrating, stop using the NVMe in guest ${ctx.guest.name} (unmount its file systems); zmigrate detaches ${address} and re-attaches ${target.address} on ${dest}.`,
          message: `${describePciFunction(source)}: detached before migration and re-attached on ${dest} as ${target.address} (${how}), guest zPCI uid ${zpci?.uid ?? '?'} fid ${zpci?.fid ?? '?'} kept; the NVMe's data is not copied (same FID = same device only within one machine)`,
          data: compact({deviceIndex: h.index, sourceAddress: address, fid: source.fid, destinationAddress: target.address, destinationFid: target.fid, zpci}),
          fix: {kind: 'move-device', deviceIndex: h.index, identity: {kind: 'pci', address: target.address}},
        }
      })
  },
}
