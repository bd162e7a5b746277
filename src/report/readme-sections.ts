/**
 * README sections generated from the code, so the documented rule list and exit codes cannot
 * drift from the real ones (scripts/gen-readme.ts writes them; a test compares).
 */
import {CANCEL_EXIT} from '../app/exit-status.js'
import {exitCodeDescriptions} from '../exit-codes.js'
import {RULES} from '../rules/registry.js'
import {FINISH_REASONS, finishReasonMeaning} from '../run/finish-reason.js'

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function rulesTable(): string {
  const rows = RULES.map((r) => `| \`${r.id}\` | ${r.category} | ${r.severity} | ${cell(r.summary)} |`)
  return ['| rule id | category | default severity | what it checks |', '|---|---|---|---|', ...rows].join('\n')
}

export function exitCodesTable(): string {
  const rows = Object.entries(exitCodeDescriptions).map(([code, text]) => `| ${code} | ${text} |`)
  return ['| exit | meaning |', '|---|---|', ...rows].join('\n')
}

export function finishReasonsTable(): string {
  const rows = FINISH_REASONS.map((r) => `| \`${r}\` | ${cell(finishReasonMeaning[r])} |`)
  return ['| finish reason | meaning |', '|---|---|', ...rows].join('\n')
}

/** `zmigrate cancel`'s outcomes and their exit codes (app/exit-status.ts), as runbooks key on them. */
export function cancelExitTable(): string {
  const rows = Object.entries(CANCEL_EXIT).map(([outcome, {code, meaning}]) => `| ${code} | \`${outcome}\` | ${cell(meaning)} |`)
  return ['| exit | outcome | meaning |', '|---|---|---|', ...rows].join('\n')
}

export const README_SECTIONS: Record<string, () => string> = {
  rules: rulesTable,
  'exit-codes': exitCodesTable,
  'finish-reasons': finishReasonsTable,
  'cancel-exit-codes': cancelExitTable,
}

/** README text with every `<!-- NAME:start -->…<!-- NAME:end -->` section regenerated. */
export function regenerateReadme(readme: string): string {
  let out = readme
  for (const [name, generate] of Object.entries(README_SECTIONS)) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`)
    if (!re.test(out)) throw new Error(`README has no ${name} section`)
    out = out.replace(re, (_m, a: string, b: string) => `${a}${generate()}\n${b}`)
  }
  return out
}
