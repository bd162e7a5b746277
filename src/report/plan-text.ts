import type {MigrateOptions, Plan} from '../plan/types.js'
import {planPredictionLines} from './prediction-text.js'

function quoteArg(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
}

function limitsText(l: NonNullable<MigrateOptions['limits']>): string {
  const parts = [
    l.maxTotalSeconds !== undefined ? `max-total ${l.maxTotalSeconds} s` : '',
    l.maxDowntimeMs !== undefined ? `max-downtime ${l.maxDowntimeMs} ms` : '',
  ]
  return [...parts.filter(Boolean), `on-limit ${l.onLimit}`].join(', ')
}

/** The plan as a runbook: numbered steps, the command each runs, and its undo. */
export function renderPlan(plan: Plan, opts: {commands?: boolean} = {}): string {
  const out = [
    `Plan: ${plan.guest.name} (${plan.guest.state}) from ${plan.source.host} to ${plan.destination.host} — site ${plan.profile.site}, ${plan.createdAt}`,
    '',
  ]
  for (const [i, step] of plan.steps.entries()) {
    out.push(`${String(i + 1).padStart(2)}. [${step.host}] ${step.description}${step.because.length > 0 ? `   (${step.because.join(', ')})` : ''}`)
    if (opts.commands !== false) for (const c of step.commands) out.push(`      $ ${c.map(quoteArg).join(' ')}`)
    if (step.kind === 'migrate' && step.migrate.limits)
      out.push(`      limits: ${limitsText(step.migrate.limits)} (zmigrate enforces them while virsh migrate runs)`)
    if (step.undo) out.push(`      undo: ${step.undo.description}`)
  }
  const actions = plan.findings.filter((f) => f.severity === 'action').length
  const warnings = plan.findings.filter((f) => f.severity === 'warning')
  out.push('', `${plan.steps.length} steps from ${actions} action finding${actions === 1 ? '' : 's'}.`)
  if (plan.prediction) out.push(...planPredictionLines(plan.prediction))
  for (const w of warnings) out.push(`warning: ${w.rule}: ${w.subject}: ${w.message}`)
  return out.join('\n')
}
