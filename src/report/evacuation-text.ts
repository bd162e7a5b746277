import type {ReturnVerdict} from '../site/return-home.js'
import type {EvacuationReport} from './evacuation-report.js'
import type {GuestPlacement} from '../site/types.js'

/** What an evacuation is about to do: each guest's destination and order, and the guests that stay. */
export function renderPlacements(placements: readonly GuestPlacement[], host: string): string {
  const out = [`Evacuating ${host}:`]
  const placed = placements.flatMap((p) => (p.kind === 'placed' ? [p] : [])).sort((a, b) => a.order - b.order)
  for (const p of placed)
    out.push(
      `  ${String(p.order).padStart(2)}. ${p.guest} -> ${p.destination}  (${p.why})${p.warnings.length > 0 ? `  warning: ${p.warnings.join('; ')}` : ''}`,
    )
  for (const p of placements) {
    if (p.kind !== 'nowhere') continue
    out.push(`  stays  ${p.guest}: nowhere to go`)
    for (const r of p.nowhere) out.push(`           ${r.destination}: ${r.reasons.map((x) => x.message).join('; ')}`)
  }
  if (placed.length === 0) out.push('  nothing can move')
  return out.join('\n')
}

export function renderEvacuationReport(r: EvacuationReport): string {
  const out = [
    '',
    `${r.purpose === 'evacuate' ? 'Evacuation of' : 'Return to'} ${r.host}: ${r.status}${r.stopReason ? ` (${r.stopReason})` : ''}, at most ${r.peak} at once`,
  ]
  for (const g of [...r.guests].sort((a, b) => a.order - b.order)) {
    out.push(
      `  ${g.outcome.padEnd(19)} ${g.name} -> ${g.destination}${g.reason ? `  (${g.reason})` : ''}${g.journal ? `\n${' '.repeat(22)}journal ${g.journal}` : ''}`,
    )
  }
  for (const s of r.stays) out.push(`  ${'stayed'.padEnd(19)} ${s.name}: ${s.reasons.join(' | ')}`)
  const moved = r.guests.filter((g) => g.outcome === 'migrated').length
  out.push(
    '',
    `${moved} of ${r.guests.length + r.stays.length} guest${r.guests.length + r.stays.length === 1 ? '' : 's'} moved. Evacuation journal: ${r.journal}`,
  )
  return out.join('\n')
}

/** What a return is about to do: who goes home, who is home already, who cannot come back and why. */
export function renderReturnVerdicts(verdicts: readonly ReturnVerdict[], host: string): string {
  const out = [`Bringing guests home to ${host}:`]
  for (const v of verdicts) {
    if (v.kind === 'return') out.push(`  ${String(v.order).padStart(2)}. ${v.guest} <- ${v.from}  (${v.why})`)
    else if (v.kind === 'home') out.push(`  home   ${v.guest}: already on ${v.home} (${v.state})`)
    else out.push(`  stays  ${v.guest}${v.now ? ` on ${v.now}` : ''}: ${v.code}: ${v.reasons.join('; ')}`)
  }
  if (verdicts.length === 0) out.push('  the evacuation moved no guest')
  return out.join('\n')
}
