/**
 * How zmigrate runs a command on a host. Two implementations: local (execa, argv, no shell)
 * and SSH (ssh2, one connection per host reused for every command). Both take an argv
 * array; the SSH transport quotes each element, so no caller ever builds a command line
 * by concatenating strings. Variable data that a fixed script needs goes over stdin.
 */
export interface RunOptions {
  /** Bytes to write to the command's standard input (then EOF). */
  stdin?: string | Buffer
  /** Kill the command after this long; the result then has `timedOut: true`. */
  timeoutMs?: number
  /** Called with each stdout chunk as it arrives (progress of long commands). */
  onStdout?: (chunk: string) => void
  /**
   * false: stdout goes to onStdout only, the result's stdout is '' and no total limit applies (a
   * sampler that prints for as long as a migration runs). Default true.
   */
  keepStdout?: boolean
  /** Past this many bytes of stdout the command is stopped and run() rejects with OutputLimitError. Default 64 MiB (output-limit.ts). */
  maxStdoutBytes?: number
  /** The same for stderr. Default 1 MiB. */
  maxStderrBytes?: number
  /** Cancels the command. */
  signal?: AbortSignal
}

export interface RunResult {
  stdout: string
  stderr: string
  /** Exit status; -1 when the command was killed or never reported one. */
  exitCode: number
  timedOut?: boolean
}

export interface HostTransport {
  /** The profile's name for the host, used in every message. */
  readonly hostName: string
  /** 'local' or 'ssh' */
  readonly kind: 'local' | 'ssh'
  /** Commands run so far (each is one round trip to the host). */
  readonly roundTrips: number
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>
  close(): Promise<void>
}
