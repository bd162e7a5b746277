/**
 * A rolling window of migrations: at most `site` at once, at most `outgoing` leaving one host and
 * `incoming` arriving at one host. A migration starts as soon as one ends and the caps allow it —
 * not in batches that wait for their slowest member (Nova's and Proxmox's bulk movers waste the
 * change window that way). Jobs start in the given order, except that a job whose hosts are at
 * their caps is passed over for the next one that fits. A job that fails does not stop the others;
 * `stopStarting` (a rollback that needs a human, an abort) stops new starts and lets those in
 * flight finish. Which queued jobs may start is decided by src/site/schedule.ts (pure); this
 * module runs them.
 */
import type {ConcurrencyLimits} from '../profiles/types.js'
import {startable, type MigrationSlot} from '../site/schedule.js'

export type WindowCaps = ConcurrencyLimits

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
  const slot = (j: WindowJob<R>): MigrationSlot => ({guest: j.id, source: j.from, destination: j.to})
  const waiting = [...jobs]
  const results = new Map<string, WindowResult<R>>()
  const inFlight = new Map<string, MigrationSlot>()
  const running = new Set<Promise<void>>()
  let peak = 0
  let stopped = false

  const start = (job: WindowJob<R>) => {
    inFlight.set(job.id, slot(job))
    const settle = async (): Promise<WindowResult<R>> => {
      try {
        return {job: job.id, started: true, value: await job.run()}
      } catch (error) {
        return {job: job.id, started: true, error}
      }
    }
    const p: Promise<void> = settle().then((result) => {
      results.set(job.id, result)
      inFlight.delete(job.id)
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
      const now = new Set(startable(waiting.map(slot), [...inFlight.values()], caps).map((s) => s.guest))
      for (const job of waiting.filter((j) => now.has(j.id))) {
        if (hooks.stopStarting?.()) {
          stopped = true
          break
        }
        waiting.splice(waiting.indexOf(job), 1)
        start(job)
      }
    }
    if (running.size === 0) break
    await Promise.race(running)
  }
  for (const j of waiting) results.set(j.id, {job: j.id, started: false})
  return {results: jobs.map((j) => results.get(j.id) ?? {job: j.id, started: false}), peak}
}
