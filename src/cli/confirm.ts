import {createInterface} from 'node:readline/promises'
import {UsageError} from '../errors.js'

/**
 * Ask before changing hosts. Never prompts without a TTY: runbooks must pass --yes.
 */
export async function confirmOrRefuse(question: string, opts: {yes: boolean; flag?: string}): Promise<boolean> {
  if (opts.yes) return true
  if (!process.stdin.isTTY) {
    throw new UsageError(`refusing to change hosts without confirmation: no terminal to ask on`, {
      code: 'E_CONFIRM',
      remedy: `Review the plan (zmigrate plan …) and pass ${opts.flag ?? '--yes'}.`,
    })
  }
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
