/**
 * A migration job in the fake libvirt (fake-libvirt.ts) that runs over time, for the runner's
 * limit, cancel and finish-reason tests: `virsh migrate` returns only when the job ends (by
 * itself, or after domjobabort, suspend or migrate-postcopy), the progress sampler gets
 * domjobinfo samples meanwhile, and `domjobinfo --completed` on the source tells how it ended,
 * as libvirt's do. Without a FakeJobScript, `virsh migrate` completes at once, as before.
 */
import {WAIT_MARK} from '../../src/hosts/dirty-rate-measure.js'
import type {RunResult} from '../../src/hosts/transport.js'

export interface FakeJobScript {
  /** The running job's statistics at its nth sample (0, 1, …), as --rawstats names them. */
  sample?: (n: number) => Record<string, number>
  /** It ends by itself this long after it started: completes, unless `fails`. Unset: it runs until steered or killed. */
  endsAfterMs?: number
  /** How it fails by itself (at endsAfterMs): virsh's error and libvirt's job errmsg. */
  fails?: {stderr: string; errmsg: string}
  /** After migrate-postcopy: it completes (default), or fails with the guest paused in post-copy failed. */
  postcopyFails?: {stderr: string; errmsg: string}
}

const CANCELLED = 'operation aborted: migration out job: canceled by client'

/** The job of one `virsh migrate`: what steering it does, and its end. */
export class FakeJob {
  samples = 0
  postcopy = false
  private ended = false
  private timers: ReturnType<typeof setTimeout>[] = []
  private resolve: (r: RunResult) => void = () => undefined
  readonly done: Promise<RunResult>

  constructor(
    readonly script: FakeJobScript,
    private readonly postcopyEnabled: boolean,
    private readonly hooks: {arrive: () => void; pause: (reason: string) => void; record: (stats: string) => void},
    signal?: AbortSignal,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve))
    if (script.endsAfterMs !== undefined)
      this.later(script.endsAfterMs, () => (script.fails ? this.fail(script.fails.stderr, 4, script.fails.errmsg) : this.complete()))
    signal?.addEventListener('abort', () => this.end({stdout: '', stderr: '', exitCode: -1}), {once: true})
  }

  get active(): boolean {
    return !this.ended
  }

  /** `domjobinfo --rawstats` of the running job. */
  sampleText(): string {
    const stats = this.script.sample?.(this.samples++) ?? {}
    return ['type: 2', 'operation: 5', ...Object.entries(stats).map(([k, v]) => `${k}: ${v}`), ''].join('\n')
  }

  abort(): RunResult {
    if (!this.active) return {stdout: '', stderr: 'error: Requested operation is not valid: no job is active on the domain\n', exitCode: 1}
    if (this.postcopy) return {stdout: '', stderr: 'error: Requested operation is not valid: cannot abort migration in post-copy mode\n', exitCode: 1}
    this.fail(`error: ${CANCELLED}\n`, 5, CANCELLED)
    return {stdout: '', stderr: '', exitCode: 0}
  }

  suspend(): void {
    this.hooks.pause('user')
    // nothing dirties memory any more: pre-copy finishes
    this.later(20, () => this.complete())
  }

  switchToPostcopy(): RunResult {
    if (!this.active) return {stdout: '', stderr: 'error: Requested operation is not valid: domain is not being migrated\n', exitCode: 1}
    if (!this.postcopyEnabled)
      return {
        stdout: '',
        stderr: 'error: Requested operation is not valid: switching to post-copy requires migration to be started with VIR_MIGRATE_POSTCOPY flag\n',
        exitCode: 1,
      }
    this.postcopy = true
    this.hooks.pause('post-copy')
    const fails = this.script.postcopyFails
    this.later(20, () => {
      if (!fails) return this.complete()
      this.hooks.pause('post-copy failed')
      this.fail(fails.stderr, 4, fails.errmsg)
    })
    return {stdout: '', stderr: '', exitCode: 0}
  }

  private complete(): void {
    if (!this.active) return
    this.hooks.arrive()
    this.hooks.record('type: 3\ndowntime: 27\n')
    this.end({stdout: '\nMigration: [100 %]\n', stderr: '', exitCode: 0})
  }

  private fail(stderr: string, type: number, errmsg: string): void {
    if (!this.active) return
    this.hooks.record(`type: ${type}\nerrmsg: ${errmsg}\n`)
    this.end({stdout: '', stderr, exitCode: 1})
  }

  private later(ms: number, f: () => void): void {
    this.timers.push(setTimeout(f, ms))
  }

  private end(r: RunResult): void {
    if (this.ended) return
    this.ended = true
    for (const t of this.timers) clearTimeout(t)
    this.resolve(r)
  }
}

/**
 * The dirty-rate measurement script (hosts/dirty-rate-measure.ts) as the fake runs it: each
 * `LABEL N ARGV…` through `virsh`, framed as the script frames it; the waits are not waited.
 */
export async function measureScript(
  inner: readonly string[],
  virsh: (argv: string[]) => Promise<RunResult> | RunResult,
  ram: (name: string, uuid: string) => RunResult = () => ({stdout: 'no QEMU pid file\n', stderr: '', exitCode: 3}),
): Promise<RunResult> {
  const [mark, uri, , ...rest] = inner
  let out = ''
  for (let i = 0; i < rest.length;) {
    if (rest[i] === WAIT_MARK) {
      i++
      continue
    }
    const label = rest[i]
    const n = Number(rest[i + 1])
    const args = rest.slice(i + 2, i + 2 + n)
    i += 2 + n
    // `ram:UUID DIR NAME UUID`: the resident RAM (hosts/resident-memory.ts); the rest are virsh argv
    const r = label.startsWith('ram:') ? ram(args[1], args[2]) : await virsh(['virsh', '-c', uri, ...args])
    out += `\n${mark}:begin:${label}\n${r.stdout}${r.stderr}\n${mark}:end:${label}:${r.exitCode}\n`
  }
  return {stdout: out, stderr: '', exitCode: 0}
}
