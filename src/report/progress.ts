/**
 * Renders runner events: a live progress bar on a TTY, plain lines otherwise (stderr, so stdout
 * stays clean), or NDJSON on stdout with --json (one event per line, the report last).
 */
import type {EventSink, RunEvent} from '../run/events.js'
import {rateEtaSeconds} from '../run/job-eta.js'
import {formatBytes, formatDuration} from '../units.js'
import type {JobStats} from '../run/jobinfo.js'

const bytes = (n: number | undefined): string => (n === undefined ? '?' : formatBytes(Math.round(n)))

/**
 * One migration's progress: bar, bytes, rate, dirty rate, iteration, and the live ETA — the
 * runner's (from the last two samples) or, when it has none (the first sample, a pass that
 * re-sends dirtied pages), the one the job's own rate gives.
 */
export function progressLine(stats: JobStats, runnerEta: number | undefined, width = 24): string {
  const eta = runnerEta ?? rateEtaSeconds(stats)
  const total = stats.dataTotal ?? 0
  const done = stats.dataProcessed ?? 0
  const pct = total > 0 ? Math.min(100, Math.floor(((total - (stats.dataRemaining ?? total - done)) / total) * 100)) : 0
  const filled = Math.round((pct / 100) * width)
  const parts = [
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%`,
    `${bytes(done)} processed, ${bytes(stats.dataRemaining)} left`,
  ]
  if (stats.memoryBps !== undefined) parts.push(`${bytes(stats.memoryBps)}/s`)
  if (stats.dirtyRate !== undefined) parts.push(`dirty ${bytes(stats.dirtyRate * (stats.pageSize ?? 4096))}/s`)
  if (stats.iteration !== undefined) parts.push(`iteration ${stats.iteration}`)
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`)
  return parts.join('  ')
}

export interface RendererOptions {
  json: boolean
  tty: boolean
  out?: NodeJS.WritableStream
  err?: NodeJS.WritableStream
  /** Plain mode: at most one progress line per this many ms. */
  plainIntervalMs?: number
}

export function createRenderer(opts: RendererOptions): EventSink {
  const out = opts.out ?? process.stdout
  const err = opts.err ?? process.stderr
  // a progress event without the runner's ETA gets the one the job's rate gives
  const withEta = (e: RunEvent): RunEvent => (e.type === 'progress' && e.etaSeconds === undefined ? {...e, etaSeconds: rateEtaSeconds(e.stats)} : e)
  if (opts.json) return (e: RunEvent) => out.write(JSON.stringify({...withEta(e), at: new Date().toISOString()}) + '\n')
  // one bar per migration in flight, drawn as a block under the event lines and redrawn in place
  const bars = new Map<string, string>()
  let drawn = 0
  const lastPlain = new Map<string, number>()
  const clearBars = () => {
    if (drawn > 0) err.write(`\u001b[${drawn}F\u001b[J`)
    drawn = 0
  }
  const drawBars = () => {
    for (const line of bars.values()) err.write(`  ${line}\n`)
    drawn = bars.size
  }
  return (e: RunEvent) => {
    const who = e.guest && e.type !== 'plan' ? `[${e.guest}] ` : ''
    if (e.type === 'progress') {
      const line = progressLine(e.stats, e.etaSeconds)
      if (opts.tty) {
        clearBars()
        bars.set(e.guest ?? '', `${who}${line}`)
        drawBars()
      } else if (Date.now() - (lastPlain.get(e.guest ?? '') ?? 0) >= (opts.plainIntervalMs ?? 5000)) {
        lastPlain.set(e.guest ?? '', Date.now())
        err.write(`  ${who}progress: ${line}\n`)
      }
      return
    }
    if (opts.tty) clearBars()
    // a migration's bar goes once its migrate step has ended
    if (e.type === 'step-done' || e.type === 'step-failed') bars.delete(e.guest ?? '')
    const write = (text: string) => err.write(who ? text.replace(/^(?=.)/gm, who) : text)
    switch (e.type) {
      case 'plan':
        write(`migrating ${e.guest} from ${e.from} to ${e.to}: ${e.steps} steps (journal ${e.journal})\n`)
        break
      case 'step-start':
        write(`> ${e.step}: ${e.description}\n`)
        break
      case 'step-done':
        write(`  done in ${(e.durationMs / 1000).toFixed(1)} s${typeof e.result?.downtimeMs === 'number' ? ` (downtime ${e.result.downtimeMs} ms)` : ''}\n`)
        break
      case 'step-skipped':
        write(`= ${e.step}: ${e.reason}\n`)
        break
      case 'step-failed':
        write(`! ${e.step} failed: ${e.error}\n`)
        break
      case 'undo-start':
        write(`< undo ${e.step}: ${e.description}\n`)
        break
      case 'undo-done':
        write(`  undone in ${(e.durationMs / 1000).toFixed(1)} s\n`)
        break
      case 'undo-failed':
        write(`! undo ${e.step} failed: ${e.error}\n  needs a human: ${e.manual}\n`)
        break
      case 'notice':
        write(`note: ${e.message}\n`)
        break
    }
    if (opts.tty) drawBars()
  }
}
