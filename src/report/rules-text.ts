/**
 * `zmigrate rules`: the listing of the registry's rules (the --json document) and its text.
 */
import type {Rule, RuleCategory} from '../rules/types.js'

export interface RuleListing {
  id: string
  category: RuleCategory
  severity: string
  summary: string
  remedy: string
  source: string
}

export function ruleListing(rules: readonly Rule[]): RuleListing[] {
  return rules.map(({id, category, severity, summary, remedy, source}) => ({id, category, severity, summary, remedy, source}))
}

export function renderRuleList(rules: readonly RuleListing[]): string {
  const width = Math.max(...rules.map((r) => r.id.length), 4)
  const lines: string[] = []
  let category = ''
  for (const r of rules) {
    if (r.category !== category) {
      category = r.category
      lines.push(lines.length > 0 ? '' : '', `${category}:`)
    }
    lines.push(`  ${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.summary}`)
  }
  return lines.join('\n').replace(/^\n/, '')
}
