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
