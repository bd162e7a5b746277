import {ux} from '@oclif/core'
import type {Severity} from '../rules/severity.js'
import type {CheckReport, GuestReport} from './check-report.js'
import {dirtyRateText} from './prediction-text.js'

const colour: Record<Severity, string> = {blocker: 'red', action: 'cyan', warning: 'yellow', info: 'dim'}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function countsText(counts: GuestReport['counts']): string {
  const parts = (['blocker', 'action', 'warning', 'info'] as const).filter((s) => counts[s] > 0).map((s) => plural(counts[s], s))
  return parts.length > 0 ? parts.join(', ') : 'no findings'
}

export type Paint = (colour: string, text: string) => string

export const painter =
  (color: boolean | undefined): Paint =>
  (c, text) =>
    color ? ux.colorize(c, text) : text

/** Each finding in three lines or four: severity, rule id and subject; message; remedy; a profile override. */
export function findingLines(findings: GuestReport['findings'], paint: Paint): string[] {
  const out: string[] = []
  const width = Math.max(0, ...findings.map((f) => f.rule.length))
  for (const f of findings) {
    out.push(`  ${paint(colour[f.severity], f.severity.toUpperCase().padEnd(7))}  ${f.rule.padEnd(width)}  ${f.subject}`)
    out.push(`  ${' '.repeat(7)}  ${' '.repeat(width)}  ${f.message}`)
    if (f.severity !== 'info') out.push(`  ${' '.repeat(7)}  ${' '.repeat(width)}  remedy: ${f.remedy}`)
    if (f.override) out.push(`  ${' '.repeat(7)}  ${' '.repeat(width)}  (site profile: ${f.override.defaultSeverity} -> ${f.severity}: ${f.override.reason})`)
  }
  return out
}

/** The check report as an admin reads it: one block per guest, strongest findings first. */
export function renderCheckReport(report: CheckReport, opts: {color?: boolean} = {}): string {
  const paint = painter(opts.color)
  const out: string[] = [`zmigrate check: ${report.from} -> ${report.to} (site ${report.profile.site}, ${report.profile.file})`]
  for (const g of report.guests) {
    out.push('')
    const verdict = g.migratable ? paint('green', 'migratable') : paint('red', 'BLOCKED')
    out.push(`${g.name} (${g.state}): ${verdict} — ${countsText(g.counts)}`)
    if (g.dirtyRate) out.push(`  dirty rate: ${dirtyRateText(g.dirtyRate)}`)
    out.push(...findingLines(g.findings, paint))
  }
  const movable = report.guests.filter((g) => g.migratable).length
  const blockers = report.guests.reduce((n, g) => n + g.counts.blocker, 0)
  out.push('')
  out.push(
    report.ok
      ? `Result: ${movable === 1 && report.guests.length === 1 ? 'the guest' : `all ${report.guests.length} guests`} can be migrated${report.guests.some((g) => g.counts.action > 0) ? '; zmigrate plan handles the actions' : ''}.`
      : `Result: ${movable} of ${report.guests.length} guest${report.guests.length === 1 ? '' : 's'} can be migrated; ${plural(blockers, 'blocker')} to fix first.`,
  )
  return out.join('\n')
}
