import {hostdevLabel} from '../../domain/labels.js'
import type {PciFunction} from '../../hosts/facts-types.js'
import {compact, describePciFunction, findPciByIdentity, guestZpci, hostdevPciAddress, mappedTo, sourcePciFunction} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * The network interface name a RoCE function has (or would have, while it is bound to
 * vfio-pci and has no netdev): with UID uniqueness `eno<UID decimal>`, else `ens<FID decimal>`
 * (IBM "Network interface names"; kernel ≥ 5.13 with systemd ≥ 249).
 */
export function roceInterfaceName(f: PciFunction): string | undefined {
  if (f.ifname) return f.ifname
  if (f.uidIsUnique && f.uid) return `eno${Number.parseInt(f.uid, 16)}`
  if (f.uidIsUnique === false && f.fid) return `ens${Number.parseInt(f.fid, 16)}`
  return undefined
}

/**
 * A pass-through RoCE Express function (`<hostdev type='pci'>` or `<interface type='hostdev'>`)
 * blocks live migration like any VFIO PCI device without migration support (qemu
 * hw/vfio/migration.c: "VFIO device doesn't support migration"; IBM-DD "Live guest migration":
 * detach PCI pass-through devices first). zmigrate detaches it and re-attaches the
 * destination's function, keeping the guest's `<zpci uid fid>` (and, for `<interface
 * type='hostdev'>`, the MAC).
 *
 * Which function: RoCE interfaces are named from the UID (`eno<UID>`, or `ens<FID>` without
 * UID uniqueness), and IBM suggests giving the same physical RoCE function the same UID in
 * every LPAR "to simplify migration" (IBM "Network interface names", RoCE). So the
 * destination needs a RoCE function with the same interface name — derived from UID/FID when
 * the function is bound to vfio-pci and has no netdev — or the one the profile maps the source
 * address to (devices.mappings, kind pci: address or FID).
 */
export const pciRoceDevice: Rule = {
  id: 'pci-roce-device',
  category: 'devices',
  severity: 'action',
  summary:
    'A pass-through RoCE function must be detached before migration and re-attached on the destination to the RoCE function with the same interface name.',
  remedy:
    "Give the RoCE function the same UID in the destination LPAR (IOCDS, UID uniqueness on) so it gets the same eno<UID> name, or map the source address to the destination's function in the profile (devices.mappings, kind pci).",
  source:
    'IBM Device Drivers, Features, and Commands, "Live guest migration" and "Network interface names" (RoCE, eno<UID>); IBM KVM Virtual Server Management, <zpci>; QEMU hw/vfio/migration.c',
  check(ctx) {
    const dest = ctx.destination.host
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'pci' && sourcePciFunction(ctx, h)?.kind === 'roce')
      .map((h): FindingDraft => {
        const source = sourcePciFunction(ctx, h) as PciFunction
        const address = hostdevPciAddress(h) as string
        const zpci = guestZpci(h)
        const subject = hostdevLabel(h)
        const ifname = roceInterfaceName(source)
        const mac = h.fromInterface ? ctx.guest.domain.interfaces.find((i) => i.index === h.index)?.mac : undefined
        const mapped = mappedTo(ctx, 'pci', address)
        let target: PciFunction | undefined
        let how: string
        if (mapped !== undefined) {
          target = findPciByIdentity(ctx.destination, mapped) ?? ctx.destination.pci.find((f) => f.kind === 'roce' && roceInterfaceName(f) === mapped)
          how = `mapped by the profile to ${mapped}`
        } else {
          target = ifname === undefined ? undefined : ctx.destination.pci.find((f) => f.kind === 'roce' && roceInterfaceName(f) === ifname)
          how = `same interface name ${ifname}`
        }
        if (!target || target.kind !== 'roce') {
          const roces = ctx.destination.pci.filter((f) => f.kind === 'roce').map((f) => `${roceInterfaceName(f) ?? '?'} ${f.address}`)
          const samePchid = ctx.destination.pci.filter((f) => f.kind === 'roce' && f.pchid !== undefined && f.pchid === source.pchid)
          const why =
            mapped !== undefined
              ? `the profile maps ${address} to ${mapped}, but ${dest} has ${target ? `a ${describePciFunction(target)} there, not RoCE` : 'no such PCI function'}`
              : ifname === undefined
                ? `the interface name of ${address} cannot be known (no netdev, no UID/FID in ${ctx.source.host}'s facts)`
                : `${dest} has no RoCE function named ${ifname}`
          const hint =
            samePchid.length > 0
              ? `; same adapter (PCHID ${source.pchid}) there: ${samePchid.map((f) => `${roceInterfaceName(f) ?? '?'} ${f.address}`).join(', ')}`
              : ''
          return {
            subject,
            message: `${describePciFunction(source)} passed through: ${why}; ${dest} has RoCE functions: ${roces.length > 0 ? roces.join(', ') : 'none'}${hint}`,
            severity: 'blocker',
            remedy: `Give the RoCE function the UID ${source.uid ?? '<UID>'} in ${dest}'s LPAR as well (IOCDS, UID uniqueness on) so it is named ${ifname ?? 'eno<UID>'}, or map ${address} to ${dest}'s function in the profile (devices.mappings: kind pci, from ${address}, to <address or FID>, to-host ${dest}).`,
            data: compact({deviceIndex: h.index, sourceAddress: address, ifname, zpci}),
          }
        }
        return {
          subject,
          remedy: `Nothing to set up; traffic over this link stops while zmigrate detaches ${address} and re-attaches ${target.address} on ${dest} (bond it with a virtio interface in the guest if that is not acceptable).`,
          message: `${describePciFunction(source)}: detached before migration and re-attached on ${dest} as ${target.address} (${how}), guest zPCI uid ${zpci?.uid ?? '?'} fid ${zpci?.fid ?? '?'}${mac ? ` and MAC ${mac}` : ''} kept; the guest loses this link while it is detached`,
          data: compact({
            deviceIndex: h.index,
            sourceAddress: address,
            ifname,
            destinationAddress: target.address,
            destinationIfname: roceInterfaceName(target),
            zpci,
            mac,
          }),
          fix: {kind: 'move-device', deviceIndex: h.index, identity: {kind: 'pci', address: target.address}},
        }
      })
  },
}
