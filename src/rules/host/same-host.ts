import type {Rule} from '../types.js'

const UUID_REMEDY =
  'Give each host its own libvirt host UUID: set host_uuid = "<output of uuidgen>" in /etc/libvirt/libvirtd.conf (or virtqemud.conf with modular daemons) on one of them and restart the daemon; libvirt reads it from SMBIOS otherwise, which some firmware leaves identical.'

/**
 * Source and destination must be different hosts. libvirt refuses with "Attempt to migrate
 * guest to the same host <uuid>" when the migration cookie's host UUID equals its own
 * (src/qemu/qemu_migration_cookie.c, qemuMigrationCookieXMLParse). Current libvirt compares
 * only the host UUID ("even if [hostnames] were [the same], it doesn't mean the domain is
 * migrating onto the same host. Rely on UUID"); older releases compared the hostnames first,
 * hence the warning for equal hostnames. Two different machines with the same SMBIOS UUID hit the
 * same refusal and cannot migrate to each other until one gets a `host_uuid` in libvirtd.conf.
 * Nova has the same precheck (`_check_destination_is_not_source`).
 *
 * Same profile host, or the same address and port, is the same host to zmigrate: blocker.
 */
export const sameHost: Rule = {
  id: 'same-host',
  category: 'host',
  severity: 'blocker',
  summary: 'Source and destination are the same host (profile entry, address or libvirt host UUID).',
  remedy: 'Choose a different destination host: a guest cannot be migrated onto the host it runs on.',
  source:
    'libvirt src/qemu/qemu_migration_cookie.c ("Attempt to migrate guest to the same host"); libvirtd.conf host_uuid; OpenStack Nova _check_destination_is_not_source',
  check({source, destination, sourceHost, destinationHost}) {
    const subject = `host ${destinationHost.name}`
    const reasons: string[] = []
    if (sourceHost.name === destinationHost.name) reasons.push(`both are profile host ${sourceHost.name}`)
    else if (sameAddress(sourceHost, destinationHost)) {
      reasons.push(
        `${sourceHost.name} and ${destinationHost.name} both connect to ${destinationHost.address}${destinationHost.port ? `:${destinationHost.port}` : ''}`,
      )
    }
    if (reasons.length > 0) {
      return [{subject, message: `source and destination are the same host: ${reasons.join('; ')}`, data: {reason: 'same-host'}}]
    }
    if (source.hostUuid && destination.hostUuid && source.hostUuid.toLowerCase() === destination.hostUuid.toLowerCase()) {
      return [
        {
          subject,
          message: `${source.host} and ${destination.host} have the same libvirt host UUID ${destination.hostUuid}; libvirt refuses with "Attempt to migrate guest to the same host"`,
          remedy: UUID_REMEDY,
          data: {reason: 'host-uuid', hostUuid: destination.hostUuid},
        },
      ]
    }
    if (source.hostname && destination.hostname && source.hostname === destination.hostname) {
      return [
        {
          subject,
          message: `${source.host} and ${destination.host} report the same hostname ${destination.hostname}; older libvirt releases refuse that as the same host, and it makes logs ambiguous`,
          severity: 'warning',
          remedy: 'Give each host a distinct hostname (hostnamectl set-hostname) if both really are different machines.',
          data: {reason: 'hostname', hostname: destination.hostname},
        },
      ]
    }
    return []
  },
}

function sameAddress(a: {address: string; port?: number; transport: string}, b: {address: string; port?: number; transport: string}): boolean {
  if (a.transport === 'local' && b.transport === 'local') return true
  return a.transport === b.transport && a.address.toLowerCase() === b.address.toLowerCase() && (a.port ?? 22) === (b.port ?? 22)
}
