/**
 * How much of a command's output the transports keep. Output is held in memory until the command
 * ends, so a host that prints without end (a runaway loop, a hostile login script) would grow
 * zmigrate until Node runs out of heap and every migration in flight dies with it. Past a limit the
 * command is stopped and run() rejects with OutputLimitError instead.
 *
 * stdout 64 MiB: the largest legitimate output is the collect script's, one `virsh dumpxml` per
 * guest plus the host's sysfs facts. A live s390x domain XML is 5-20 KB, so 500 guests and a large
 * device tree come to about 10 MB; 64 MiB leaves six times that and costs little memory.
 * stderr 1 MiB: it carries diagnostics, of which zmigrate reports the first line or five.
 */
import {OutputLimitError} from '../errors.js'
import type {RunOptions} from './transport.js'

export const DEFAULT_MAX_STDOUT_BYTES = 64 * 1024 * 1024
export const DEFAULT_MAX_STDERR_BYTES = 1024 * 1024

/** One stream's chunks, up to a byte limit. */
export class CappedOutput {
  private readonly chunks: Buffer[] = []
  private bytes = 0

  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly limitBytes: number,
    /** false: count nothing and keep nothing (the caller streams stdout elsewhere). */
    private readonly keep = true,
  ) {}

  /** False when this chunk takes the stream past its limit; the chunk is then not kept. */
  add(chunk: Buffer): boolean {
    if (!this.keep) return true
    if (this.bytes + chunk.length > this.limitBytes) return false
    this.chunks.push(chunk)
    this.bytes += chunk.length
    return true
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }

  error(host: string, argv: readonly string[]): OutputLimitError {
    return new OutputLimitError(host, argv, this.stream, this.limitBytes)
  }
}

export function outputsFor(opts: RunOptions): {stdout: CappedOutput; stderr: CappedOutput} {
  return {
    stdout: new CappedOutput('stdout', opts.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES, opts.keepStdout ?? true),
    stderr: new CappedOutput('stderr', opts.maxStderrBytes ?? DEFAULT_MAX_STDERR_BYTES),
  }
}
