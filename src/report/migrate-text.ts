import type {Plan} from '../plan/types.js'
import type {MigrationReport} from '../run/report.js'
import {formatBytes} from '../units.js'
import type {GuestOutcome, HostMigrationReport} from './host-migration-report.js'

const mark: Record<string, string> = {done: 'ok  ', failed: 'FAIL', pending: '-   ', running: '?   ', skipped: 'ok  ', 'not-needed': 'n/a '}

export function renderMigrationReport(r: MigrationReport): string {
  // `zmigrate cancel` from another shell: the failed step says who (run/cancel-request.ts abortMessage)
  const cancelledBy = r.steps.map((s) => /^cancelled by user \(([^)]+)\)/.exec(s.error ?? '')?.[1]).find(Boolean)
  const failed = cancelledBy ? `migration cancelled by user (${cancelledBy})` : 'migration failed'
  const headline = {
    migrated: `${r.guest} migrated from ${r.from} to ${r.to} and verified${r.downtimeMs !== undefined ? ` (downtime ${r.downtimeMs} ms)` : ''}.`,
    'rolled-back': `${r.guest}: ${failed}; everything was rolled back — ${r.guest} is on ${r.from} as before.`,
    'rollback-incomplete': `${r.guest}: ${failed} and the rollback is INCOMPLETE — a human must finish it (below).`,
    interrupted: `${r.guest}: interrupted; continue with zmigrate migrate --resume ${r.journal}`,
  }[r.outcome]
  const out = ['', headline, '', 'steps:']
  for (const s of r.steps) out.push(`  ${mark[s.state] ?? s.state} ${s.id}  ${s.description}${s.error ? `\n       error: ${s.error}` : ''}`)
  if (r.undo.length > 0) {
    out.push('', 'rollback:')
    for (const u of r.undo) out.push(`  ${mark[u.state] ?? u.state} ${u.step}  ${u.description}${u.error ? `\n       error: ${u.error}` : ''}`)
  }
  if (r.manual.length > 0) out.push('', 'needs a human:', ...r.manual.map((m) => `  - ${m}`))
  for (const i of r.sourceImages ?? []) {
    const size = i.sizeBytes !== undefined ? ` (${formatBytes(i.sizeBytes)})` : ''
    out.push(
      i.state === 'removed' ? `removed from ${i.host}: ${i.path}${size}, the copy this migration made` : `left on ${i.host}: ${i.path}${size} — ${i.reason}`,
    )
  }
  out.push('', `journal: ${r.journal}`)
  return out.join('\n')
}

/** What migrate --all is about to do: the guests that move, in order, and the ones that stay. */
export function renderOverview(overview: {movable: Plan[]; blocked: GuestOutcome[]}, from: string, to: string): string {
  const out = [`From ${from} to ${to}, one at a time:`]
  for (const p of overview.movable) {
    const mode = p.steps.find((s) => s.kind === 'migrate')?.migrate?.mode
    out.push(`  move  ${p.guest.name} (${p.guest.state}, ${mode} migration, ${p.steps.length} steps)`)
  }
  for (const b of overview.blocked) out.push(`  stay  ${b.name}: ${(b.blockers ?? []).map((x) => `${x.rule} (${x.subject})`).join('; ')}`)
  return out.join('\n')
}

export function renderHostMigrationReport(r: HostMigrationReport): string {
  const out = ['', `${r.from} -> ${r.to}:`]
  for (const g of r.guests) {
    const detail =
      g.outcome === 'blocked'
        ? (g.blockers ?? []).map((b) => `${b.rule}: ${b.subject}`).join('; ')
        : g.report
          ? `journal ${g.report.journal}${g.report.downtimeMs !== undefined ? `, downtime ${g.report.downtimeMs} ms` : ''}${g.report.manual.length > 0 ? `; needs a human: ${g.report.manual.join('; ')}` : ''}`
          : ''
    out.push(`  ${g.outcome.padEnd(19)} ${g.name}${detail ? `  (${detail})` : ''}`)
  }
  const moved = r.guests.filter((g) => g.outcome === 'migrated').length
  out.push('', `${moved} of ${r.guests.length} guest${r.guests.length === 1 ? '' : 's'} migrated.`)
  return out.join('\n')
}
