/**
 * SshTransport: runs commands on a remote host over ONE ssh2 connection, reused for every
 * command (each command is one exec channel, run by ssh-channel.ts). Connecting, host-key
 * verification and login are in ssh-connect.ts; settings come from the profile, then
 * ~/.ssh/config (ssh-options.ts).
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
 * - Timeouts and aborts kill the command's remote process group (see ssh-channel.ts).
 */
import type {Client as SshClient, ClientChannel} from 'ssh2'
import {HostAccessError} from '../errors.js'
import type {ResolvedHost} from '../profiles/types.js'
import {commandWithPidLine, isChannelRefusal, newPidTag, openExec, runOnChannel} from './ssh-channel.js'
import {loadSshOptions, openConnection, type SshConnectOptions} from './ssh-connect.js'
import {errorText} from './ssh-errors.js'
import type {SshOptions} from './ssh-options.js'
import type {HostTransport, RunOptions, RunResult} from './transport.js'

export const DEFAULT_MAX_CHANNELS = 6

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
  private readonly pidTag = newPidTag()

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
    const command = commandWithPidLine(this.pidTag, argv)
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
        return await runOnChannel(client, channel, argv, opts, {
          hostName: this.hostName,
          pidTag: this.pidTag,
          connectionLost: () => this.client !== client && !this.closed,
          lostError: () => this.lostError(argv),
          countCommand: () => void this.commands++,
        })
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
            this.settings.onNotice?.(
              `${this.hostName}: reconnected to ${this.options.address}:${this.options.port} (the connection was lost: ${this.lostReason})`,
            )
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
