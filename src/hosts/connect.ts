/**
 * Opening a transport to a profile host, and keeping one per host for the length of a command.
 * (ssh.js is imported statically: a dynamic import of our own module would, under a CommonJS
 * test loader, create a second copy of the error classes and break instanceof checks.)
 */
import type {ResolvedHost} from '../profiles/types.js'
import {LocalTransport} from './local.js'
import {SshTransport, type SshConnectOptions} from './ssh.js'
import type {HostTransport} from './transport.js'

export type ConnectOptions = SshConnectOptions

/**
 * A connected transport for the host: LocalTransport for `transport: local`, otherwise an
 * SshTransport that has already verified the host key and logged in. Rejects with
 * HostAccessError (exit code 3) when the host cannot be reached or refuses us.
 */
export async function connectHost(host: ResolvedHost, opts: ConnectOptions = {}): Promise<HostTransport> {
  if (host.transport === 'local') return new LocalTransport(host.name)
  return SshTransport.connect(host, opts)
}

/**
 * One transport per host name for the duration of a command. Concurrent `get`s for the same
 * host share one pending connection. A failed connection is remembered too: every later `get`
 * for that host rejects with the same error at once instead of waiting out another timeout.
 */
export class HostPool {
  private readonly transports = new Map<string, Promise<HostTransport>>()
  /** Each connected host's transport and how long opening it took (ms). */
  private readonly connected = new Map<string, {transport: HostTransport; ms: number}>()
  private readonly connect: (host: ResolvedHost, opts: ConnectOptions) => Promise<HostTransport>

  constructor(private readonly opts: ConnectOptions & {connect?: (host: ResolvedHost, opts: ConnectOptions) => Promise<HostTransport>} = {}) {
    this.connect = opts.connect ?? connectHost
  }

  get(host: ResolvedHost): Promise<HostTransport> {
    let pending = this.transports.get(host.name)
    if (!pending) {
      const started = performance.now()
      pending = this.connect(host, this.opts)
      // Callers handle a rejection; this only keeps an unobserved one from being "unhandled".
      pending.then(
        (transport) => this.connected.set(host.name, {transport, ms: Math.round(performance.now() - started)}),
        () => {},
      )
      this.transports.set(host.name, pending)
    }
    return pending
  }

  /** Commands run so far on each connected host (benchmarks, --verbose). */
  roundTrips(): Record<string, number> {
    return Object.fromEntries([...this.connected].map(([name, c]) => [name, c.transport.roundTrips]))
  }

  /** How long opening each connected host's transport took (ms): key exchange, host key check, login. */
  connectTimes(): Record<string, number> {
    return Object.fromEntries([...this.connected].map(([name, c]) => [name, c.ms]))
  }

  /** Closes every transport (also those still connecting); never rejects. */
  async closeAll(): Promise<void> {
    const pending = [...this.transports.values()]
    this.transports.clear()
    this.connected.clear()
    await Promise.all(
      pending.map((p) =>
        p
          .then(
            (t) => t.close(),
            () => undefined,
          )
          .catch(() => undefined),
      ),
    )
  }
}
