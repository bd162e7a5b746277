/**
 * A rolling window of migrations: at most `site` at once, at most `outgoing` leaving one host and
 * `incoming` arriving at one host. A migration starts as soon as one ends and the caps allow it —
 * not in batches that wait for their slowest member (Nova's and Proxmox's bulk movers waste the
 * change window that way). Jobs start in the given order, except that a job whose hosts are at
 * their caps is passed over for the next one that fits. A job that fails does not stop the others;
 * `stopStarting` (a rollback that needs a human, an abort) stops new starts and lets those in
 * flight finish.
 */

export interface WindowCaps {
  site: number
  outgoing: number
  incoming: number
}

export interface WindowJob<R> {
  id: string
  from: string
  to: string
  run(): Promise<R>
}

export interface WindowHooks<R> {
  onStart?(job: WindowJob<R>, inFlight: number): void
  onEnd?(job: WindowJob<R>, result: WindowResult<R>): void
  /** Asked before every start; true stops new starts for good. */
  stopStarting?(): boolean
}

export type WindowResult<R> = {job: string; started: true; value: R} | {job: string; started: true; error: unknown} | {job: string; started: false}

export interface WindowRun<R> {
  results: WindowResult<R>[]
  /** The most migrations that ran at once. */
  peak: number
}

function validCaps(caps: WindowCaps): WindowCaps {
  for (const [k, v] of Object.entries(caps)) if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`window cap ${k} must be a positive integer, not ${v}`)
  return caps
}

export async function runWindow<R>(jobs: readonly WindowJob<R>[], caps: WindowCaps, hooks: WindowHooks<R> = {}): Promise<WindowRun<R>> {
  validCaps(caps)
  const waiting = [...jobs]
  const results = new Map<string, WindowResult<R>>()
  const out = new Map<string, number>()
  const inn = new Map<string, number>()
  const running = new Set<Promise<void>>()
  let peak = 0
  let stopped = false
  const fits = (j: WindowJob<R>) => running.size < caps.site && (out.get(j.from) ?? 0) < caps.outgoing && (inn.get(j.to) ?? 0) < caps.incoming
  const bump = (m: Map<string, number>, k: string, d: number) => m.set(k, (m.get(k) ?? 0) + d)

  const start = (job: WindowJob<R>) => {
    bump(out, job.from, 1)
    bump(inn, job.to, 1)
    const settle = async (): Promise<WindowResult<R>> => {
      try {
        return {job: job.id, started: true, value: await job.run()}
      } catch (error) {
        return {job: job.id, started: true, error}
      }
    }
    const p: Promise<void> = settle().then((result) => {
      results.set(job.id, result)
      bump(out, job.from, -1)
      bump(inn, job.to, -1)
      running.delete(p)
      hooks.onEnd?.(job, result)
    })
    running.add(p)
    peak = Math.max(peak, running.size)
    hooks.onStart?.(job, running.size)
  }

  for (;;) {
    if (!stopped && hooks.stopStarting?.()) stopped = true
    if (!stopped) {
      for (let i = 0; i < waiting.length && running.size < caps.site;) {
        if (hooks.stopStarting?.()) {
          stopped = true
          break
        }
        if (fits(waiting[i])) start(waiting.splice(i, 1)[0])
        else i++
      }
    }
    if (running.size === 0) break
    await Promise.race(running)
  }
  for (const j of waiting) results.set(j.id, {job: j.id, started: false})
  return {results: jobs.map((j) => results.get(j.id) ?? {job: j.id, started: false}), peak}
}
