import type {Plan} from '../plan/types.js'
import {finishReasonMeaning} from '../run/finish-reason.js'
import type {MigrationReport} from '../run/report.js'
import {formatBytes} from '../units.js'
import type {GuestOutcome, HostMigrationReport} from './host-migration-report.js'
import {comparisonLines} from './prediction-text.js'

const mark: Record<string, string> = {done: 'ok  ', failed: 'FAIL', pending: '-   ', running: '?   ', skipped: 'ok  ', 'not-needed': 'n/a '}

/** The headline's words for a run zmigrate stopped on purpose; any other end is a failure. */
const STOPPED: Partial<Record<MigrationReport['finishReason'], string>> = {
  'cancelled-by-user': 'migration cancelled',
  'max-total-exceeded': 'migration cancelled: it exceeded max-total',
  'max-downtime-exceeded': 'migration cancelled: the switch-over would have exceeded max-downtime',
  interrupted: 'migration interrupted',
}

export function renderMigrationReport(r: MigrationReport): string {
  const stopped =
    r.finishReason === 'cancelled-by-user' && r.cancelledBy ? `migration cancelled by user (${r.cancelledBy})` : (STOPPED[r.finishReason] ?? 'migration failed')
  const headline = {
    migrated: `${r.guest} migrated from ${r.from} to ${r.to} and verified${r.downtimeMs !== undefined ? ` (downtime ${r.downtimeMs} ms)` : ''}.`,
    'rolled-back': `${r.guest}: ${stopped}; everything was rolled back — ${r.guest} is on ${r.from} as before.`,
    'rollback-incomplete': `${r.guest}: ${stopped} and the rollback is INCOMPLETE — a human must finish it (below).`,
    interrupted: `${r.guest}: interrupted; continue with zmigrate migrate --resume ${r.journal}`,
  }[r.outcome]
  const by = r.cancelledBy ? ` (by ${r.cancelledBy})` : ''
  const out = ['', headline, `finish reason: ${r.finishReason}${by} — ${finishReasonMeaning[r.finishReason]}`]
  if (r.limit) out.push(`limit: ${r.limit.detail}; on-limit ${r.limit.action}${r.limit.sent ? '' : ` (libvirt refused it: ${r.limit.error ?? 'no answer'})`}`)
  if (r.prediction) out.push(...comparisonLines(r.prediction))
  out.push('', 'steps:')
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
          ? `${g.report.finishReason}, journal ${g.report.journal}${g.report.downtimeMs !== undefined ? `, downtime ${g.report.downtimeMs} ms` : ''}${g.report.manual.length > 0 ? `; needs a human: ${g.report.manual.join('; ')}` : ''}`
          : ''
    out.push(`  ${g.outcome.padEnd(19)} ${g.name}${detail ? `  (${detail})` : ''}`)
  }
  const moved = r.guests.filter((g) => g.outcome === 'migrated').length
  out.push('', `${moved} of ${r.guests.length} guest${r.guests.length === 1 ? '' : 's'} migrated.`)
  return out.join('\n')
}
