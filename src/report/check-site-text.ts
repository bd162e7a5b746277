/**
 * The site check as an admin reads it: the readiness matrix (a row per guest, a column per
 * destination), the destinations that were not reached, then the findings of each blocked pair
 * (of every pair with verbose), and one result line.
 */
import type {ReadinessStatus, SiteCheckReport, SitePairReport} from './check-site-report.js'
import {dirtyRateText} from './prediction-text.js'
import {countsText, findingLines, painter, plural} from './check-text.js'

const statusColour: Record<ReadinessStatus, string> = {ok: 'green', actions: 'cyan', blocked: 'red'}

/** A matrix cell: `ok`, `actions`, or `blocked: rule-id, rule-id`. */
export function readinessCell(pair: Pick<SitePairReport, 'status' | 'blockers'>): string {
  return pair.status === 'blocked' ? `blocked: ${pair.blockers.join(', ')}` : pair.status
}

export function renderSiteCheckReport(report: SiteCheckReport, opts: {color?: boolean; verbose?: boolean} = {}): string {
  const paint = painter(opts.color)
  const names = report.destinations.map((d) => d.name)
  const out: string[] = [
    `zmigrate check: ${report.from} -> ${plural(names.length, 'destination')}: ${names.join(', ')} (site ${report.profile.site}, ${report.profile.file})`,
    '',
  ]

  // the matrix: widths from the plain text, colour added after padding
  const header = ['guest', ...names]
  const rows = report.guests.map((g) => [g.name, ...g.pairs.map(readinessCell)])
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  const line = (cells: string[], colourOf: (c: number) => string | undefined) =>
    cells
      .map((text, c) => {
        const padded = c === cells.length - 1 ? text : text.padEnd(widths[c])
        const colour = colourOf(c)
        return colour ? paint(colour, padded) : padded
      })
      .join('  ')
      .trimEnd()
  out.push(line(header, () => 'bold'))
  report.guests.forEach((g, i) => out.push(line(rows[i], (c) => (c === 0 ? undefined : statusColour[g.pairs[c - 1].status]))))
  if (report.guests.length === 0) out.push('(no guests)')

  const measured = report.guests.filter((g) => g.dirtyRate)
  if (measured.length > 0) out.push('', 'dirty rates:', ...measured.map((g) => `  ${g.name}: ${g.dirtyRate ? dirtyRateText(g.dirtyRate) : ''}`))

  const unreached = report.destinations.filter((d) => !d.reachable)
  for (const d of unreached) {
    const message = d.error?.message ?? 'no answer'
    out.push('', `${paint('red', 'NOT REACHED')} ${message.startsWith(`${d.name}: `) ? message : `${d.name}: ${message}`}`)
    if (d.error?.remedy) out.push(`  remedy: ${d.error.remedy}`)
  }

  const skip = new Set(unreached.map((d) => d.name))
  for (const g of report.guests) {
    for (const p of g.pairs) {
      if (skip.has(p.destination) || (!opts.verbose && p.status !== 'blocked')) continue
      const verdict =
        p.status === 'blocked' ? paint('red', 'BLOCKED') : paint(statusColour[p.status], p.status === 'ok' ? 'migratable' : 'migratable with actions')
      out.push('', `${g.name} -> ${p.destination} (${g.state}): ${verdict} — ${countsText(p.counts)}`, ...findingLines(p.findings, paint))
    }
  }

  const stuck = report.guests.filter((g) => !g.movable)
  const total = report.guests.length
  out.push('')
  out.push(
    stuck.length === 0
      ? `Result: ${total === 1 ? 'the guest' : `all ${total} guests`} can be migrated to at least one destination.`
      : `Result: ${total - stuck.length} of ${plural(total, 'guest')} can be migrated to at least one destination; blocked everywhere: ${stuck.map((g) => g.name).join(', ')}.`,
  )
  return out.join('\n')
}
