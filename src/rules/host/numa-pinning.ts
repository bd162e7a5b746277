import {guestSubject, parseNodeset} from '../host-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * libvirt migrates `<numatune>` and `<cputune>` pinning verbatim: the destination QEMU is placed
 * on the same host NUMA node numbers and host CPU numbers the source used. A nodeset naming a node
 * the destination does not have makes the destination fail to start the guest (libvirt cannot
 * set cpuset.mems / the memory policy to a missing node), so such a node is a blocker. Nova
 * shows the same concern: it recomputes NUMA placement for the destination (NUMA-aware live
 * migration) and rejects NUMA instances while computes that cannot do so remain (conductor
 * `_check_instance_has_no_numa`); libvirt alone keeps the numbers.
 *
 * Pinning that the destination can satisfy is reported as info so the admin knows it is kept as
 * is (host CPU numbers are not checked: the facts record only the online CPU count).
 *
 * A host without NUMA information in the facts is taken to have node 0 only: s390x Linux exposes a
 * single node (libvirt's capabilities show one cell), and every Linux host has node 0.
 */
export const numaPinning: Rule = {
  id: 'numa-pinning',
  category: 'host',
  severity: 'blocker',
  summary: 'The guest pins memory to host NUMA nodes the destination does not have (pinning is migrated verbatim).',
  remedy:
    "Change the guest's <numatune><memory nodeset=…> (and <cputune> pinning) to nodes and CPUs the destination has (virsh numatune <guest> --nodeset <set> --live --config; virsh vcpupin), or remove the pinning, then migrate.",
  source:
    'libvirt formatdomain "NUMA Node Tuning" and "CPU Tuning" (pinning is part of the migrated definition); OpenStack Nova live_migrate.py _check_instance_has_no_numa',
  check({guest, destination}) {
    const {numatune, cpuPinning} = guest.domain
    if (!numatune?.nodeset && !cpuPinning) return []
    const subject = guestSubject(guest.name)
    const hostNodes = destination.numa.length > 0 ? destination.numa.map((n) => n.id) : [0]
    const findings: FindingDraft[] = []
    if (numatune?.nodeset) {
      const nodes = parseNodeset(numatune.nodeset)
      if (!nodes) {
        return [
          {
            subject,
            message: `numatune nodeset '${numatune.nodeset}' is not valid libvirt nodeset syntax`,
            severity: 'warning',
            remedy: "Check the guest's <numatune> with virsh numatune <guest>.",
          },
        ]
      }
      const missing = nodes.filter((n) => !hostNodes.includes(n))
      if (missing.length > 0) {
        return [
          {
            subject,
            message: `numatune nodeset ${numatune.nodeset} (mode ${numatune.mode ?? 'strict'}) names NUMA node${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${destination.host} does not have (it has ${hostNodes.join(', ')})`,
            data: {nodeset: numatune.nodeset, missingNodes: missing, destinationNodes: hostNodes},
          },
        ]
      }
    }
    const what = [
      numatune?.nodeset && `memory to NUMA nodes ${numatune.nodeset} (${numatune.mode ?? 'strict'})`,
      cpuPinning && 'vCPUs/emulator threads to host CPUs',
    ]
      .filter(Boolean)
      .join(' and ')
    findings.push({
      subject,
      message: `pins ${what}; the pinning is kept verbatim on ${destination.host}`,
      severity: 'info',
      data: {nodeset: numatune?.nodeset, cpuPinning},
    })
    return findings
  },
}
