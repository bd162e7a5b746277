import {controllerLabel, diskLabel, interfaceLabel} from '../../domain/labels.js'
import type {Controller, Disk, NetInterface} from '../../domain/types.js'
import {compact, virtioQueues} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

type Transport = 'ccw' | 'pci'

/** Guest transport of a virtio device: its address type; without one libvirt puts virtio devices of an s390x guest on ccw. */
function transportOf(device: {address?: {type: string}}): Transport {
  return device.address?.type === 'pci' ? 'pci' : 'ccw'
}

interface VirtioDevice {
  subject: string
  /** QEMU device family, for the message. */
  family: 'virtio-net' | 'virtio-blk' | 'virtio-scsi' | 'virtio-serial'
  transport: Transport
  queues?: number
  vectors?: number
}

/**
 * MSI-X vectors libvirt or QEMU give a virtio-pci device for its queues: virtio-net-pci gets
 * vectors=2N+2 from libvirt (qemu_command.c qemuBuildNicDevProps, "as advised at
 * linux-kvm.org/page/Multiqueue"); virtio-blk-pci defaults to N+1 and virtio-scsi-pci to N+3
 * (QEMU hw/virtio/virtio-blk-pci.c, virtio-scsi-pci.c). virtio-ccw has no vectors: libvirt passes
 * mq=on only, "ccw provides a one to one relation of fds to queues and does not support the
 * vectors option" (qemuBuildNicDevProps).
 */
function derivedVectors(d: VirtioDevice): number | undefined {
  if (d.transport !== 'pci' || d.queues === undefined) return d.vectors
  if (d.vectors !== undefined) return d.vectors
  return {'virtio-net': 2 * d.queues + 2, 'virtio-blk': d.queues + 1, 'virtio-scsi': d.queues + 3, 'virtio-serial': undefined}[d.family]
}

function virtioDevices(disks: readonly Disk[], interfaces: readonly NetInterface[], controllers: readonly Controller[]): VirtioDevice[] {
  const out: VirtioDevice[] = []
  for (const disk of disks.filter((d) => d.target.bus === 'virtio'))
    out.push({subject: diskLabel(disk), family: 'virtio-blk', transport: transportOf(disk), ...virtioQueues(disk)})
  for (const iface of interfaces.filter((i) => i.model === 'virtio' && i.type !== 'hostdev')) {
    out.push({subject: interfaceLabel(iface), family: 'virtio-net', transport: transportOf(iface), ...virtioQueues(iface)})
  }
  for (const c of controllers) {
    if (c.type === 'scsi' && c.model === 'virtio-scsi')
      out.push({subject: controllerLabel(c), family: 'virtio-scsi', transport: transportOf(c), ...virtioQueues(c)})
    if (c.type === 'virtio-serial') out.push({subject: controllerLabel(c), family: 'virtio-serial', transport: transportOf(c), ...virtioQueues(c)})
  }
  return out
}

/**
 * Multi-queue virtio devices, for the record. The number of virtqueues (and, on virtio-pci, of
 * MSI-X vectors, which size the MSI-X table in the migration stream) is device configuration:
 * the destination QEMU must create the device with the same values, or loading the state fails
 * (QEMU hw/net/virtio-net.c: "virtio-net: different max_queues"). libvirt guarantees that by
 * sending the domain XML — `<driver queues='N'>`, `vectors=` — to the destination, and values
 * left out are defaults QEMU derives from the machine type (compat properties, e.g. virtio-blk-pci
 * and virtio-scsi-pci default to one queue per vCPU only from the 5.2 machine types on) and the
 * vCPU count, both of which migration keeps. On s390x, devices on ccw addresses (the default)
 * have no MSI-X vectors at all; only virtio devices on zPCI addresses (`<address type='pci'>`
 * with `<zpci>`) use MSI-X, mapped to adapter interrupts.
 *
 * Research found no host-dependent queue or vector limit a preflight could check beyond that
 * (the virtio-ccw limit of 64 virtqueues applied to machine types up to s390-ccw-virtio-2.8,
 * QEMU hw/s390x/s390-virtio-ccw.c; it follows the machine type, which migration keeps). So this
 * rule only records, as info, each device whose queue count or vectors are set explicitly, with
 * the values the destination will be created with — the data the planner must carry unchanged
 * when it rewrites a device (interface source mapping, detach/re-attach).
 */
export const virtioVectors: Rule = {
  id: 'virtio-vectors',
  category: 'devices',
  severity: 'info',
  summary: 'Records multi-queue virtio devices: the destination re-creates them with the same queues and vectors from the domain XML.',
  remedy:
    'Nothing to do for the migration; keep <driver queues> (and vectors=) unchanged in any device XML edited for the destination, or the device state fails to load there.',
  source:
    'libvirt src/qemu/qemu_command.c (qemuBuildNicDevProps: vectors=2N+2 on PCI, none on ccw); QEMU hw/net/virtio-net.c ("different max_queues" on load), hw/s390x/virtio-ccw.c (virtqueue limits)',
  check(ctx) {
    const {disks, interfaces, controllers} = ctx.guest.domain
    return virtioDevices(disks, interfaces, controllers)
      .filter((d) => (d.queues !== undefined && d.queues > 1) || d.vectors !== undefined)
      .map((d): FindingDraft => {
        const vectors = derivedVectors(d)
        const what = d.queues !== undefined ? `${d.queues} ${d.family === 'virtio-net' ? 'queue pairs' : 'queues'}` : 'default queues'
        const vec = d.transport === 'ccw' ? 'no MSI-X vectors on ccw' : vectors !== undefined ? `${vectors} MSI-X vectors` : 'default MSI-X vectors'
        return {
          subject: d.subject,
          message: `${d.family}-${d.transport} with ${what}, ${vec}: re-created identically on ${ctx.destination.host} from the domain XML`,
          data: compact({family: d.family, transport: d.transport, queues: d.queues, vectors: d.transport === 'pci' ? vectors : undefined}),
        }
      })
  },
}
