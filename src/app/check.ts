/**
 * The check use case (`zmigrate check`, and the first half of plan and migrate): gather both
 * hosts' facts (one round trip each), probe the paths the guests use (one more each), run every
 * rule for every guest, and report all findings. The number of round trips per host is
 * constant, whatever the number of guests.
 */
import {readFile} from 'node:fs/promises'
import {bootFiles} from '../domain/boot-files.js'
import {declaredImageFormat} from '../domain/image-format.js'
import {parseDomainXml} from '../domain/parse.js'
import type {DomainModel} from '../domain/types.js'
import {HostAccessError, InputError, UsageError} from '../errors.js'
import type {ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {gatherFacts, probeHost} from '../hosts/facts.js'
import type {CpuCompareResult, HostFacts, PathProbe, ProbeTarget} from '../hosts/facts-types.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedHost, ResolvedProfile} from '../profiles/types.js'
import type {CheckReport, GuestReport} from '../report/check-report.js'
import {evaluateRules} from '../rules/engine.js'
import {RULES} from '../rules/registry.js'
import {SEVERITIES} from '../rules/severity.js'
import type {CheckContext, GuestUnderCheck, Rule} from '../rules/types.js'
import {checkExitCode} from './exit-status.js'

export interface CheckRequest {
  profile: ResolvedProfile
  from: string
  to: string
  /** Guest names on the source; empty with `all` or `domainXmlFile`. */
  guests: string[]
  all: boolean
  /** Check this definition instead of (or before it exists as) a source guest. */
  domainXmlFile?: string
  rules?: readonly Rule[]
}

export interface CheckOutcome {
  report: CheckReport
  /** Everything the planner needs to turn findings into steps. */
  evaluations: GuestEvaluation[]
  sourceFacts: HostFacts
  destinationFacts: HostFacts
  /** 0 when no guest has a blocker, 1 otherwise. */
  exitCode: ExitCodeValue
}

export interface GuestEvaluation {
  context: CheckContext
  report: GuestReport
}

export function resolveHostPair(profile: ResolvedProfile, from: string, to: string): {source: ResolvedHost; destination: ResolvedHost} {
  return {source: profileHost(profile, from, '--from'), destination: profileHost(profile, to, '--to')}
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

/**
 * With a `pool` from the caller, connections stay open for the caller (migrate reuses them);
 * without one, they are closed before returning.
 */
export async function runCheck(request: CheckRequest, callerPool?: HostPool): Promise<CheckOutcome> {
  const pool = callerPool ?? new HostPool()
  const {profile} = request
  const {source, destination} = resolveHostPair(profile, request.from, request.to)
  const fileDomain = request.domainXmlFile ? await readDomainFile(request.domainXmlFile) : undefined
  if (!request.all && request.guests.length === 0 && !fileDomain)
    throw new UsageError('name at least one guest, or use --all or --domain-xml FILE', {code: 'E_NO_GUEST'})

  try {
    const [sourceT, destinationT] = await Promise.all([pool.get(source), pool.get(destination)])
    const [sourceFacts, destinationFacts] = await Promise.all([gatherFacts(sourceT, source), gatherFacts(destinationT, destination)])

    const guests = selectGuests(request, sourceFacts, fileDomain)
    const domains = guests.map((g) => g.domain)
    const targets = probeTargets(domains)
    const cpuXmls = uniqueCpuXmls(domains)
    const [sourceProbe, destinationProbe] = await Promise.all([
      targets.length > 0 ? probeHost(sourceT, source, {targets, cpuXmls: []}) : undefined,
      targets.length > 0 || cpuXmls.length > 0 ? probeHost(destinationT, destination, {targets, cpuXmls}) : undefined,
    ])
    const cpuResults = new Map<string, CpuCompareResult>()
    cpuXmls.forEach((xml, i) => {
      const r = destinationProbe?.cpu[i]
      if (r) cpuResults.set(xml, r)
    })

    const rules = request.rules ?? RULES
    const evaluations = guests.map((guest) => {
      const context: CheckContext = {
        guest,
        source: sourceFacts,
        destination: destinationFacts,
        sourceHost: source,
        destinationHost: destination,
        profile,
        sourceProbes: sourceProbe?.paths ?? new Map<string, PathProbe>(),
        destinationProbes: destinationProbe?.paths ?? new Map<string, PathProbe>(),
        cpuCompare: guest.domain.cpu ? cpuResults.get(guest.domain.cpu.xml) : undefined,
      }
      return {context, report: guestReport(guest, evaluateRules(rules, context))}
    })
    const report: CheckReport = {
      formatVersion: 1,
      ok: evaluations.every((e) => e.report.migratable),
      from: source.name,
      to: destination.name,
      profile: {site: profile.site, file: profile.file},
      guests: evaluations.map((e) => e.report),
      roundTrips: pool.roundTrips(),
    }
    return {report, evaluations, sourceFacts, destinationFacts, exitCode: checkExitCode(report)}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}

function guestReport(guest: GuestUnderCheck, findings: ReturnType<typeof evaluateRules>): GuestReport {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as GuestReport['counts']
  return {name: guest.name, state: guest.state, migratable: counts.blocker === 0, counts, findings}
}

async function readDomainFile(file: string): Promise<DomainModel> {
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

function selectGuests(request: CheckRequest, facts: HostFacts, fileDomain?: DomainModel): GuestUnderCheck[] {
  // without the source's libvirt there is no guest to check (the destination's is a finding instead)
  if (!facts.libvirt.reachable && (request.all || request.guests.length > 0)) {
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
  const names = request.all ? facts.guests.map((g) => g.name) : request.guests
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

function uniqueCpuXmls(domains: readonly DomainModel[]): string[] {
  return [...new Set(domains.flatMap((d) => (d.cpu ? [d.cpu.xml] : [])))]
}

function suggest(name: string, known: string[]): string {
  const close = known.filter((k) => k.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(k.toLowerCase()))
  return close.length > 0 ? ` (did you mean ${close.slice(0, 3).join(', ')}?)` : ''
}
