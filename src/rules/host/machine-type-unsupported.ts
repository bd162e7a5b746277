import {isOfflineMigration} from '../host-helpers.js'
import type {FindingDraft, Rule} from '../types.js'
import {compareVersions, versionNumbers} from '../versions.js'

/**
 * A guest keeps its machine type (e.g. s390-ccw-virtio-7.2) across a live migration; newer QEMU
 * releases keep accepting older machine types, so moving to a newer hypervisor is fine, but to
 * move to an older one the guest must already use a machine type that release supports (IBM KVM
 * Virtual Server Management, "Hypervisor release", ldva_c_migrate_live_hyprel). libvirt's live
 * XML carries the canonical versioned name; an unversioned alias (`s390-ccw-virtio`, typical of
 * an inactive definition) resolves on the destination to its newest version, so it only needs
 * the family to exist there.
 *
 * A destination QEMU older than the source's is also flagged (warning) even when the machine type
 * exists: upstream QEMU only promises forward migration, and s390x has had cross-version stream
 * breakage, e.g. QEMU 9.0 -> 9.1 "Unknown savevm section or instance 's390_css'"
 * (https://gitlab.com/qemu-project/qemu/-/issues/2704). That only matters when a migration
 * stream flows, so not for offline migration.
 */
export const machineTypeUnsupported: Rule = {
  id: 'machine-type-unsupported',
  category: 'host',
  severity: 'blocker',
  summary: "The destination's QEMU does not offer the guest's machine type (or is older than the source's).",
  remedy:
    "Update QEMU on the destination to a release that offers the guest's machine type, or (at the next planned restart) change the guest's <os><type machine=…> to a machine type both hosts list in virsh capabilities, then migrate.",
  source: 'IBM KVM Virtual Server Management, "Hypervisor release" (ldva_c_migrate_live_hyprel); QEMU issue 2704 (s390x 9.0 -> 9.1 migration breakage)',
  check(ctx) {
    const {guest, source, destination} = ctx
    const machine = guest.domain.machine
    if (!machine) return []
    const arch = guest.domain.arch ?? 's390x'
    const entry = destination.guestDomains.find((g) => g.arch === arch)
    const offered = entry && entry.machines.length > 0 ? entry.machines : destination.machineTypes
    const subject = `machine ${machine}`
    const dstQemu = destination.qemu.version
    const findings: FindingDraft[] = []

    if (offered.length > 0 && !isOffered(machine, offered)) {
      const newest = newestOfFamily(machine, offered)
      findings.push({
        subject,
        message: `${destination.host}${dstQemu ? ` (QEMU ${dstQemu})` : ''} does not offer machine type ${machine} for ${arch}; ${newest ? `its newest ${family(machine)} is ${newest}` : `it offers ${offered.join(', ')}`}`,
        data: {machine, arch, newestOffered: newest},
      })
      return findings
    }

    if (isOfflineMigration(ctx)) return findings
    const src = versionNumbers(source.qemu.version)
    const dst = versionNumbers(dstQemu)
    if (src && dst && compareVersions(dst, src) < 0) {
      findings.push({
        subject: `host ${destination.host}`,
        message: `${destination.host} runs QEMU ${dstQemu}, older than ${source.host}'s QEMU ${source.qemu.version}; migrating to an older QEMU is not guaranteed even with machine type ${machine}`,
        severity: 'warning',
        remedy: `Prefer updating QEMU on ${destination.host} to ${source.qemu.version} or later; otherwise try the migration on a test guest with machine type ${machine} first.`,
        data: {sourceQemu: source.qemu.version, destinationQemu: dstQemu, machine},
      })
    }
    return findings
  },
}

const VERSIONED = /^(.*)-(\d+\.\d+)$/

/** 's390-ccw-virtio-7.2' → 's390-ccw-virtio'; an alias is its own family. */
function family(machine: string): string {
  return VERSIONED.exec(machine)?.[1] ?? machine
}

function isOffered(machine: string, offered: readonly string[]): boolean {
  if (offered.includes(machine)) return true
  // An unversioned alias resolves to the destination's newest machine of that family.
  return !VERSIONED.test(machine) && offered.some((m) => family(m) === machine && VERSIONED.test(m))
}

function newestOfFamily(machine: string, offered: readonly string[]): string | undefined {
  const fam = family(machine)
  return offered
    .filter((m) => VERSIONED.test(m) && family(m) === fam)
    .sort((a, b) => compareVersions(versionNumbers(VERSIONED.exec(b)![2])!, versionNumbers(VERSIONED.exec(a)![2])!))[0]
}
