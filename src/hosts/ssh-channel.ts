/**
 * Running one command on one SSH exec channel: the command string, stdout/stderr capture within
 * the caps of output-limit.ts, the timeout, abort and kill. SshTransport (ssh-transport.ts) decides
 * which connection and when; this module only drives the channel it is handed.
 *
 * `timeoutMs` counts from when the channel is open (time waiting for a free slot is not counted).
 * On timeout or abort the command's remote process group is killed and the channel closed; the
 * result has exitCode -1. sshd refuses "signal" channel requests for root logins ("session
 * signalling requires privilege separation", OpenSSH 9.2 session.c) and closing the channel does
 * not stop a command that is not writing, so every command is prefixed with one line to stderr
 * naming the login shell's PID, which is its process group (sshd runs it with setsid): on timeout
 * a second channel runs `kill -s KILL -- -PGID`. That line is removed from the stderr the caller sees.
 */
import {randomBytes} from 'node:crypto'
import {StringDecoder} from 'node:string_decoder'
import type {Client as SshClient, ClientChannel} from 'ssh2'
import type {HostAccessError} from '../errors.js'
import {outputsFor, type CappedOutput} from './output-limit.js'
import {quoteCommand} from './quote.js'
import {errorText} from './ssh-errors.js'
import type {RunOptions, RunResult} from './transport.js'

/** Tags the PID line each command writes first to stderr, so command output cannot forge it. One per transport. */
export const newPidTag = (): string => `zmigrate-pgid-${randomBytes(6).toString('hex')}`

/** The command string sent over SSH: the PID line, then argv quoted for the login shell. */
export function commandWithPidLine(pidTag: string, argv: readonly string[]): string {
  return `printf '%s\\n' "${pidTag}=$$" >&2; ${quoteCommand(argv)}`
}

/** What a channel run needs to know about the transport it belongs to. */
export interface ChannelContext {
  hostName: string
  pidTag: string
  /** True when the connection this channel runs on is gone, and not because the transport was closed. */
  connectionLost(): boolean
  /** The error for a command whose connection was lost before it reported an exit status. */
  lostError(): HostAccessError
  /** Counts a round trip made on the side (the kill of a timed-out command). */
  countCommand(): void
}

export function runOnChannel(client: SshClient, channel: ClientChannel, argv: readonly string[], opts: RunOptions, ctx: ChannelContext): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out = outputsFor(opts)
    let overflow: CappedOutput | undefined
    const decoder = opts.onStdout ? new StringDecoder('utf8') : undefined
    const pidLine = new RegExp(`(?:^|\\n)${ctx.pidTag}=(\\d+)\\n`)
    const pidLineAlone = new RegExp(`^${ctx.pidTag}=(\\d+)$`)
    let stderrSeen = 0
    let stderrLine = ''
    let pgid: number | undefined
    let exitCode: number | undefined
    let killed = false
    let timedOut = false
    let settled = false
    let graceTimer: NodeJS.Timeout | undefined

    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timeoutTimer)
      clearTimeout(graceTimer)
      clearTimeout(pidWaitTimer)
      opts.signal?.removeEventListener('abort', onAbort)
      if (overflow) {
        reject(overflow.error(ctx.hostName, argv))
        return
      }
      const rest = decoder?.end()
      if (rest) opts.onStdout!(rest)
      if (exitCode === undefined && !killed && ctx.connectionLost()) {
        reject(ctx.lostError())
        return
      }
      resolve({
        stdout: out.stdout.text(),
        stderr: out.stderr.text().replace(pidLine, (m) => (m.startsWith('\n') ? '\n' : '')),
        exitCode: killed || exitCode === undefined ? -1 : exitCode,
        timedOut: timedOut || undefined,
      })
    }
    let closing = false
    let pidWaitTimer: NodeJS.Timeout | undefined
    const killGroupAndClose = () => {
      if (closing || settled) return
      closing = true
      clearTimeout(pidWaitTimer)
      if (pgid !== undefined) void killGroup(client, pgid, ctx.countCommand)
      channel.close()
      // If the host never confirms the close, do not wait forever.
      graceTimer = setTimeout(finish, 2000)
    }
    const kill = () => {
      if (killed || settled) return
      killed = true
      // For non-root logins sshd honours this; for root it is refused (see the header).
      sendSignal(channel, 'KILL')
      // Still in the login shell's start-up files: give it a moment to report its PID.
      if (pgid !== undefined) killGroupAndClose()
      else pidWaitTimer = setTimeout(killGroupAndClose, 1000)
    }
    const onAbort = () => kill()
    const timeoutTimer =
      opts.timeoutMs !== undefined && opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true
            kill()
          }, opts.timeoutMs)
        : undefined

    // Past a limit: stop the command as on a timeout, and ignore what is still in flight.
    const tooMuch = (stream: CappedOutput) => ((overflow = stream), kill())
    channel.on('data', (chunk: Buffer) => {
      if (overflow) return
      if (!out.stdout.add(chunk)) return tooMuch(out.stdout)
      if (decoder) {
        const text = decoder.write(chunk)
        if (text) opts.onStdout!(text)
      }
    })
    channel.stderr.on('data', (chunk: Buffer) => {
      if (overflow) return
      if (!out.stderr.add(chunk)) return tooMuch(out.stderr)
      // Login-shell start-up files may print before our line; look only at the first 64 KiB, at
      // each whole line once (rescanning it all per chunk is quadratic when a host sends bytes singly).
      if (pgid === undefined && stderrSeen < 65536) {
        stderrSeen += chunk.length
        const text = chunk.toString('latin1')
        if (!text.includes('\n')) return void (stderrLine += text)
        const lines = (stderrLine + text).split('\n')
        stderrLine = lines.pop()!
        const m = lines.map((l) => pidLineAlone.exec(l)).find(Boolean)
        if (m) {
          pgid = Number(m[1])
          if (killed) killGroupAndClose()
        }
      }
    })
    channel.on('exit', (code: number | null) => {
      exitCode = typeof code === 'number' ? code : -1 // null: killed by a signal
    })
    // Write errors (the command exited without reading stdin) show up as a normal close.
    channel.on('error', () => {})
    channel.stderr.on('error', () => {})
    channel.on('close', finish)
    opts.signal?.addEventListener('abort', onAbort, {once: true})
    if (opts.signal?.aborted) kill()
    if (opts.stdin !== undefined && opts.stdin.length > 0) channel.end(opts.stdin)
    else channel.end()
  })
}

/** Kills a timed-out command's process group over a second channel (outside the cap; bounded). */
async function killGroup(client: SshClient, pgid: number, countCommand: () => void): Promise<void> {
  if (!(pgid > 1)) return
  try {
    const channel = await openExec(client, quoteCommand(['kill', '-s', 'KILL', '--', `-${pgid}`]))
    countCommand()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        channel.close()
        resolve()
      }, 5000)
      channel.on('close', () => {
        clearTimeout(timer)
        resolve()
      })
      channel.on('error', () => {})
      channel.stderr.resume()
      channel.resume()
      channel.end()
    })
  } catch {
    // The connection is gone, or sshd refused another session: nothing more we can do.
  }
}

/**
 * Sends a "signal" channel request (RFC 4254 6.9); OpenSSH's sshd delivers it to the command's
 * process group. ssh2 1.17's channel.signal() silently drops it once we have sent EOF on stdin,
 * which we always do, although the protocol allows it: so this goes to ssh2's protocol object.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const c = channel as unknown as {outgoing?: {id: number; state: string}; _client?: {_protocol?: {signal?(id: number, signal: string): void}}}
  if (!c.outgoing || (c.outgoing.state !== 'open' && c.outgoing.state !== 'eof')) return
  try {
    c._client?._protocol?.signal?.(c.outgoing.id, name)
  } catch {
    // the connection is already gone
  }
}

export function openExec(client: SshClient, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)))
    } catch (err) {
      reject(err)
    }
  })
}

/** sshd's answer when MaxSessions is reached: SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (1) or RESOURCE_SHORTAGE (4). */
export function isChannelRefusal(err: unknown): boolean {
  const reason = (err as {reason?: unknown}).reason
  return reason === 1 || reason === 4 || /Channel open failure/i.test(errorText(err))
}
