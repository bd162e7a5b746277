import type {EvacuationPlan} from '../plan/types.js'
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
      `  ${g.outcome.padEnd(19)} ${g.name} -> ${g.destination}${g.finishReason && g.finishReason !== 'completed' ? `  [${g.finishReason}]` : ''}${g.reason ? `  (${g.reason})` : ''}${g.journal ? `\n${' '.repeat(22)}journal ${g.journal}` : ''}`,
    )
  }
  for (const s of r.stays) out.push(`  ${'stayed'.padEnd(19)} ${s.name}: ${s.reasons.join(' | ')}`)
  if (r.plan) out.push(`  (ran the evacuation plan ${r.plan.file})`)
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

/** An evacuation plan file for review: who goes where in which order with how many steps, who stays, the caps. */
export function renderEvacuationPlan(plan: EvacuationPlan): string {
  const {caps} = plan
  const out = [
    `Evacuation plan: ${plan.host} — site ${plan.profile.site}, ${plan.createdAt}; at most ${caps.site} at once, ${caps.outgoing} leaving a host, ${caps.incoming} arriving at a host`,
  ]
  for (const g of plan.guests) out.push(`  ${String(g.order).padStart(2)}. ${g.name} -> ${g.destination}  (${g.plan.steps.length} steps; ${g.why})`)
  for (const s of plan.stays) {
    out.push(`  stays  ${s.name}: nowhere to go`)
    for (const n of s.nowhere) out.push(`           ${n.destination}: ${n.reasons.map((r) => r.message).join('; ')}`)
  }
  if (plan.guests.length === 0) out.push('  nothing can move')
  return out.join('\n')
}

/** After `evacuate -o FILE`: where the file is and how to apply it. */
export function evacuationPlanWritten(plan: EvacuationPlan, file: string, bin: string): string {
  const n = plan.guests.length
  return [
    `Evacuation plan written to ${file}: ${n} guest${n === 1 ? '' : 's'} to move (each with its own steps), ${plan.stays.length} staying. Nothing was changed.`,
    `Check it again without moving anything: ${bin} migrate --plan ${file} --dry-run`,
    `Apply it with: ${bin} migrate --plan ${file}`,
    `It runs within the caps it records (at most ${plan.caps.site} at once, ${plan.caps.outgoing} leaving a host, ${plan.caps.incoming} arriving at a host); a guest whose steps are not what a fresh plan computes then is refused (exit 5).`,
  ].join('\n')
}
