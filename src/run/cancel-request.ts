/**
 * Cancelling a running migration from another shell (`zmigrate cancel`), as z/VM's VMRELOCATE
 * CANCEL does from another user's console. The request is a file beside the guest's lock
 * (`locks/UUID.cancel`; for a whole evacuation, `evacuations/ID.cancel`), written atomically, naming
 * who asked, when, and which run it is for: the lock's holder (PID, start ticks, host, since), so
 * that a request left over from an earlier run never cancels the next one. The running zmigrate
 * watches for it (cancel-watch.ts) and aborts its AbortController with the reason
 * `{kind: 'cancelled-by-user', by: 'USER@PID'}`; a plain Ctrl-C aborts without one. Either way the
 * run stops its step and rolls back as for Ctrl-C (apply.ts).
 *
 * The request file is what counts. The signal `zmigrate cancel` sends the holder (SIGURG) only
 * makes it look now rather than at its next poll; SIGURG's default action is to ignore it, so a
 * process that is not watching — or that is not zmigrate at all — comes to no harm, and it is sent
 * only to the process the lock names: same PID *and* the same start time, never a reused PID.
 */
import {lstat, readFile, unlink} from 'node:fs/promises'
import {hostname, userInfo} from 'node:os'
import {join} from 'node:path'
import {z} from 'zod'
import {writeFileAtomic} from '../atomic-file.js'
import {timestampSchema, uuidSchema} from '../plan/values.js'
import {lockDir, processStartTicks, type LockHolder} from './guest-lock.js'

export {abortMessage, cancelledByUser, isCancelledByUser, type CancelledByUser} from './abort-reason.js'

/** The run a request is for, as its lock (or evacuation journal) names it. */
export type RunIdentity = Pick<LockHolder, 'pid' | 'startTicks' | 'host' | 'since'>

const runSchema = z.object({
  pid: z.number().int().positive(),
  startTicks: z.number().int().nonnegative().optional(),
  host: z.string().min(1),
  since: timestampSchema,
})

export const cancelRequestSchema = z.object({
  formatVersion: z.literal(1),
  kind: z.literal('cancel-request'),
  target: z.discriminatedUnion('kind', [
    z.object({kind: z.literal('guest'), uuid: uuidSchema, name: z.string()}),
    z.object({kind: z.literal('evacuation'), id: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/), host: z.string()}),
  ]),
  run: runSchema,
  by: z.object({user: z.string().min(1), pid: z.number().int().positive(), host: z.string().min(1)}),
  requestedAt: timestampSchema,
})

export type CancelRequest = z.infer<typeof cancelRequestSchema>
export type CancelTarget = CancelRequest['target']

export const requestedBy = (r: Pick<CancelRequest, 'by'>): string => `${r.by.user}@${r.by.pid}`

export const sameRun = (a: RunIdentity, b: RunIdentity): boolean => a.pid === b.pid && a.since === b.since && a.host === b.host

export function guestCancelFile(dataDir: string, uuid: string): string {
  return join(lockDir(dataDir), `${uuid.toLowerCase()}.cancel`)
}

/** Beside the evacuation journal: evacuations/ID.json -> evacuations/ID.cancel. */
export function evacuationCancelFile(journalFile: string): string {
  return journalFile.replace(/\.json$/, '') + '.cancel'
}

/** A request from this process, now, for `run`. */
export function newCancelRequest(target: CancelTarget, run: RunIdentity, now = new Date()): CancelRequest {
  return {
    formatVersion: 1,
    kind: 'cancel-request',
    target,
    run: {pid: run.pid, ...(run.startTicks !== undefined ? {startTicks: run.startTicks} : {}), host: run.host, since: run.since},
    by: {user: userInfo().username, pid: process.pid, host: hostname()},
    requestedAt: now.toISOString(),
  }
}

/** Atomically (temp file, fsync, rename: a watcher never reads half of one), 0600. */
export async function writeCancelRequest(file: string, request: CancelRequest): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(request, null, 2) + '\n', {mode: 0o600})
}

/**
 * The request at `file`, if there is a valid one: a regular file (not a link) owned by this user
 * or root — zmigrate acts on it as root — holding a document of the schema above.
 */
export async function readCancelRequest(file: string): Promise<CancelRequest | undefined> {
  const st = await lstat(file).catch(() => undefined)
  if (!st?.isFile()) return undefined
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) return undefined
  try {
    const parsed = cancelRequestSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** Removes the request at `file` if it is for `run` (the run that ends, or the cancel that gave up); any other is left alone. */
export async function removeCancelRequest(file: string, run: RunIdentity): Promise<void> {
  const request = await readCancelRequest(file)
  if (request && sameRun(request.run, run)) await unlink(file).catch(() => undefined)
}

/** The signal that makes a watching run look at once (see the header: ignored by default). */
export const CANCEL_NUDGE: NodeJS.Signals = 'SIGURG'

/**
 * - signalled: the recorded process, verified by PID and start time, was sent CANCEL_NUDGE;
 * - gone: no such process; reused: the PID is another process now (another start time);
 * - unverifiable: the lock has no start time (or /proc does not tell it), so it is not signalled;
 * - elsewhere: the holder runs on another host; not-permitted: it belongs to another user.
 */
export type NudgeOutcome = 'signalled' | 'gone' | 'reused' | 'unverifiable' | 'elsewhere' | 'not-permitted'

export interface ProcessProbe {
  startTicks(pid: number): number | undefined
  exists(pid: number): boolean
  kill(pid: number, signal: NodeJS.Signals): void
}

const realProcesses: ProcessProbe = {
  startTicks: processStartTicks,
  exists: (pid) => {
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  },
  kill: (pid, signal) => process.kill(pid, signal),
}

/**
 * Signals the run only once it is known to be the recorded process: its start time read now must
 * be the one the lock recorded. (The start time is read just before the kill; a PID that ends and
 * is handed to a new process in between would need the PID space to wrap within microseconds.)
 */
export function nudgeRun(run: RunIdentity, probe: ProcessProbe = realProcesses): NudgeOutcome {
  if (run.host !== hostname()) return 'elsewhere'
  if (!probe.exists(run.pid)) return 'gone'
  const ticks = probe.startTicks(run.pid)
  if (run.startTicks === undefined || ticks === undefined) return 'unverifiable'
  if (ticks !== run.startTicks) return 'reused'
  try {
    probe.kill(run.pid, CANCEL_NUDGE)
    return 'signalled'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'not-permitted' : 'gone'
  }
}
