import {hostSubject} from '../host-helpers.js'
import type {Rule} from '../types.js'

/**
 * IBM asks for "the same or equivalent" CPUs on both hosts (IBM KVM Virtual Server Management,
 * "Preservation of the virtual server resources", ldva_c_migration_VSresources).
 *
 * Severity: warning, not blocker. Neither libvirt nor QEMU/KVM checks the host's CPU count on
 * migration: KVM runs vCPUs as ordinary host threads and allows overcommit (up to KVM's per-guest
 * limit, far above any LPAR's count on s390x), so the migration succeeds. The cost is contention:
 * more vCPUs than online host CPUs means the guest's vCPUs steal time from each other (and the
 * guest sees steal time), which for a guest sized to its source LPAR is a performance problem to
 * decide about, not a failure. Pinned vCPUs are numa-pinning's business.
 */
export const destCpus: Rule = {
  id: 'dest-cpus',
  category: 'host',
  severity: 'warning',
  summary: 'The guest has more vCPUs than the destination has online CPUs (overcommit: it runs, but slower).',
  remedy:
    'Bring more CPUs online on the destination LPAR (chcpu -e, or add IFLs to the LPAR profile), pick a destination with more CPUs, or reduce the guest with virsh setvcpus <guest> <n> --config (effective after a restart).',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): same or equivalent CPUs on both hosts',
  check({guest, destination}) {
    const online = destination.cpus.online
    if (online === undefined || guest.domain.vcpus <= online) return []
    return [
      {
        subject: hostSubject(destination),
        message: `guest ${guest.name} has ${guest.domain.vcpus} vCPUs but ${destination.host} has ${online} online CPUs; KVM overcommits them, so the guest runs with contention`,
        data: {vcpus: guest.domain.vcpus, onlineCpus: online},
      },
    ]
  },
}
