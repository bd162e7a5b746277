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

/**
 * The findings a plan's staleness covers: all but the measured ones (a dirty rate differs each time
 * it is measured, so its finding's message and data would make every reviewed plan stale at the
 * next measurement). A measured finding that became a blocker still stops the migration: the
 * fresh plan it is compared with is refused by it (exit 1).
 */
export function stalenessFindings<F extends Pick<Finding, 'measured'>>(findings: readonly F[]): F[] {
  return findings.filter((f) => f.measured !== true)
}

/** Stable text of the findings a plan depends on (order-independent), with the fix each proposes; measured ones left out. */
export function findingsFingerprint(findings: readonly Finding[]): string {
  const canonical = stalenessFindings(findings)
    .map((f) => canonicalJson([f.rule, f.severity, f.subject, f.message, f.data ?? null, ...(f.fix ? [f.fix] : [])]))
    .sort()
  return sha256(canonical.join('\n'))
}

/** What `migrate --plan` runs is what this hash covers: every field of every step and undo. */
export function stepsFingerprint(steps: readonly PlanStep[]): string {
  return sha256(canonicalJson(steps))
}
