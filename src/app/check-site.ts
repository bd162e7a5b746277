/**
 * The site check (`zmigrate check --to B,C,…` or `--to site`, and the first half of evacuate and
 * placement): every rule for every guest against every candidate destination. Each host's facts
 * are gathered once (the source once, each destination once), all hosts at the same time over one
 * connection each (HostPool); each host is probed once for the union of the guests' disk paths
 * (and each destination compares each distinct guest <cpu> once). Only the rules run per (guest,
 * destination) pair, so every host sees the round trips of a one-destination check, whatever the
 * number of guests and destinations. The one-destination check (check.ts) is this with one host.
 *
 * A destination that cannot be reached (connection, host key, login, or its collect or probe
 * script failing) does not hold up the others: it is reported as not reached, with its error, and
 * each of its pairs is blocked by libvirt-unreachable. Only an unreachable source, or no
 * destination reached at all, is an error (the first destination's, in --to order) — exit 3 for a
 * connection failure, exactly as a one-destination check with its destination down.
 */
import type {ExitCodeValue} from '../exit-codes.js'
import {UsageError, ZmigrateError, oneLine} from '../errors.js'
import {HostPool} from '../hosts/connect.js'
import {gatherFacts, probeHost, type ProbeRequest} from '../hosts/facts.js'
import type {CpuCompareResult, HostFacts, PathProbe} from '../hosts/facts-types.js'
import type {HostTransport} from '../hosts/transport.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedHost, ResolvedProfile} from '../profiles/types.js'
import type {ReadinessStatus, SiteCheckReport} from '../report/check-site-report.js'
import {evaluateRules} from '../rules/engine.js'
import {libvirtUnreachable} from '../rules/host/libvirt-unreachable.js'
import {RULES} from '../rules/registry.js'
import type {CheckContext, Finding, GuestUnderCheck, Rule} from '../rules/types.js'
import {type GuestSelection, assertSomethingToCheck, probeTargets, readDomainFile, selectGuests, uniqueCpuXmls} from './check-guests.js'
import {measureCheckedGuests, measuresDirtyRates, withMeasurements} from './check-measure.js'
import {checkExitCode} from './exit-status.js'
import {type HostCapacity, hostCapacity} from './host-capacity.js'
import {siteCheckReport} from './site-report.js'
import type {PairEvaluation, Readiness, ReachedDestination, SiteDestination, SiteEvaluation, UnreachedDestination} from './site-types.js'

export type {HostCapacity, ReadinessStatus}
export type {PairEvaluation, Readiness, ReachedDestination, SiteDestination, SiteEvaluation, UnreachedDestination}

export interface SiteCheckRequest extends GuestSelection {
  profile: ResolvedProfile
  from: string
  /** Candidate destinations (profile host names) in the order to report them; a repeated name counts once. */
  to: readonly string[]
  rules?: readonly Rule[]
  /** Measure the running guests' dirty rates (check --measure); unset: the profile's migration.measure-dirty-rate. */
  measure?: boolean
}

export interface SiteCheckOutcome extends SiteEvaluation {
  destinations: SiteDestination[]
  /** One per pair, in the order of `pairs`. */
  readiness: Readiness[]
  report: SiteCheckReport
  /** 0 when every guest has at least one destination without a blocker, 1 otherwise. */
  exitCode: ExitCodeValue
}

/**
 * With a `pool` from the caller, connections stay open for the caller (evacuate reuses them);
 * without one, they are closed before returning.
 */
export async function checkSite(request: SiteCheckRequest, callerPool?: HostPool): Promise<SiteCheckOutcome> {
  const pool = callerPool ?? new HostPool()
  try {
    const evaluation = await evaluateSite(request, pool, {capacity: true})
    const destinations: SiteDestination[] = evaluation.destinations.map((d) => (d.reachable ? {...d, capacity: d.capacity ?? hostCapacity(d.facts)} : d))
    const report = siteCheckReport(request.profile, {...evaluation, destinations})
    return {...evaluation, destinations, readiness: evaluation.pairs.map((p) => p.readiness), report, exitCode: checkExitCode(report)}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}

/** The keyword for "every host of the profile but the source"; a profile host of that name wins over it. */
export const WHOLE_SITE = 'site'

/**
 * What `--to` names: one host (the one-destination check and its document), or several — a
 * comma-separated list, or `site` — for the readiness matrix. The form follows what was typed, not
 * how many hosts the profile has, so a runbook always gets the document it asked for.
 */
export function chooseDestinations(profile: ResolvedProfile, from: string, to: string): {form: 'one'; to: string} | {form: 'site'; to: string[]} {
  if (to === WHOLE_SITE && !Object.hasOwn(profile.hosts, to)) return {form: 'site', to: Object.keys(profile.hosts).filter((name) => name !== from)}
  if (!to.includes(',')) return {form: 'one', to}
  const names = to.split(',').map((n) => n.trim())
  if (names.includes(''))
    throw new UsageError(`--to '${to}' has an empty host name`, {code: 'E_USAGE', remedy: 'Separate host names with single commas: --to zlpar2,zlpar3.'})
  return {form: 'site', to: names}
}

/**
 * The work of both forms of check. Each destination's column is evaluated as soon as its probe is
 * back (and, with `capacity`, its capacity read as soon as its facts are), while the other hosts'
 * scripts still run: only the last host's column is left for the end.
 */
export async function evaluateSite(request: SiteCheckRequest, pool: HostPool, opts: {capacity?: boolean} = {}): Promise<SiteEvaluation> {
  const {profile} = request
  const source = profileHost(profile, request.from, '--from')
  const destinationHosts = [...new Set(request.to)].map((name) => profileHost(profile, name, '--to'))
  if (destinationHosts.length === 0) {
    throw new UsageError(`no destination to check: profile ${profile.site} (${profile.file}) has no host but ${source.name}`, {
      code: 'E_NO_DESTINATION',
      remedy: `Add the other hosts under hosts: in ${profile.file}.`,
    })
  }
  const fileDomain = request.domainXmlFile ? await readDomainFile(request.domainXmlFile) : undefined
  assertSomethingToCheck(request, fileDomain)

  // every host at once, each host's facts once (the source may be among the destinations)
  const gathering = new Map<string, Promise<Gathered>>()
  const gather = (host: ResolvedHost): Promise<Gathered> => {
    let pending = gathering.get(host.name)
    if (!pending) {
      pending = pool.get(host).then(async (transport) => ({transport, facts: await gatherFacts(transport, host)}))
      gathering.set(host.name, pending)
    }
    return pending
  }
  const sourceGathered = gather(source)
  const destinationsGathered = destinationHosts.map((host) => settle(gather(host).then((g) => (opts.capacity ? {...g, capacity: hostCapacity(g.facts)} : g))))
  const {transport: sourceT, facts: gatheredFacts} = await sourceGathered

  const guests = selectGuests(request, gatheredFacts, fileDomain)
  // measured while the destinations are read and probed; the rules wait for it
  const measuring = measuresDirtyRates(profile, request.measure) ? measureCheckedGuests(sourceT, source, profile, guests) : Promise.resolve(new Map())
  measuring.catch(() => {}) // awaited below
  const domains = guests.map((g) => g.domain)
  const probe: ProbeRequest = {targets: probeTargets(domains), cpuXmls: uniqueCpuXmls(domains)}
  const sourceProbing = (probe.targets.length > 0 ? probeHost(sourceT, source, {targets: probe.targets, cpuXmls: []}) : Promise.resolve(undefined)).then(
    (r) => r?.paths ?? new Map<string, PathProbe>(),
  )
  sourceProbing.catch(() => {}) // awaited below; this only keeps it from being "unhandled" meanwhile

  const rules = request.rules ?? RULES
  const columns = await Promise.all(
    destinationHosts.map(async (host, i) => {
      const d = await reach(host, destinationsGathered[i], probe)
      if (!d.reachable) return {destination: d, pairs: guests.map((guest) => pair(guest, d.name, [notReached(d)]))}
      const sourceProbes = await sourceProbing
      const sourceFacts = withMeasurements(gatheredFacts, await measuring)
      const column = guests.map((guest) => {
        const context: CheckContext = {
          guest,
          source: sourceFacts,
          destination: d.facts,
          sourceHost: source,
          destinationHost: d.host,
          profile,
          sourceProbes,
          destinationProbes: d.probes,
          cpuCompare: guest.domain.cpu ? d.cpuCompare.get(guest.domain.cpu.xml) : undefined,
        }
        return pair(guest, d.name, evaluateRules(rules, context), context)
      })
      return {destination: d, pairs: column}
    }),
  )
  const sourceProbes = await sourceProbing
  const sourceFacts = withMeasurements(gatheredFacts, await measuring)
  const destinations = columns.map((c) => c.destination)
  const firstUnreached = destinations.find((d): d is UnreachedDestination => !d.reachable)
  if (firstUnreached && destinations.every((d) => !d.reachable)) throw firstUnreached.error

  return {
    source: {host: source, facts: sourceFacts, probes: sourceProbes},
    guests,
    destinations,
    // guest-major: each guest against every destination in order
    pairs: guests.flatMap((_, g) => columns.map((c) => c.pairs[g])),
    roundTrips: inOrder(pool.roundTrips(), [source.name, ...destinations.map((d) => d.name)]),
  }
}

/** The pool's counts with this check's hosts first (source, then --to order), whichever connected first. */
function inOrder(counts: Record<string, number>, names: string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const name of names) if (Object.hasOwn(counts, name)) out[name] = counts[name]
  return {...out, ...counts}
}

interface Gathered {
  transport: HostTransport
  facts: HostFacts
  capacity?: HostCapacity
}

type Settled<T> = {ok: true; value: T} | {ok: false; error: unknown}

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ok: true, value}),
    (error: unknown) => ({ok: false, error}),
  )
}

/** A destination's facts and its probe, or why it could not be reached; a bug (not a ZmigrateError) still throws. */
async function reach(host: ResolvedHost, gathered: Promise<Settled<Gathered>>, probe: ProbeRequest): Promise<ReachedDestination | UnreachedDestination> {
  const unreached = (error: unknown): UnreachedDestination => {
    if (error instanceof ZmigrateError) return {name: host.name, host, reachable: false, error}
    throw error
  }
  const g = await gathered
  if (!g.ok) return unreached(g.error)
  try {
    const result = probe.targets.length > 0 || probe.cpuXmls.length > 0 ? await probeHost(g.value.transport, host, probe) : undefined
    const cpuCompare = new Map<string, CpuCompareResult>()
    probe.cpuXmls.forEach((xml, i) => {
      const r = result?.cpu[i]
      if (r) cpuCompare.set(xml, r)
    })
    const {facts, capacity} = g.value
    return {name: host.name, host, reachable: true, facts, ...(capacity ? {capacity} : {}), probes: result?.paths ?? new Map<string, PathProbe>(), cpuCompare}
  } catch (error) {
    return unreached(error)
  }
}

function pair(guest: GuestUnderCheck, destination: string, findings: Finding[], context?: CheckContext): PairEvaluation {
  const blockers = [...new Set(findings.filter((f) => f.severity === 'blocker').map((f) => f.rule))]
  const status: ReadinessStatus = blockers.length > 0 ? 'blocked' : findings.some((f) => f.severity === 'action') ? 'actions' : 'ok'
  const readiness: Readiness = {guest: guest.name, ...(guest.domain.uuid ? {uuid: guest.domain.uuid} : {}), destination, status, blockers}
  return {guest, destination, ...(context ? {context} : {}), findings, readiness}
}

/**
 * Nothing was checked on a destination that was not reached, and nothing can be migrated there:
 * libvirt-unreachable's blocker (always a blocker: a profile override cannot make an unread host
 * look ready), with the connection's own error and remedy.
 */
function notReached(d: UnreachedDestination): Finding {
  const rule = libvirtUnreachable
  const message = oneLine(d.error.message)
  const detail = message.startsWith(`${d.name}: `) ? message.slice(d.name.length + 2) : message
  return {
    rule: rule.id,
    category: rule.category,
    severity: 'blocker',
    subject: `host ${d.name}`,
    message: `cannot reach destination ${d.name}, so nothing was checked there: ${detail}`,
    remedy: d.error.remedy ?? rule.remedy,
    data: {role: 'destination', reached: false, code: d.error.code},
  }
}
