/**
 * SshTransport: runs commands on a remote host over ONE ssh2 connection, reused for every
 * command (each command is one exec channel). Host keys are checked against known_hosts
 * (known-hosts.ts); settings come from the profile, then ~/.ssh/config (ssh-options.ts); key and
 * known_hosts files others could read or change are refused (ssh-files.ts).
 *
 * Decisions:
 * - Concurrency: at most `maxChannels` (default 6) channels at once, the rest wait in FIFO
 *   order. sshd allows MaxSessions (default 10) per connection and answers the 11th with
 *   "Channel open failure"; 6 leaves room for a human's ControlMaster-style reuse. If a host
 *   is configured lower and refuses a channel while others are open, the cap drops to what
 *   the host accepted and the command waits for a free slot instead of failing.
 * - Dropped connection: commands running on it reject with E_HOST_UNREACHABLE (they may or
 *   may not have completed on the host; zmigrate never re-runs them). The next command makes
 *   ONE reconnect attempt (shared by all commands waiting), with full host-key verification.
 *   If that attempt fails, the transport is dead and every later command gets that error.
 * - `timeoutMs` counts from when the channel is open (time waiting for a free slot is not
 *   counted). On timeout or abort the command's remote process group is killed and the
 *   channel closed; the result has exitCode -1. sshd refuses "signal" channel requests for
 *   root logins ("session signalling requires privilege separation", OpenSSH 9.2 session.c)
 *   and closing the channel does not stop a command that is not writing, so every command is
 *   prefixed with one line to stderr naming the login shell's PID, which is its process group
 *   (sshd runs it with setsid): on timeout a second channel runs `kill -s KILL -- -PGID`.
 *   That line is removed from the stderr the caller sees.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {appendFile, mkdir, readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {StringDecoder} from 'node:string_decoder'
import ssh2 from 'ssh2'
import type {AnyAuthMethod, AuthenticationType, ClientChannel, ConnectConfig, ParsedKey} from 'ssh2'
import {HostAccessError} from '../errors.js'
import type {ResolvedHost} from '../profiles/types.js'
import {checkHostKey, fingerprintSha256, keyTypeOf, knownHostsLine, knownHostsName, knownKeyTypes, preferredHostKeyAlgorithms, type KnownHostsSource} from './known-hosts.js'
import {outputsFor, type CappedOutput} from './output-limit.js'
import {quoteCommand} from './quote.js'
import {checkKnownHostsDir, readIdentityFile, readKnownHostsFile} from './ssh-files.js'
import {resolveSshOptions, type SshOptions} from './ssh-options.js'
import type {HostTransport, RunOptions, RunResult} from './transport.js'

const {Client, utils} = ssh2
type SshClient = InstanceType<typeof Client>

export const DEFAULT_MAX_CHANNELS = 6

export interface SshConnectOptions {
  /** Told about things the user should know that are not errors (a host key recorded on first use, a reconnect). */
  onNotice?: (message: string) => void
  /** Environment (SSH_AUTH_SOCK). Default process.env. */
  env?: Record<string, string | undefined>
  /** Home directory (~/.ssh). Default os.homedir(). */
  home?: string
  /** ~/.ssh/config text. Default: read HOME/.ssh/config if it exists. Pass '' to ignore it. */
  sshConfigText?: string
  /** Channels open at once on the connection. Default 6. */
  maxChannels?: number
  /** SSH keepalive: probe every this many ms, give up after keepaliveCountMax unanswered. Default 15000 / 4. */
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
}

/** Resolves the connection settings for a host the way SshTransport.connect does (for `zmigrate hosts --verbose` style output). */
export async function loadSshOptions(host: ResolvedHost, opts: SshConnectOptions = {}): Promise<SshOptions> {
  const home = opts.home ?? os.homedir()
  const sshConfigText = opts.sshConfigText ?? (await readFile(path.join(home, '.ssh', 'config'), 'utf8').catch(() => undefined))
  return resolveSshOptions(host, {
    sshConfigText,
    env: opts.env ?? process.env,
    home,
    localUser: os.userInfo().username,
    cwd: process.cwd(),
    exists: existsSync,
  })
}

export class SshTransport implements HostTransport {
  readonly kind = 'ssh' as const
  private client?: SshClient
  private connecting?: Promise<SshClient>
  /** Why the last connection ended unexpectedly (set until the reconnect succeeds). */
  private lostReason?: string
  private fatal?: unknown
  private closed = false
  private commands = 0
  private connections = 0
  private limit: number
  private active = 0
  private readonly waiters: Array<() => void> = []
  /** Tags the PID line each command writes first to stderr, so command output cannot forge it. */
  private readonly pidTag = `zmigrate-pgid-${randomBytes(6).toString('hex')}`

  private constructor(
    readonly hostName: string,
    readonly options: SshOptions,
    private readonly settings: SshConnectOptions,
  ) {
    this.limit = Math.max(1, settings.maxChannels ?? DEFAULT_MAX_CHANNELS)
  }

  /** Connects (and authenticates, and verifies the host key) before returning. */
  static async connect(host: ResolvedHost, opts: SshConnectOptions = {}): Promise<SshTransport> {
    const options = await loadSshOptions(host, opts)
    const transport = new SshTransport(host.name, options, opts)
    if (options.ignoredDirectives.length > 0) {
      opts.onNotice?.(
        `${host.name}: ~/.ssh/config sets ${options.ignoredDirectives.join(', ')} for ${host.address}, which zmigrate does not use; connecting directly to ${host.address}:${options.port}`,
      )
    }
    await transport.ensureConnected()
    return transport
  }

  get roundTrips(): number {
    return this.commands
  }

  /** SSH connections made so far (1, plus one per reconnect). */
  get connectionCount(): number {
    return this.connections
  }

  /** The current cap on concurrent channels (lowered if the host refused one). */
  get channelLimit(): number {
    return this.limit
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const command = `printf '%s\\n' "${this.pidTag}=$$" >&2; ${quoteCommand(argv)}`
    if (this.closed) throw new Error(`${this.hostName}: the SSH transport is closed`)
    await this.acquire(false)
    let holding = true
    try {
      for (;;) {
        if (opts.signal?.aborted) return {stdout: '', stderr: '', exitCode: -1}
        const client = await this.ensureConnected()
        let channel: ClientChannel
        try {
          channel = await openExec(client, command)
        } catch (err) {
          if (this.client !== client) throw this.lostError(argv, err)
          if (isChannelRefusal(err) && this.active > 1) {
            // The host allows fewer sessions than our cap: use what it accepted and wait for a slot.
            this.limit = Math.max(1, this.active - 1)
            this.release()
            holding = false
            await this.acquire(true)
            holding = true
            continue
          }
          const {address, port} = this.options
          throw new HostAccessError(this.hostName, `sshd at ${address}:${port} refused to open a session: ${errorText(err)}`, {
            code: 'E_SSH',
            remedy: `Check MaxSessions and the sshd log on ${address}.`,
            cause: err,
          })
        }
        this.commands++
        return await this.collect(client, channel, argv, opts)
      }
    } finally {
      if (holding) this.release()
    }
  }

  async close(): Promise<void> {
    this.closed = true
    const client = this.client ?? (await this.connecting?.catch(() => undefined))
    this.client = undefined
    if (!client) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.destroy()
        resolve()
      }, 2000)
      client.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      client.end()
    })
  }

  private ensureConnected(): Promise<SshClient> {
    if (this.closed) return Promise.reject(new Error(`${this.hostName}: the SSH transport is closed`))
    if (this.fatal) return Promise.reject(this.fatal)
    if (this.client) return Promise.resolve(this.client)
    if (!this.connecting) {
      const reconnect = this.connections > 0
      this.connecting = openConnection(this.hostName, this.options, this.settings)
        .then((client) => {
          this.connections++
          this.client = client
          if (reconnect) {
            this.settings.onNotice?.(`${this.hostName}: reconnected to ${this.options.address}:${this.options.port} (the connection was lost: ${this.lostReason})`)
          }
          this.lostReason = undefined
          this.watch(client)
          return client
        })
        .catch((err: unknown) => {
          if (reconnect) this.fatal = err
          throw err
        })
        .finally(() => {
          this.connecting = undefined
        })
    }
    return this.connecting
  }

  private watch(client: SshClient): void {
    let lastError: string | undefined
    client.on('error', (err: Error) => {
      lastError = err.message
    })
    const onGone = () => {
      if (this.client !== client) return
      this.client = undefined
      this.lostReason = lastError ?? 'closed by the host'
    }
    client.on('end', onGone)
    client.on('close', onGone)
  }

  private lostError(argv: readonly string[], cause?: unknown): HostAccessError {
    const {address, port} = this.options
    return new HostAccessError(
      this.hostName,
      `connection to ${address}:${port} was lost while running ${argv[0]} (${this.lostReason ?? 'closed'}); it may or may not have completed on the host`,
      {code: 'E_HOST_UNREACHABLE', remedy: `Check that ${address} is up and reachable, then check the command's effect on the host before retrying.`, cause},
    )
  }

  private collect(client: SshClient, channel: ClientChannel, argv: readonly string[], opts: RunOptions): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const out = outputsFor(opts)
      let overflow: CappedOutput | undefined
      const decoder = opts.onStdout ? new StringDecoder('utf8') : undefined
      const pidLine = new RegExp(`(?:^|\\n)${this.pidTag}=(\\d+)\\n`)
      const pidLineAlone = new RegExp(`^${this.pidTag}=(\\d+)$`)
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
          reject(overflow.error(this.hostName, argv))
          return
        }
        const rest = decoder?.end()
        if (rest) opts.onStdout!(rest)
        if (exitCode === undefined && !killed && this.client !== client && !this.closed) {
          reject(this.lostError(argv))
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
        if (pgid !== undefined) void this.killGroup(client, pgid)
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
  private async killGroup(client: SshClient, pgid: number): Promise<void> {
    if (!(pgid > 1)) return
    try {
      const channel = await openExec(client, quoteCommand(['kill', '-s', 'KILL', '--', `-${pgid}`]))
      this.commands++
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

  private acquire(front: boolean): Promise<void> {
    if (this.active < this.limit && this.waiters.length === 0) {
      this.active++
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      // A waiter is handed the slot of a finishing command (active stays the same).
      if (front) this.waiters.unshift(resolve)
      else this.waiters.push(resolve)
    })
  }

  private release(): void {
    const next = this.active <= this.limit ? this.waiters.shift() : undefined
    if (next) next()
    else this.active--
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

function openExec(client: SshClient, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)))
    } catch (err) {
      reject(err)
    }
  })
}

/** sshd's answer when MaxSessions is reached: SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (1) or RESOURCE_SHORTAGE (4). */
function isChannelRefusal(err: unknown): boolean {
  const reason = (err as {reason?: unknown}).reason
  return reason === 1 || reason === 4 || /Channel open failure/i.test(errorText(err))
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

// ---------------------------------------------------------------------------------------------
// Connecting: TCP, handshake with host-key verification, authentication.

interface LoadedKey {
  file: string
  key: ParsedKey
}

interface Credentials {
  keys: LoadedKey[]
  /** Identity files that could not be used, with why ("encrypted", "not found", …). */
  skipped: Array<{file: string; why: string}>
  agentSocket?: string
  /** Set when there is nothing to authenticate with at all (the error to report after the host-key check). */
  unusable?: HostAccessError
}

async function loadCredentials(hostName: string, o: SshOptions): Promise<Credentials> {
  const keys: LoadedKey[] = []
  const skipped: Credentials['skipped'] = []
  for (const file of o.identities) {
    let data: Buffer
    try {
      data = await readIdentityFile(hostName, file)
    } catch (err) {
      // A key others can read is refused outright (ssh-files.ts); a missing one is skipped.
      if (err instanceof HostAccessError) throw err
      skipped.push({file, why: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : errorText(err)})
      continue
    }
    const parsed = utils.parseKey(data)
    if (parsed instanceof Error) {
      skipped.push({file, why: /encrypted/i.test(parsed.message) ? 'encrypted' : parsed.message})
    } else if (!parsed.isPrivateKey()) {
      skipped.push({file, why: 'not a private key'})
    } else {
      keys.push({file, key: parsed})
    }
  }
  let unusable: HostAccessError | undefined
  if (keys.length === 0 && !o.agentSocket) {
    // Reported only after the host key is checked, as ssh does: "host down" or "host key
    // changed" are the more important news.
    const target = `${o.user}@${o.address}:${o.port}`
    const encrypted = skipped.filter((s) => s.why === 'encrypted').map((s) => s.file)
    if (encrypted.length > 0) {
      unusable = new HostAccessError(hostName, `cannot log in as ${target}: ${encrypted.join(', ')} ${encrypted.length > 1 ? 'are' : 'is'} encrypted (passphrase-protected) and no ssh-agent is available`, {
        code: 'E_AUTH_FAILED',
        remedy: `Load the key into ssh-agent (eval "$(ssh-agent)"; ssh-add ${encrypted[0]}) with agent: true in the profile (the default), or name an unencrypted key with identity:.`,
      })
    } else {
      const tried = skipped.length > 0 ? skipped.map((s) => `${s.file} (${s.why})`).join(', ') : 'none (no identity configured and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa)'
      unusable = new HostAccessError(hostName, `cannot log in as ${target}: no usable private key; key files: ${tried}; no ssh-agent`, {
        code: 'E_AUTH_FAILED',
        remedy: 'Set identity: in the profile to a private key the host accepts, or start ssh-agent with the key loaded (SSH_AUTH_SOCK).',
      })
    }
  }
  return {keys, skipped, agentSocket: o.agentSocket, unusable}
}

/** A missing file means "nothing known"; an unreadable or unsafe one must not silently mean that. */
async function readKnownHosts(hostName: string, files: readonly string[]): Promise<KnownHostsSource[]> {
  const sources: KnownHostsSource[] = []
  for (const file of files) {
    const text = await readKnownHostsFile(hostName, file)
    if (text !== undefined) sources.push({file, text})
  }
  return sources
}

/**
 * Appends a line, creating the file 0600 (and its directory 0700) if needed, as OpenSSH does.
 * Refused when others could write that directory or one above it: the file we create would be
 * theirs to replace.
 */
async function recordHostKey(hostName: string, file: string, line: string): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  await checkKnownHostsDir(hostName, file)
  let prefix = ''
  try {
    const existing = await readFile(file, 'utf8')
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n'
  } catch {
    // new file
  }
  await appendFile(file, `${prefix}${line}\n`, {mode: 0o600})
}

type HostKeyDecision = {accept: true; notice?: string} | {accept: false; error: HostAccessError}

async function decideHostKey(hostName: string, o: SshOptions, sources: KnownHostsSource[], blob: Buffer): Promise<HostKeyDecision> {
  const {address, port} = o
  const where = `${address}:${port}`
  const type = keyTypeOf(blob)
  const fp = fingerprintSha256(blob)
  const userFile = o.knownHosts[0]
  const verdict = checkHostKey(sources, address, port, blob)
  switch (verdict.status) {
    case 'known':
      return {accept: true}
    case 'revoked':
      return {
        accept: false,
        error: new HostAccessError(hostName, `host key of ${where} (${type} ${fp}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`, {
          code: 'E_HOSTKEY_REVOKED',
          remedy: `The host must get a new host key (ask its administrator); a revoked key is never accepted.`,
        }),
      }
    case 'changed': {
      const old = verdict.entries[0]
      return {
        accept: false,
        error: new HostAccessError(
          hostName,
          `host key of ${where} has CHANGED: it presents ${type} ${fp}, but ${old.file}:${old.line} records ${fingerprintSha256(old.key)}; refusing to connect (possible man-in-the-middle)`,
          {
            code: 'E_HOSTKEY_CHANGED',
            remedy: `If the host was reinstalled or its key rotated, confirm ${fp} on the host (ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-sha2-nistp\d+$/g, '')}_key.pub), then run: ssh-keygen -R '${knownHostsName(address, port)}' -f ${old.file} and connect again (trust-on-first-use never accepts a changed key).`,
          },
        ),
      }
    }
    case 'unknown': {
      const keyscan = `ssh-keyscan -p ${port} ${address} >> ${userFile}`
      if (verdict.otherTypes.length > 0) {
        // The host is known by another key type but does not offer it now: treat as a
        // possible substitution, never as a first use.
        return {
          accept: false,
          error: new HostAccessError(
            hostName,
            `host key of ${where} is not known: it presents ${type} ${fp}, but only ${verdict.otherTypes.join(', ')} keys are recorded for it; refusing to connect`,
            {code: 'E_HOSTKEY_UNKNOWN', remedy: `Confirm ${fp} on the host, then add it with: ${keyscan} (trust-on-first-use does not apply when other keys are recorded).`},
          ),
        }
      }
      if (!o.trustOnFirstUse) {
        return {
          accept: false,
          error: new HostAccessError(hostName, `host key of ${where} is not known (${type} ${fp}); refusing to connect`, {
            code: 'E_HOSTKEY_UNKNOWN',
            remedy: `Confirm ${fp} on the host, then run: ${keyscan} — or set trust-on-first-use: true for this host in the profile.`,
          }),
        }
      }
      try {
        await recordHostKey(hostName, userFile, knownHostsLine(address, port, blob))
      } catch (err) {
        if (err instanceof HostAccessError) return {accept: false, error: err}
        return {
          accept: false,
          error: new HostAccessError(hostName, `host key of ${where} is not known (${type} ${fp}) and could not be recorded in ${userFile}: ${errorText(err)}`, {
            code: 'E_HOSTKEY_UNKNOWN',
            remedy: `Make ${userFile} writable, or add the key yourself: ${keyscan}`,
          }),
        }
      }
      return {accept: true, notice: `${hostName}: trusted the host key of ${where} on first use (${type} ${fp}) and recorded it in ${userFile}`}
    }
  }
}

function openConnection(hostName: string, o: SshOptions, settings: SshConnectOptions): Promise<SshClient> {
  return (async () => {
    const creds = await loadCredentials(hostName, o)
    const sources = await readKnownHosts(hostName, [...o.knownHosts, ...o.globalKnownHosts]).catch((err: unknown) => {
      if (err instanceof HostAccessError) throw err
      throw new HostAccessError(hostName, `cannot read known_hosts to check ${o.address}:${o.port}: ${errorText(err)}`, {
        code: 'E_SSH',
        remedy: `Fix the permissions of ${o.knownHosts.join(', ')}, or name another file with known-hosts: in the profile.`,
        cause: err,
      })
    })
    return connectClient(hostName, o, settings, creds, sources)
  })()
}

function connectClient(hostName: string, o: SshOptions, settings: SshConnectOptions, creds: Credentials, sources: KnownHostsSource[]): Promise<SshClient> {
  const {address, port, user} = o
  const where = `${address}:${port}`
  return new Promise((resolve, reject) => {
    const client = new Client()
    let phase: 'tcp' | 'handshake' | 'auth' = 'tcp'
    let settled = false
    let hostKeyRefusal: HostAccessError | undefined
    const offered: string[] = []
    const agentErrors: string[] = []

    const fail = (err: HostAccessError) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      detach()
      client.destroy()
      reject(err)
    }
    const timer = setTimeout(() => {
      const what = {
        tcp: 'the TCP connection was not established',
        handshake: 'TCP connected, but the SSH handshake did not complete',
        auth: 'authentication did not complete',
      }[phase]
      fail(
        new HostAccessError(hostName, `no answer from ${where} within ${formatSeconds(o.connectTimeoutMs)} (${what})`, {
          code: 'E_HOST_TIMEOUT',
          remedy: `Check that ${address} is up and that no firewall drops port ${port}; raise connect-timeout in the profile for a slow link.`,
        }),
      )
    }, o.connectTimeoutMs)

    const authFailed = (detail?: string) => {
      if (creds.unusable) return creds.unusable
      const tried = [...offered]
      const notTried = creds.skipped.map((s) => `${s.file} (${s.why})`)
      const parts = [`offered: ${tried.length > 0 ? tried.join(', ') : 'nothing'}`]
      if (notTried.length > 0) parts.push(`not usable: ${notTried.join(', ')}`)
      if (agentErrors.length > 0) parts.push(`ssh-agent: ${agentErrors[0]}`)
      const encrypted = creds.skipped.some((s) => s.why === 'encrypted')
      return new HostAccessError(hostName, `authentication as ${user}@${where} failed${detail ? ` (${detail})` : ''}; ${parts.join('; ')}`, {
        code: 'E_AUTH_FAILED',
        remedy: encrypted
          ? 'Load the encrypted key into ssh-agent (ssh-add FILE) with agent: true, or check that its public key is in the user\'s authorized_keys on the host.'
          : `Add one of these public keys to ~${user}/.ssh/authorized_keys on the host, or set user:/identity: in the profile (debug with: ssh -v -p ${port} ${user}@${address}).`,
      })
    }

    const onConnect = () => {
      phase = 'handshake'
    }
    const onHandshake = () => {
      phase = 'auth'
    }
    const onReady = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      detach()
      resolve(client)
    }
    const onError = (err: Error & {level?: string; code?: string}) => {
      if (err.level === 'agent') {
        // ssh2 reports an unusable agent and moves on to the next method.
        agentErrors.push(err.message)
        return
      }
      if (hostKeyRefusal) return fail(hostKeyRefusal)
      if (err.level === 'client-authentication' || (phase === 'auth' && /authentication/i.test(err.message))) return fail(authFailed())
      if (err.level === 'client-socket' || err.level === 'client-dns') return fail(socketError(hostName, o, err))
      if (err.level === 'client-timeout') return fail(new HostAccessError(hostName, `no answer from ${where}: ${err.message}`, {code: 'E_HOST_TIMEOUT', remedy: `Check that ${address} is up.`}))
      if (/before handshake/i.test(err.message)) {
        return fail(new HostAccessError(hostName, `${where} closed the connection before the SSH handshake (is it an sshd?)`, {code: 'E_HOST_UNREACHABLE', remedy: `Check that sshd listens on ${address} port ${port} (MaxStartups, tcp_wrappers, fail2ban).`}))
      }
      fail(new HostAccessError(hostName, `SSH to ${where} failed during ${phase}: ${err.message}`, {code: 'E_SSH', remedy: `Debug with: ssh -v -p ${port} ${user}@${address}`, cause: err}))
    }
    const onClose = () => {
      if (hostKeyRefusal) return fail(hostKeyRefusal)
      if (phase === 'auth') return fail(authFailed('the host closed the connection'))
      fail(new HostAccessError(hostName, `${where} closed the connection during the SSH ${phase === 'tcp' ? 'connect' : phase}`, {code: 'E_HOST_UNREACHABLE', remedy: `Check that sshd is running on ${address} port ${port}.`}))
    }
    // An 'error' listener stays attached: an unhandled 'error' event would crash the process.
    const ignore = () => {}
    client.on('error', ignore)
    client.on('connect', onConnect).on('handshake', onHandshake).on('ready', onReady).on('error', onError).on('close', onClose)
    const detach = () => {
      client.off('connect', onConnect).off('handshake', onHandshake).off('ready', onReady).off('error', onError).off('close', onClose)
    }

    const hostVerifier = (blob: Buffer, verify: (valid: boolean) => void): void => {
      decideHostKey(hostName, o, sources, blob).then(
        (d) => {
          if (d.accept && d.notice) settings.onNotice?.(d.notice)
          if (!d.accept) hostKeyRefusal = d.error
          verify(d.accept)
        },
        (err: unknown) => {
          hostKeyRefusal = new HostAccessError(hostName, `cannot check the host key of ${where}: ${errorText(err)}`, {code: 'E_SSH', cause: err})
          verify(false)
        },
      )
    }

    // Identity files in order, then the agent (its keys tried one by one by ssh2).
    const attempts: Array<{label: string; method: AnyAuthMethod}> = [
      ...creds.keys.map((k) => ({label: `${k.file} (${k.key.type})`, method: {type: 'publickey', username: user, key: k.key} as AnyAuthMethod})),
      ...(creds.agentSocket ? [{label: `ssh-agent keys (${creds.agentSocket})`, method: {type: 'agent', username: user, agent: creds.agentSocket} as AnyAuthMethod}] : []),
    ]
    const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void) => {
      // methodsLeft is null on the first call; afterwards, stop if the server no longer takes keys.
      const attempt = attempts[offered.length]
      if (!attempt || (methodsLeft && !methodsLeft.includes('publickey'))) return next(false)
      offered.push(attempt.label)
      next(attempt.method)
    }

    const config: ConnectConfig = {
      host: address,
      port,
      username: user,
      hostVerifier,
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
      algorithms: {serverHostKey: preferredHostKeyAlgorithms(knownKeyTypes(sources, address, port)) as NonNullable<ConnectConfig['algorithms']>['serverHostKey']},
      keepaliveInterval: settings.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: settings.keepaliveCountMax ?? 4,
      readyTimeout: 0, // our own timer above, which knows the phase
    }
    try {
      client.connect(config)
      // From the first packet, not only after login: the handshake and login are small request and
      // answer packets, which Nagle's algorithm would hold back until the host's delayed ACK (40 ms
      // on Linux). Measured on loopback: ready after 77 ms with Nagle, 32 ms without.
      client.setNoDelay(true)
    } catch (err) {
      fail(new HostAccessError(hostName, `cannot start SSH to ${where}: ${errorText(err)}`, {code: 'E_SSH', cause: err}))
    }
  })
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is sshd running and listening on that port?)',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ECONNRESET: 'connection reset by the host',
  EPIPE: 'connection closed by the host',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved (DNS not answering)',
  EADDRNOTAVAIL: 'address not available',
}

function socketError(hostName: string, o: SshOptions, err: Error & {code?: string}): HostAccessError {
  const where = `${o.address}:${o.port}`
  if (err.code === 'ETIMEDOUT') {
    return new HostAccessError(hostName, `no answer from ${where} (TCP connect timed out)`, {
      code: 'E_HOST_TIMEOUT',
      remedy: `Check that ${o.address} is up and that no firewall drops port ${o.port}.`,
      cause: err,
    })
  }
  const why = (err.code && UNREACHABLE_CODES[err.code]) ?? err.message
  return new HostAccessError(hostName, `cannot reach ${where}: ${why}`, {
    code: 'E_HOST_UNREACHABLE',
    remedy: `Check the address and port in the profile, that the host is up and sshd runs (try: ssh -p ${o.port} ${o.user}@${o.address}).`,
    cause: err,
  })
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
