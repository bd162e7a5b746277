import {StringDecoder} from 'node:string_decoder'
import {outputsFor, type CappedOutput} from './output-limit.js'
import type {HostTransport, RunOptions, RunResult} from './transport.js'

/**
 * Runs commands on this machine with execa: argv, never a shell. Each command gets its own
 * process group, and a timeout or an abort ends the whole group (a pipeline's children too),
 * as the SSH transport does with the remote session. Output is collected here, not by execa, so
 * that a command printing past its limit (output-limit.ts) ends with its whole group, as over SSH.
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
      buffer: false,
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
    const out = outputsFor(opts)
    const decoder = opts.onStdout ? new StringDecoder('utf8') : undefined
    let overflow: CappedOutput | undefined
    const collect = (stream: CappedOutput) => (chunk: Buffer) => {
      if (overflow) return
      if (!stream.add(chunk)) {
        overflow = stream
        killGroup()
      } else if (decoder && stream === out.stdout) {
        const text = decoder.write(chunk)
        if (text) opts.onStdout!(text)
      }
    }
    child.stdout?.on('data', collect(out.stdout))
    child.stderr?.on('data', collect(out.stderr))
    try {
      const r = await child
      if (overflow) throw overflow.error(this.hostName, argv)
      const rest = decoder?.end()
      if (rest) opts.onStdout!(rest)
      return {
        stdout: out.stdout.text(),
        stderr: out.stderr.text(),
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
