import type {MigrationReport} from '../run/report.js'

const mark: Record<string, string> = {done: 'ok  ', failed: 'FAIL', pending: '-   ', running: '?   ', skipped: 'ok  ', 'not-needed': 'n/a '}

export function renderMigrationReport(r: MigrationReport): string {
  const headline = {
    migrated: `${r.guest} migrated from ${r.from} to ${r.to} and verified${r.downtimeMs !== undefined ? ` (downtime ${r.downtimeMs} ms)` : ''}.`,
    'rolled-back': `${r.guest}: migration failed; everything was rolled back — ${r.guest} is on ${r.from} as before.`,
    'rollback-incomplete': `${r.guest}: migration failed and the rollback is INCOMPLETE — a human must finish it (below).`,
    interrupted: `${r.guest}: interrupted; continue with zmigrate migrate --resume ${r.journal}`,
  }[r.outcome]
  const out = ['', headline, '', 'steps:']
  for (const s of r.steps) out.push(`  ${mark[s.state] ?? s.state} ${s.id}  ${s.description}${s.error ? `\n       error: ${s.error}` : ''}`)
  if (r.undo.length > 0) {
    out.push('', 'rollback:')
    for (const u of r.undo) out.push(`  ${mark[u.state] ?? u.state} ${u.step}  ${u.description}${u.error ? `\n       error: ${u.error}` : ''}`)
  }
  if (r.manual.length > 0) out.push('', 'needs a human:', ...r.manual.map((m) => `  - ${m}`))
  out.push('', `journal: ${r.journal}`)
  return out.join('\n')
}
