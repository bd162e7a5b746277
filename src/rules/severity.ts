/**
 * Finding severities, strongest first. One place: the ordering, the words and what each means.
 */
export const SEVERITIES = ['blocker', 'action', 'warning', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export const severityMeaning: Record<Severity, string> = {
  blocker: 'cannot start until an admin changes something',
  action: 'zmigrate handles it in the plan (detach and re-attach, set online, copy storage)',
  warning: 'migration can proceed, but check this',
  info: 'for the record',
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s)
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)
}

/** How many findings of each severity: the counts every check report carries. */
export function severityCounts(findings: readonly {severity: Severity}[]): Record<Severity, number> {
  const counts = {blocker: 0, action: 0, warning: 0, info: 0}
  for (const f of findings) counts[f.severity]++
  return counts
}
