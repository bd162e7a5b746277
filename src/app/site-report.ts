/**
 * The site check's evaluation -> its --json document (report/check-site-report.ts): one row per
 * guest with its size, one pair per destination, each destination with its reachability and
 * capacity. The rules already ran; this only arranges what they found.
 */
import {oneLine} from '../errors.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {SiteCheckReport, SiteGuestReport} from '../report/check-site-report.js'
import {severityCounts} from '../rules/severity.js'
import type {SiteDestination, SiteEvaluation} from './site-types.js'
import {measuredOf} from './check-measure.js'

export function siteCheckReport(
  profile: ResolvedProfile,
  evaluation: Omit<SiteEvaluation, 'destinations'> & {destinations: SiteDestination[]},
): SiteCheckReport {
  const {destinations, guests, pairs} = evaluation
  const rows = guests.map((guest, i): SiteGuestReport => {
    const row = pairs.slice(i * destinations.length, (i + 1) * destinations.length)
    const {domain} = guest
    return {
      name: guest.name,
      ...(domain.uuid ? {uuid: domain.uuid} : {}),
      state: guest.state,
      memoryKiB: domain.memoryKiB,
      ...(domain.currentMemoryKiB === undefined ? {} : {currentMemoryKiB: domain.currentMemoryKiB}),
      vcpus: domain.vcpus,
      ...measuredOf(evaluation.source.facts, guest),
      movable: row.some((p) => p.readiness.status !== 'blocked'),
      pairs: row.map((p) => ({
        destination: p.destination,
        status: p.readiness.status,
        blockers: p.readiness.blockers,
        counts: severityCounts(p.findings),
        findings: p.findings,
      })),
    }
  })
  return {
    formatVersion: 1,
    ok: rows.every((g) => g.movable),
    from: evaluation.source.host.name,
    destinations: destinations.map((d) =>
      d.reachable
        ? {name: d.name, reachable: true, capacity: d.capacity}
        : {name: d.name, reachable: false, error: {code: d.error.code, message: oneLine(d.error.message), ...(d.error.remedy ? {remedy: d.error.remedy} : {})}},
    ),
    profile: {site: profile.site, file: profile.file},
    guests: rows,
    roundTrips: evaluation.roundTrips,
  }
}
