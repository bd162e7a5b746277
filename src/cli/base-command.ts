import {Command, Flags, Interfaces} from '@oclif/core'
import {ExitCode} from '../exit-codes.js'
import {oneLine, ZmigrateError} from '../errors.js'

/** Flags every zmigrate command that reads a profile takes. */
export const profileFlag = Flags.string({
  char: 'p',
  summary: 'Site profile: a YAML file, or a name looked up in ~/.config/zmigrate/profiles and /etc/zmigrate/profiles.',
  env: 'ZMIGRATE_PROFILE',
  helpValue: 'FILE|NAME',
})

export interface ErrorEnvelope {
  ok: false
  error: {code: string; message: string; remedy?: string; exitCode: number}
}

/**
 * Base of every command: `--json` on, and one error path that keeps zmigrate's exit codes.
 * Stock oclif 4 loses the exit code of an error in --json mode and prints the whole
 * parse context for a bad flag (see shared/reference/ecosystem.md §A1); this fixes both.
 * Errors print as one line plus a remedy line, on stderr (human) or as an envelope on stdout (--json).
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  /**
   * Not on a terminal, JSON goes out as JSON.stringify writes it: the same bytes as oclif's
   * logJson there (no colour), without its cycle-safe stringify and colour tokenizer, which took
   * 0.2 s of a 20-host site check's 5 MB document.
   */
  protected override logJson(json: unknown): void {
    if (process.stdout.isTTY) return super.logJson(json)
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  protected override toErrorJson(err: unknown): ErrorEnvelope {
    return {ok: false, error: describeError(err)}
  }

  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    const described = describeError(err)
    // oclif's own exit (this.exit) and help requests pass straight through
    if ((err as {code?: string}).code === 'EEXIT') throw err
    process.exitCode = described.exitCode
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err))
      return
    }
    process.stderr.write(`zmigrate: error: ${described.message}\n`)
    if (described.remedy) process.stderr.write(`  remedy: ${described.remedy}\n`)
    // the stack helps only with a bug; ask for it explicitly
    if (process.env.ZMIGRATE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
    return
  }
}

export function describeError(err: unknown): ErrorEnvelope['error'] {
  if (err instanceof ZmigrateError) {
    return {code: err.code, message: oneLine(err.message), remedy: err.remedy, exitCode: err.exitCode}
  }
  const e = err as Error & {code?: string; oclif?: {exit?: number}}
  const oclifExit = e?.oclif?.exit
  // oclif parse and validation errors (unknown flag, missing argument) carry exit 2: usage.
  if (typeof oclifExit === 'number') {
    return {code: e.code ?? 'E_USAGE', message: oneLine(stripAnsi(e.message ?? String(err))), exitCode: oclifExit === 1 ? ExitCode.USAGE : oclifExit}
  }
  return {code: 'E_INTERNAL', message: `internal error: ${oneLine(e?.message ?? String(err))}`, exitCode: ExitCode.INTERNAL}
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}
