/**
 * What a check looks at, before any rule runs: the guests chosen on the source (by name, --all, or
 * a --domain-xml file), parsed once each, and the disk paths and CPU definitions the probe phase
 * asks the hosts about. Shared by the one-destination check and the site check.
 */
import {readFile} from 'node:fs/promises'
import {bootFiles} from '../domain/boot-files.js'
import {declaredImageFormat} from '../domain/image-format.js'
import {parseDomainXml} from '../domain/parse.js'
import type {DomainModel} from '../domain/types.js'
import {HostAccessError, InputError, UsageError} from '../errors.js'
import type {HostFacts, ProbeTarget} from '../hosts/facts-types.js'
import type {GuestUnderCheck} from '../rules/types.js'

export interface GuestSelection {
  /** Guest names on the source; empty with `all` or `domainXmlFile`. */
  guests: string[]
  all: boolean
  /** Check this definition instead of (or before it exists as) a source guest. */
  domainXmlFile?: string
}

/**
 * Paths a guest names that the probe phase should look at on each host: disk image files (size,
 * free space, qemu-img info read as the format the XML declares), block devices (read-only media,
 * sizes, DM UUIDs; /dev paths are read under root), and the `<os>` boot files — kernel, initrd,
 * loader, NVRAM — as plain files (no format: qemu-img never opens them). A format QEMU does not
 * know goes as declared, for the probe to refuse by name.
 */
export function probeTargets(domains: readonly DomainModel[]): ProbeTarget[] {
  const targets: ProbeTarget[] = []
  for (const d of domains) {
    for (const disk of d.disks) {
      if (!disk.path || (disk.type !== 'file' && disk.type !== 'block')) continue
      const declared = declaredImageFormat(disk)
      const format = 'format' in declared ? declared.format : (disk.driver?.format ?? '')
      targets.push({path: disk.path, format, ...(disk.backingFiles ? {backingFiles: disk.backingFiles} : {})})
    }
    for (const {path} of bootFiles(d)) targets.push({path})
  }
  return targets
}

/** Each distinct guest `<cpu>` document once: the destination compares each once, whatever the number of guests sharing it. */
export function uniqueCpuXmls(domains: readonly DomainModel[]): string[] {
  return [...new Set(domains.flatMap((d) => (d.cpu ? [d.cpu.xml] : [])))]
}

/** Refuses a request that names nothing to check, before any host is contacted. */
export function assertSomethingToCheck(selection: GuestSelection, fileDomain: DomainModel | undefined): void {
  if (!selection.all && selection.guests.length === 0 && !fileDomain)
    throw new UsageError('name at least one guest, or use --all or --domain-xml FILE', {code: 'E_NO_GUEST'})
}

export async function readDomainFile(file: string): Promise<DomainModel> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read domain XML: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      location: {file},
      code: 'E_DOMAIN_XML',
    })
  }
  return parseDomainXml(text, file)
}

/** The guests to check, each guest's XML parsed once (however many destinations it is checked against). */
export function selectGuests(selection: GuestSelection, facts: HostFacts, fileDomain?: DomainModel): GuestUnderCheck[] {
  // without the source's libvirt there is no guest to check (the destination's is a finding instead)
  if (!facts.libvirt.reachable && (selection.all || selection.guests.length > 0)) {
    throw new HostAccessError(facts.host, `libvirt is unreachable at ${facts.libvirt.uri}: ${facts.libvirt.error ?? 'no answer'}`, {
      code: 'E_LIBVIRT_UNREACHABLE',
      remedy: `Check that libvirtd (or virtqemud) runs on ${facts.host} and that libvirt-uri in the profile is right.`,
    })
  }
  const byName = new Map(facts.guests.map((g) => [g.name, g]))
  const selected: GuestUnderCheck[] = []
  if (fileDomain) {
    selected.push({name: fileDomain.name, state: byName.get(fileDomain.name)?.state ?? 'unknown', domain: fileDomain})
  }
  const names = selection.all ? facts.guests.map((g) => g.name) : selection.guests
  const missing = names.filter((n) => !byName.has(n))
  if (missing.length > 0) {
    const known = facts.guests.map((g) => g.name)
    throw new UsageError(`unknown guest ${missing.map((n) => JSON.stringify(n)).join(', ')} on ${facts.host}${suggest(missing[0], known)}`, {
      code: 'E_UNKNOWN_GUEST',
      remedy:
        known.length > 0
          ? `Guests on ${facts.host}: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}.`
          : `${facts.host} has no guests defined.`,
    })
  }
  for (const name of names) {
    if (fileDomain && name === fileDomain.name) continue
    const summary = byName.get(name)
    if (!summary) continue // every missing name was refused above
    selected.push({name, state: summary.state, domain: parseDomainXml(summary.xml, `${facts.host}:${name}`)})
  }
  return selected
}

function suggest(name: string, known: string[]): string {
  const close = known.filter((k) => k.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(k.toLowerCase()))
  return close.length > 0 ? ` (did you mean ${close.slice(0, 3).join(', ')}?)` : ''
}
