import {ExitCode, type ExitCodeValue} from './exit-codes.js'
import {formatBytes} from './units.js'

/** Where in an input file a problem is. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string
  line?: number
  col?: number
}

export function formatLocation(loc: SourceLocation): string {
  return [loc.file, loc.line, loc.line === undefined ? undefined : loc.col].filter((p) => p !== undefined).join(':')
}

/**
 * Base of every error zmigrate reports to the user. It carries the exit code, a stable
 * machine code, and a remedy (what to do next). The message is one line.
 */
export class ZmigrateError extends Error {
  readonly exitCode: ExitCodeValue
  readonly code: string
  readonly remedy?: string
  readonly location?: SourceLocation

  constructor(message: string, opts: {exitCode: ExitCodeValue; code: string; remedy?: string; location?: SourceLocation; cause?: unknown}) {
    super(opts.location ? `${formatLocation(opts.location)}: ${message}` : message, {cause: opts.cause})
    this.name = new.target.name
    this.exitCode = opts.exitCode
    this.code = opts.code
    this.remedy = opts.remedy
    this.location = opts.location
  }
}

/** Bad flags or arguments, unknown guest or host names. */
export class UsageError extends ZmigrateError {
  constructor(message: string, opts: {code?: string; remedy?: string} = {}) {
    super(message, {exitCode: ExitCode.USAGE, code: opts.code ?? 'E_USAGE', remedy: opts.remedy})
  }
}

/** Malformed input file (YAML profile, domain XML, plan, journal), located when possible. */
export class InputError extends ZmigrateError {
  constructor(message: string, opts: {code?: string; remedy?: string; location?: SourceLocation; cause?: unknown} = {}) {
    super(message, {exitCode: ExitCode.USAGE, code: opts.code ?? 'E_INPUT', remedy: opts.remedy, location: opts.location, cause: opts.cause})
  }
}

/** A host could not be reached, refused authentication, or presented an unknown or changed host key. */
export class HostAccessError extends ZmigrateError {
  readonly host: string
  constructor(host: string, message: string, opts: {code: string; remedy?: string; cause?: unknown}) {
    super(`${host}: ${message}`, {exitCode: ExitCode.UNREACHABLE, code: opts.code, remedy: opts.remedy, cause: opts.cause})
    this.host = host
  }
}

/** A command on a host failed in a way zmigrate cannot interpret. */
export class RemoteCommandError extends ZmigrateError {
  readonly host: string
  readonly argv: readonly string[]
  readonly stderr: string
  readonly commandExitCode: number
  constructor(host: string, argv: readonly string[], result: {exitCode: number; stderr: string}, remedy?: string) {
    const detail = firstLine(result.stderr) || `exit status ${result.exitCode}`
    super(`${host}: ${argv.slice(0, 3).join(' ')} failed: ${detail}`, {exitCode: ExitCode.BLOCKED, code: 'E_REMOTE_COMMAND', remedy})
    this.host = host
    this.argv = argv
    this.stderr = result.stderr
    this.commandExitCode = result.exitCode
  }
}

/**
 * A command printed more than the transport keeps (src/hosts/output-limit.ts) and was stopped.
 * Exit status BLOCKED, as for any other failed command: the host answered, so the runbook's
 * "check the network and SSH" advice of UNREACHABLE would send the admin the wrong way.
 */
export class OutputLimitError extends ZmigrateError {
  readonly host: string
  readonly argv: readonly string[]
  readonly stream: 'stdout' | 'stderr'
  readonly limitBytes: number
  constructor(host: string, argv: readonly string[], stream: 'stdout' | 'stderr', limitBytes: number) {
    super(`${host}: ${commandHead(argv)} printed more than ${formatBytes(limitBytes)} on ${stream}; zmigrate stopped it`, {
      exitCode: ExitCode.BLOCKED,
      code: 'E_OUTPUT_LIMIT',
      remedy: `Run the command by hand on ${host} to see why it prints so much (a runaway loop, a chatty login script, or far more guests or devices than expected).`,
    })
    this.host = host
    this.argv = argv
    this.stream = stream
    this.limitBytes = limitBytes
  }
}

/** The first words of a command, on one line: `sh -c SCRIPT` must not put the whole script in a message. */
function commandHead(argv: readonly string[]): string {
  const text = oneLine(argv.join(' '))
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

export class StalePlanError extends ZmigrateError {
  constructor(message: string, remedy = 'Run zmigrate plan again and review the new plan.') {
    super(message, {exitCode: ExitCode.STALE_PLAN, code: 'E_STALE_PLAN', remedy})
  }
}

/** A multi-line message folded into the one line zmigrate prints. */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  )
}
