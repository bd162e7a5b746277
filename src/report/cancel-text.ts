/**
 * `zmigrate cancel` for a human: what happened in one line, then each guest an evacuation had in
 * flight, what needs a human, the remedy, and the journal to read.
 */
import type {CancelReport} from './cancel-report.js'

const NUDGE: Record<NonNullable<CancelReport['signal']>, string> = {
  signalled: 'signalled it',
  gone: 'its process had just ended',
  reused: 'did not signal it: its PID is another process now',
  unverifiable: 'did not signal it (its start time cannot be checked); it notices within a second',
  elsewhere: 'it runs on another host',
  'not-permitted': 'not allowed to signal it (another user); it notices within a second',
}

export function renderCancel(r: CancelReport): string {
  const out = [r.message]
  if (r.request && r.run)
    out.push(`  asked PID ${r.run.pid} on ${r.run.host} (${r.signal ? NUDGE[r.signal] : 'not signalled'}); waited ${r.waitedSeconds ?? 0} s`)
  for (const g of r.guests ?? []) out.push(`  ${g.outcome.padEnd(19)} ${g.name}${g.journal ? `  journal ${g.journal}` : ''}`)
  for (const m of r.manual ?? []) out.push(`  needs a human: ${m}`)
  if (r.finishReason) out.push(`  finish reason: ${r.finishReason}`)
  if (r.journal) out.push(`  journal: ${r.journal}`)
  if (r.remedy) out.push(`  remedy: ${r.remedy}`)
  return out.join('\n')
}
