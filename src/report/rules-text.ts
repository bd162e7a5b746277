import type {RuleListing} from '../../commands/rules.js'

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
