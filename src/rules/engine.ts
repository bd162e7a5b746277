import type {ResolvedProfile} from '../profiles/types.js'
import {severityRank} from './severity.js'
import type {CheckContext, Finding, Rule} from './types.js'

/**
 * Marks the finding the engine reports for a rule that threw (`data.crashed`), so tests and tools
 * tell a crash from a real blocker without reading the message.
 */
export function isRuleCrash(finding: Pick<Finding, 'data'>): boolean {
  return finding.data?.crashed === true
}

/**
 * Runs every enabled rule against one guest and returns all findings (never stops at the
 * first), with the profile's overrides applied and the reason kept, strongest first.
 * A rule that throws is a bug; it is reported as its own blocker finding instead of
 * hiding the other rules' findings.
 */
export function evaluateRules(rules: readonly Rule[], ctx: CheckContext): Finding[] {
  const findings: Finding[] = []
  for (const rule of rules) {
    const override = ctx.profile.rules[rule.id]
    if (override?.enabled === false) continue
    let drafts
    try {
      drafts = rule.check(ctx)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      findings.push({
        rule: rule.id,
        category: rule.category,
        severity: 'blocker',
        subject: `guest ${ctx.guest.name}`,
        message: `rule ${rule.id} failed to evaluate: ${reason}`,
        remedy: 'This is a bug in zmigrate; report it with the output of zmigrate facts for both hosts.',
        data: {crashed: true, error: reason},
      })
      continue
    }
    for (const draft of drafts) {
      const natural = draft.severity ?? rule.severity
      const finding: Finding = {
        rule: rule.id,
        category: rule.category,
        severity: override?.severity ?? natural,
        subject: draft.subject,
        message: draft.message,
        remedy: draft.remedy ?? rule.remedy,
      }
      if (override?.severity && override.severity !== natural) finding.override = {defaultSeverity: natural, reason: override.reason}
      if (draft.data) finding.data = draft.data
      if (draft.fix) finding.fix = draft.fix
      if (rule.measured) finding.measured = true
      findings.push(finding)
    }
  }
  return sortFindings(findings)
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({f, i}))
    .sort((a, b) => severityRank(a.f.severity) - severityRank(b.f.severity) || a.i - b.i)
    .map(({f}) => f)
}

/** Overrides in the profile that name no rule are a profile error; the loader calls this. */
export function unknownRuleIds(profile: Pick<ResolvedProfile, 'rules'>, rules: readonly Rule[]): string[] {
  const known = new Set(rules.map((r) => r.id))
  return Object.keys(profile.rules).filter((id) => !known.has(id))
}
