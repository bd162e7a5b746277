import type {HostFacts} from '../../hosts/facts-types.js'
import {hostSubject} from '../host-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * Every migration step goes through libvirt on both hosts (virsh migrate talks to the source's
 * libvirtd, which with --p2p connects to the destination's; IBM "Performing a live migration").
 * When zmigrate could not connect to a host's libvirt, nothing can be migrated, and the facts the
 * other host rules rely on (capabilities, guests, CPU comparison) are missing, so their silence
 * means nothing.
 */
export const libvirtUnreachable: Rule = {
  id: 'libvirt-unreachable',
  category: 'host',
  severity: 'blocker',
  summary: "A host's libvirt could not be reached, so nothing can be checked or migrated there.",
  remedy:
    "Check that the libvirt daemon runs on the host (systemctl status libvirtd, or virtqemud.socket with modular daemons) and that the profile's libvirt-uri (and migration-uri) is right for it; try virsh -c <uri> version on the host as the SSH user zmigrate uses.",
  source:
    'IBM KVM Virtual Server Management, "Performing a live migration" (virsh migrate … qemu+ssh://<destination-host>/system); libvirt "Connection URIs" (uri.rst)',
  check({source, destination}) {
    return [describe(source, 'source'), describe(destination, 'destination')].filter((f): f is FindingDraft => f !== undefined)
  },
}

function describe(facts: HostFacts, role: string): FindingDraft | undefined {
  if (facts.libvirt.reachable) return undefined
  return {
    subject: hostSubject(facts),
    message: `cannot reach libvirt on ${role} ${facts.host} at ${facts.libvirt.uri}${facts.libvirt.error ? `: ${facts.libvirt.error}` : ''}`,
    data: {role, uri: facts.libvirt.uri, error: facts.libvirt.error},
  }
}
