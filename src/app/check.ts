/**
 * The check use case (`zmigrate check --to B`, and the first half of plan and migrate): gather both
 * hosts' facts (one round trip each), probe the paths the guests use (one more each), run every
 * rule for every guest, and report all findings. The number of round trips per host is
 * constant, whatever the number of guests. It is the site check (check-site.ts) with one
 * destination, reported in its own document (report/check-report.ts) — and a destination that
 * cannot be reached is the error (exit 3), since there is no other to report.
 */
import type {ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import type {HostFacts} from '../hosts/facts-types.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedHost, ResolvedProfile} from '../profiles/types.js'
import type {CheckReport, GuestReport} from '../report/check-report.js'
import {severityCounts} from '../rules/severity.js'
import type {CheckContext, Finding, GuestUnderCheck, Rule} from '../rules/types.js'
import type {GuestSelection} from './check-guests.js'
import {evaluateSite} from './check-site.js'
import {measuredOf} from './check-measure.js'
import {checkExitCode} from './exit-status.js'

export {probeTargets} from './check-guests.js'

export interface CheckRequest extends GuestSelection {
  profile: ResolvedProfile
  from: string
  to: string
  rules?: readonly Rule[]
  /** Measure the running guests' dirty rates (--measure); unset: the profile's migration.measure-dirty-rate. */
  measure?: boolean
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
 * With a `pool` from the caller, connections stay open for the caller (migrate reuses them);
 * without one, they are closed before returning.
 */
export async function runCheck(request: CheckRequest, callerPool?: HostPool): Promise<CheckOutcome> {
  const pool = callerPool ?? new HostPool()
  const {profile} = request
  const {source, destination} = resolveHostPair(profile, request.from, request.to)
  try {
    // evaluateSite throws when its only destination was not reached, so every pair has its context
    const site = await evaluateSite({...request, from: source.name, to: [destination.name]}, pool)
    const [reached] = site.destinations
    if (!reached.reachable) throw reached.error
    const evaluations = site.pairs.flatMap(({guest, context, findings}) => (context ? [{context, report: guestReport(guest, findings, context.source)}] : []))
    const report: CheckReport = {
      formatVersion: 1,
      ok: evaluations.every((e) => e.report.migratable),
      from: source.name,
      to: destination.name,
      profile: {site: profile.site, file: profile.file},
      guests: evaluations.map((e) => e.report),
      roundTrips: site.roundTrips,
    }
    return {report, evaluations, sourceFacts: site.source.facts, destinationFacts: reached.facts, exitCode: checkExitCode(report)}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}

function guestReport(guest: GuestUnderCheck, findings: Finding[], source: HostFacts): GuestReport {
  const counts = severityCounts(findings)
  return {name: guest.name, state: guest.state, migratable: counts.blocker === 0, counts, findings, ...measuredOf(source, guest)}
}
