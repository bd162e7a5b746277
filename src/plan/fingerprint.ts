/**
 * Fingerprints a plan records of what it was computed from and of its own steps. The JSON they
 * hash is canonical (object keys sorted, undefined left out), so a plan read back through its
 * schema — which may order keys differently — hashes as it did when it was made.
 */
import {createHash} from 'node:crypto'
import type {Finding} from '../rules/types.js'
import type {PlanStep} from './types.js'

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** JSON with every object's keys in sorted order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}

/** Stable text of the findings a plan depends on (order-independent), with the fix each proposes. */
export function findingsFingerprint(findings: readonly Finding[]): string {
  const canonical = findings.map((f) => canonicalJson([f.rule, f.severity, f.subject, f.message, f.data ?? null, ...(f.fix ? [f.fix] : [])])).sort()
  return sha256(canonical.join('\n'))
}

/** What `migrate --plan` runs is what this hash covers: every field of every step and undo. */
export function stepsFingerprint(steps: readonly PlanStep[]): string {
  return sha256(canonicalJson(steps))
}
