import {execa} from 'execa'
import type {HostTransport, RunOptions, RunResult} from './transport.js'

/**
 * Runs commands on this machine with execa: argv, never a shell.
 */
export class LocalTransport implements HostTransport {
  readonly kind = 'local' as const
  private count = 0

  constructor(readonly hostName: string) {}

  get roundTrips(): number {
    return this.count
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new Error('LocalTransport.run: empty argv')
    this.count++
    const child = execa(argv[0], argv.slice(1), {
      input: opts.stdin ?? '',
      reject: false,
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
      stripFinalNewline: false,
      encoding: 'utf8',
      forceKillAfterDelay: 2000,
    })
    if (opts.onStdout) child.stdout?.on('data', (chunk: Buffer) => opts.onStdout!(chunk.toString('utf8')))
    const r = await child
    return {
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
      timedOut: r.timedOut || undefined,
    }
  }

  async close(): Promise<void> {}
}
