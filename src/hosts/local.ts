import type {HostTransport, RunOptions, RunResult} from './transport.js'

/**
 * Runs commands on this machine with execa: argv, never a shell. Each command gets its own
 * process group, and a timeout or an abort ends the whole group (a pipeline's children too),
 * as the SSH transport does with the remote session.
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
    // loaded on first use: execa costs ~80 ms to import, and most runs only talk SSH
    const {execa} = await import('execa')
    const child = execa(argv[0], argv.slice(1), {
      input: opts.stdin ?? '',
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      detached: true,
      cleanup: true,
    })
    let timedOut = false
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), killGroup()), opts.timeoutMs)
    if (opts.signal?.aborted) killGroup()
    opts.signal?.addEventListener('abort', killGroup, {once: true})
    if (opts.onStdout) child.stdout?.on('data', (chunk: Buffer) => opts.onStdout!(chunk.toString('utf8')))
    try {
      const r = await child
      return {
        stdout: String(r.stdout ?? ''),
        stderr: String(r.stderr ?? ''),
        exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
        timedOut: timedOut || undefined,
      }
    } finally {
      if (timer) clearTimeout(timer)
      opts.signal?.removeEventListener('abort', killGroup)
    }
  }

  async close(): Promise<void> {}
}
