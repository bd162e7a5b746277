import {hostSubject} from '../host-helpers.js'
import type {Rule} from '../types.js'

/**
 * The destination must be able to run the guest's architecture with the guest's domain type, as
 * its libvirt capabilities list them (`virsh capabilities`, `<guest><arch name=…><domain type=…>`).
 * A `kvm` guest needs hardware virtualization of that architecture (an s390x host with the kvm
 * module); a `qemu` guest is TCG emulation and runs on any host that has the emulator, whatever
 * the host's own architecture (the project's lab runs s390x TCG guests on x86 hosts), so the host
 * arch is never compared. libvirt rejects the incoming definition otherwise with "invalid
 * argument: could not find capabilities for arch=… domaintype=…" (virCapabilitiesDomainDataLookup).
 *
 * An empty capabilities list from a reachable libvirt means no emulator is installed; when
 * libvirt is unreachable, libvirt-unreachable reports it and this rule says nothing.
 */
export const archMismatch: Rule = {
  id: 'arch-mismatch',
  category: 'host',
  severity: 'blocker',
  summary: "The destination cannot run the guest's architecture with the guest's domain type (kvm or qemu).",
  remedy:
    "Pick a destination whose virsh capabilities list the guest's arch with its domain type: for kvm an s390x host with KVM (lsmod | grep kvm, /dev/kvm) and qemu-system-s390x installed; for qemu (TCG) any host with qemu-system-s390x installed.",
  source:
    'libvirt "Driver capabilities XML format" (formatcaps: <guest> arch and domain types); IBM KVM "Live guest migration" prerequisites (both hosts are KVM hosts)',
  check({guest, destination}) {
    const arch = guest.domain.arch
    if (!arch) return []
    const type = guest.domain.type
    if (destination.guestDomains.length === 0) {
      if (!destination.libvirt.reachable) return []
      return [
        {
          subject: hostSubject(destination),
          message: `${destination.host}'s libvirt lists no guest architectures; it cannot run ${arch} guest ${guest.name} (is qemu-system-${arch} installed?)`,
          data: {arch, domainType: type},
        },
      ]
    }
    const entry = destination.guestDomains.find((g) => g.arch === arch)
    if (!entry) {
      const offered = destination.guestDomains.map((g) => `${g.arch} (${g.domainTypes.join(', ')})`).join('; ')
      return [
        {
          subject: hostSubject(destination),
          message: `${destination.host} cannot run ${arch} guests (it offers ${offered}); guest ${guest.name} is ${arch}/${type}`,
          data: {arch, domainType: type, offered: destination.guestDomains.map((g) => g.arch)},
        },
      ]
    }
    if (entry.domainTypes.includes(type)) return []
    const why = type === 'kvm' ? ' (kvm needs hardware virtualization of that architecture)' : ''
    return [
      {
        subject: hostSubject(destination),
        message: `${destination.host} runs ${arch} guests only as ${entry.domainTypes.join(', ') || 'nothing'}, not ${type}${why}; guest ${guest.name} is ${type}`,
        data: {arch, domainType: type, domainTypes: entry.domainTypes},
      },
    ]
  },
}
