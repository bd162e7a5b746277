import type {FindingDraft, Rule} from '../types.js'

/**
 * libvirt identifies a domain by name and UUID. On the destination it refuses an incoming domain
 * whose name is taken by a domain with another UUID ("domain '…' already exists with uuid …"), or
 * whose UUID is taken under another name ("domain '…' is already defined with uuid …"), and it
 * refuses one that is already running there ("domain '…' is already active"): virDomainObjListAdd
 * with the check-live flag, called by the QEMU driver's migration Prepare phase.
 * The one tolerable case is the guest's own stale, inactive copy (same name and UUID, shut off),
 * e.g. left by an earlier migration without --undefinesource: migrating with --persistent
 * replaces that definition, which is worth a warning because any edits made to it are lost.
 */
export const destNameConflict: Rule = {
  id: 'dest-name-conflict',
  category: 'host',
  severity: 'blocker',
  summary: 'A domain with the same name (or UUID) is already defined on the destination.',
  remedy:
    'Check what the destination domain is: if it is a stale copy of this guest, undefine it there (virsh undefine <name>, keeping its disks); if it is another guest, rename one of them (virsh domrename, guest shut off) before migrating.',
  source: 'libvirt virDomainObjListAdd (src/conf/virdomainobjlist.c): name/UUID uniqueness on the destination during migration Prepare',
  check({guest, destination}) {
    const name = guest.name
    const uuid = guest.domain.uuid
    const findings: FindingDraft[] = []
    const sameName = destination.guests.find((g) => g.name === name)
    if (sameName) {
      const subject = `guest ${name} on ${destination.host}`
      if (uuid === undefined || sameName.uuid !== uuid) {
        findings.push({
          subject,
          message: `${destination.host} already has a domain named ${name} with UUID ${sameName.uuid} (${sameName.state})${uuid ? `; this guest's UUID is ${uuid}` : "; this guest's UUID is unknown"}`,
          data: {name, destinationUuid: sameName.uuid, uuid, state: sameName.state},
        })
      } else if (sameName.state === 'shut off') {
        findings.push({
          subject,
          message: `${destination.host} has an inactive definition of ${name} with the same UUID ${uuid}; the migration will replace it`,
          severity: 'warning',
          remedy: `Compare it with the source definition (virsh dumpxml ${name} on both hosts) if it may hold edits worth keeping; otherwise nothing to do.`,
          data: {name, uuid, state: sameName.state},
        })
      } else {
        findings.push({
          subject,
          message: `${name} (UUID ${uuid}) is already ${sameName.state} on ${destination.host}; a running domain cannot receive a migration`,
          remedy: `Find out which copy is current before anything else (two running copies of one guest corrupt shared disks): check virsh list --all on both hosts; shut down and undefine the stale one.`,
          data: {name, uuid, state: sameName.state},
        })
      }
    }
    const sameUuid = uuid === undefined ? undefined : destination.guests.find((g) => g.uuid === uuid && g.name !== name)
    if (sameUuid) {
      findings.push({
        subject: `guest ${sameUuid.name} on ${destination.host}`,
        message: `${destination.host} has domain ${sameUuid.name} (${sameUuid.state}) with this guest's UUID ${uuid}; libvirt refuses a second domain with the same UUID`,
        data: {name, uuid, destinationName: sameUuid.name, state: sameUuid.state},
      })
    }
    return findings
  },
}
