/**
 * The running side of `zmigrate cancel`: while a run holds a guest (or runs an evacuation) it
 * watches for a cancel request addressed to it (cancel-request.ts) and, when one comes, aborts its
 * AbortController with `{kind: 'cancelled-by-user', by}`. Three ways to notice, any of which is
 * enough: fs.watch on the request's directory (inotify: at once on a local file system), the
 * CANCEL_NUDGE signal `zmigrate cancel` sends, and a poll every second — the fallback where
 * fs.watch says nothing (network file systems, an inotify limit reached).
 */
import {watch, type FSWatcher} from 'node:fs'
import {basename, dirname} from 'node:path'
import {clearInterval, setInterval} from 'node:timers'
import {
  CANCEL_NUDGE,
  cancelledByUser,
  readCancelRequest,
  removeCancelRequest,
  requestedBy,
  sameRun,
  type CancelRequest,
  type CancelTarget,
  type RunIdentity,
} from './cancel-request.js'

export interface CancelWatchOptions {
  /** The request file to watch for (guestCancelFile, evacuationCancelFile). */
  file: string
  /** This run, as its lock or evacuation journal names it: only a request for it counts. */
  run: RunIdentity
  /** Whether a request's target is what this run moves. */
  matches(target: CancelTarget): boolean
  /** Told once, before the abort, with the request that cancels the run. */
  onRequest?(request: CancelRequest): void
  /** The poll's period (ms); default 1000. */
  pollMs?: number
  /** Use fs.watch too (default true); tests turn it off to see the poll alone. */
  fsWatch?: boolean
}

export interface CancelWatch {
  /** Aborted, with the cancel's reason, once a request for this run is seen. */
  readonly signal: AbortSignal
  /** The request that cancelled the run, once there is one. */
  readonly request: CancelRequest | undefined
  /** Stops watching and removes the request if it was for this run. */
  stop(): Promise<void>
}

/** One CANCEL_NUDGE listener for every watch of the process (an evacuation has one per guest in flight). */
const nudged = new Set<() => void>()
const onNudge = () => {
  for (const check of nudged) check()
}

function listen(check: () => void): () => void {
  if (nudged.size === 0) process.on(CANCEL_NUDGE, onNudge)
  nudged.add(check)
  return () => {
    nudged.delete(check)
    if (nudged.size === 0) process.off(CANCEL_NUDGE, onNudge)
  }
}

export function watchCancelRequest(opts: CancelWatchOptions): CancelWatch {
  const controller = new AbortController()
  let request: CancelRequest | undefined
  let stopped = false
  let reading: Promise<void> | undefined
  let again = false

  const read = async () => {
    const r = await readCancelRequest(opts.file)
    if (stopped || controller.signal.aborted || !r || !sameRun(r.run, opts.run) || !opts.matches(r.target)) return
    request = r
    opts.onRequest?.(r)
    controller.abort(cancelledByUser(requestedBy(r)))
  }
  // one read at a time; an event during one asks for another after it (the file may have just been renamed in)
  const check = () => {
    if (stopped || controller.signal.aborted) return
    if (reading) {
      again = true
      return
    }
    reading = read()
      .catch(() => undefined)
      .finally(() => {
        reading = undefined
        if (again) {
          again = false
          check()
        }
      })
  }

  let watcher: FSWatcher | undefined
  if (opts.fsWatch !== false) {
    try {
      const name = basename(opts.file)
      watcher = watch(dirname(opts.file), {persistent: false}, (_event, changed) => {
        if (!changed || changed.toString() === name) check()
      })
      watcher.on('error', () => undefined) // the poll still runs
    } catch {
      watcher = undefined
    }
  }
  const timer = setInterval(check, opts.pollMs ?? 1000)
  timer.unref()
  const unlisten = listen(check)
  check()

  return {
    signal: controller.signal,
    get request() {
      return request
    },
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      watcher?.close()
      unlisten()
      await reading
      await removeCancelRequest(opts.file, opts.run).catch(() => undefined)
    },
  }
}

/** `a` and `b` as one signal: aborted when either is, with that one's reason. */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b
}
