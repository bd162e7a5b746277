import {diskLabel} from '../../domain/labels.js'
import type {Disk} from '../../domain/types.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * The s390-ccw-virtio machine has no IDE, SATA (AHCI) or floppy controller: libvirt's domain
 * capabilities for s390x offer the disk buses virtio, scsi, usb (and nvme in newer releases)
 * only (libvirt tests/domaincapsdata/qemu_*.s390x.xml), and libvirt rejects the others when it
 * starts the guest ("IDE controllers are unsupported for this QEMU binary or machine type",
 * qemu_validate.c; QEMU's hw/s390x/Kconfig selects no IDE/AHCI/FDC). Such a disk can only sit in
 * an inactive definition or a --domain-xml file, and a migration that carries it
 * (--persistent, offline) gives the destination a guest that will not start.
 *
 * A usb-bus disk is possible on s390x only behind a PCI USB host controller (qemu-xhci over
 * zPCI), which upstream QEMU builds for s390x since about 8.1 (hw/s390x/Kconfig implies PCIE_DEVICES)
 * but distribution builds may leave out;
 * the destination QEMU may lack usb-storage, and the device adds emulated PCI state to migrate.
 *
 * Fires for s390x guests (arch s390x or an s390-ccw machine): bus sata, ide or fdc — or a
 * floppy, or a target hdX/fdX with no bus, which libvirt puts on ide/fdc → blocker; bus usb →
 * warning. Remedy: virtio-blk (bus virtio), or virtio-scsi for CD-ROMs.
 */
export const sataDisk: Rule = {
  id: 'sata-disk',
  category: 'storage',
  severity: 'blocker',
  summary: 'A disk is on a SATA, IDE, floppy or USB bus, which the s390-ccw-virtio machine does not provide (USB only through an optional PCI controller).',
  remedy:
    "Put the disk on bus='virtio' (virtio-blk, target vdX) — or a CD-ROM on bus='scsi' behind a virtio-scsi controller — with virsh edit; drop any <controller type='sata'|'ide'|'usb'> it needed.",
  source:
    'libvirt domain capabilities for s390x (tests/domaincapsdata/qemu_*.s390x.xml: disk buses virtio, scsi, usb, nvme) and src/qemu/qemu_validate.c; QEMU hw/s390x/Kconfig (no IDE/AHCI/FDC; PCIe devices such as qemu-xhci only via PCIE_DEVICES); IBM KVM Virtual Server Management, "Devices for virtual servers" (virtio-ccw, virtio-scsi)',
  check(ctx) {
    const {domain} = ctx.guest
    const s390 = domain.arch === 's390x' || (domain.machine ?? '').startsWith('s390-ccw')
    if (!s390) return []
    const findings: FindingDraft[] = []
    for (const disk of domain.disks) {
      const bus = effectiveBus(disk)
      if (bus === 'sata' || bus === 'ide' || bus === 'fdc') {
        findings.push({
          subject: diskLabel(disk),
          message: `${disk.device} ${disk.target.dev} is on bus ${bus}${disk.target.bus ? '' : ' (from its target name)'}, which s390-ccw-virtio does not have: the guest cannot start on ${ctx.destination.host} with it`,
          remedy: `virsh edit ${ctx.guest.name}: ${disk.device === 'cdrom' ? `put ${disk.target.dev} on bus='scsi' behind a virtio-scsi controller (target sdX)` : `change ${disk.target.dev} to <target dev='vdX' bus='virtio'/> and drop its <address>`}.`,
          data: {target: disk.target.dev, bus},
        })
      } else if (bus === 'usb') {
        findings.push({
          subject: diskLabel(disk),
          severity: 'warning',
          message: `${disk.device} ${disk.target.dev} is a USB disk: on s390x it needs a PCI USB controller (qemu-xhci over zPCI) and usb-storage in ${ctx.destination.host}'s QEMU build, which distribution builds may leave out`,
          remedy: `Check that ${ctx.destination.host}'s QEMU offers usb-storage (virsh domcapabilities: <disk> bus enum lists usb), or move ${disk.target.dev} to bus='virtio' with virsh edit.`,
          data: {target: disk.target.dev, bus},
        })
      }
    }
    return findings
  },
}

/** The bus libvirt uses: the target's bus, else from the target name (hdX → ide, fdX → fdc), floppies on fdc. */
function effectiveBus(disk: Disk): string | undefined {
  if (disk.target.bus) return disk.target.bus
  if (disk.device === 'floppy' || disk.target.dev.startsWith('fd')) return 'fdc'
  if (disk.target.dev.startsWith('hd')) return 'ide'
  return undefined
}
