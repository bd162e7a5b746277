/**
 * The fixes a plan applies: those the `action` findings propose (rules/fix.ts), by kind, with the
 * finding that proposed each (its rule id goes into the step's `because`, as data). A finding the
 * profile turned into a warning or info proposes nothing to the plan.
 */
import type {Finding, Fix} from '../rules/types.js'

export type FixOf<K extends Fix['kind']> = Extract<Fix, {kind: K}>

export function proposedFixes<K extends Fix['kind']>(findings: readonly Finding[], kind: K): {finding: Finding; fix: FixOf<K>}[] {
  const isKind = (fix: Fix | undefined): fix is FixOf<K> => fix?.kind === kind
  return findings.flatMap((finding) => (finding.severity === 'action' && isKind(finding.fix) ? [{finding, fix: finding.fix}] : []))
}
