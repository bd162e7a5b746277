/**
 * The cancel use case (`zmigrate cancel GUEST`), as z/VM's VMRELOCATE CANCEL: stop a zmigrate
 * migration that another process runs on this machine, cleanly. The guest's lock names the run
 * (PID, start time); cancel writes a request for exactly that run beside the lock
 * (run/cancel-request.ts), signals it — only once it is verified to be the recorded process — so it
 * looks at once, and waits (bounded) until the run lets the guest go. The run rolls back as for
 * Ctrl-C; a migration already verified stands (run/apply.ts). The outcome is what the run's journal
 * says then. A run on another host cannot be verified or signalled from here: it is named, and
 * nothing is asked of it.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {UsageError} from '../errors.js'
import type {CancelReport} from '../report/cancel-report.js'
import {
  guestCancelFile,
  newCancelRequest,
  nudgeRun,
  removeCancelRequest,
  requestedBy,
  sameRun,
  writeCancelRequest,
  type CancelTarget,
  type ProcessProbe,
  type RunIdentity,
} from '../run/cancel-request.js'
import {readLock, type LockEntry, type LockHolder} from '../run/guest-lock.js'
import {cancelExitCode} from './exit-status.js'
import {guestsNamed, journalOfLock, readDataDir, type DataDirView, type JournalSummary} from './status-data.js'
import {finishReasonOf, migrationStatuses} from './status-migrations.js'
import type {ExitCodeValue} from '../exit-codes.js'

export interface CancelRequestInput {
  dataDir: string
  /** The guest's name or UUID. */
  guest: string
  /** Seconds to wait for the run to let the guest go (0: do not wait). */
  waitSeconds: number
  /** How often to look while waiting (ms). */
  pollMs?: number
  /** How processes are verified and signalled (tests). */
  probe?: ProcessProbe
}

export interface Cancelled {
  report: CancelReport
  exitCode: ExitCodeValue
}

export function cancelled(report: Omit<CancelReport, 'formatVersion' | 'ok'>): Cancelled {
  const exitCode = cancelExitCode(report.outcome)
  return {report: {formatVersion: 1, ok: exitCode === 0, ...report}, exitCode}
}

const runOf = (h: Pick<LockHolder, 'pid' | 'host' | 'since'>) => ({pid: h.pid, host: h.host, since: h.since})

/**
 * Writes the request for `run` and nudges it (only the recorded process: nudgeRun). `report()`
 * is what the report says of the asking: the request, the signal, and the time waited since.
 */
export async function askRun(file: string, target: CancelTarget, run: RunIdentity, probe?: ProcessProbe) {
  const request = newCancelRequest(target, run)
  await writeCancelRequest(file, request)
  const signal = nudgeRun(run, probe)
  const started = Date.now()
  return {
    report: () => ({
      request: {file, by: requestedBy(request), requestedAt: request.requestedAt},
      signal,
      waitedSeconds: Math.round((Date.now() - started) / 100) / 10,
    }),
  }
}

/** The one guest a name means among those locked now; a name two guests being migrated share is refused (exit 2). */
async function lockedGuest(view: DataDirView, guest: string): Promise<{uuids: string[]; lock?: LockEntry}> {
  const uuids = [...guestsNamed(view, guest).keys()]
  const locks = (await Promise.all(uuids.map((u) => readLock(view.dataDir, u)))).flatMap((l) => (l ? [l] : []))
  const live = locks.filter((l) => l.state !== 'stale')
  if (live.length > 1) {
    throw new UsageError(`${guest} names ${live.length} guests that zmigrate runs are migrating now: ${live.map((l) => l.uuid).join(', ')}`, {
      code: 'E_AMBIGUOUS_GUEST',
      remedy: 'Name the one to cancel by its UUID: zmigrate cancel UUID.',
    })
  }
  return {uuids, lock: live[0] ?? locks[0]}
}

/** Nothing runs for the guest: say so, with the stale run's --resume or its last migration's end. */
function nothingRuns(view: DataDirView, guest: string, uuids: readonly string[], lock: LockEntry | undefined): Cancelled {
  const target = {kind: 'guest' as const, guest, ...(uuids.length === 1 ? {uuid: uuids[0]} : {})}
  if (uuids.length === 0)
    return cancelled({outcome: 'nothing-to-cancel', target, message: `no zmigrate run in ${view.dataDir} knows a guest named ${guest}; nothing to cancel`})
  const known = new Set(uuids)
  const [latest] = migrationStatuses(view, 1, (m) => known.has(m.uuid))
  if (lock?.state === 'stale' || latest?.state === 'interrupted' || latest?.state === 'stale') {
    return cancelled({
      outcome: 'nothing-to-cancel',
      target,
      message: `no zmigrate run holds ${guest} now: the one that did stopped without finishing`,
      ...(latest?.journal ? {journal: latest.journal} : {}),
      ...(latest?.remedy ? {remedy: latest.remedy} : {}),
    })
  }
  const last = latest ? `; its last migration (${latest.from} -> ${latest.to}) ended ${latest.state}` : ''
  return cancelled({
    outcome: 'nothing-to-cancel',
    target,
    message: `no zmigrate run holds ${guest} now${last}`,
    ...(latest?.journal ? {journal: latest.journal} : {}),
  })
}

/**
 * Waits until the run no longer holds the lock (released, or taken by another run), its process is
 * gone, or the time is up. Returns the holder as last read: setJournal names the journal in it.
 */
async function waitForRelease(
  dataDir: string,
  uuid: string,
  holder: LockHolder,
  waitMs: number,
  pollMs: number,
): Promise<{ended: 'released' | 'gone' | 'timeout'; holder: LockHolder}> {
  const deadline = Date.now() + waitMs
  let last = holder
  for (;;) {
    const now = await readLock(dataDir, uuid)
    if (!now || !sameRun(now.holder, holder)) return {ended: 'released', holder: last}
    last = now.holder
    if (now.state === 'stale') return {ended: 'gone', holder: last}
    if (Date.now() >= deadline) return {ended: 'timeout', holder: last}
    // a timer that holds the process: nothing else does while cancel waits
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())))
  }
}

/** How the run ended, from its journal. */
function outcomeOf(j: JournalSummary | undefined, guest: string, base: Omit<CancelReport, 'formatVersion' | 'ok' | 'outcome' | 'message'>): Cancelled {
  if (!j)
    return cancelled({...base, outcome: 'cancelled-before-start', message: `the run on ${guest} ended before it had changed anything (it wrote no journal)`})
  const noticed = j.events.some((e) => e.type === 'cancel-requested')
  const failed = j.steps.find((s) => s.id === j.failedStep)?.error
  const reason = finishReasonOf(j)
  const common = {...base, journal: j.file, ...(reason ? {finishReason: reason} : {})}
  const where = `${j.plan.source.host} -> ${j.plan.destination.host}`
  switch (j.status) {
    case 'rolled-back':
      return cancelled({
        ...common,
        outcome: 'rolled-back',
        message: noticed
          ? `${guest}: the migration ${where} was cancelled and rolled back; the guest runs on ${j.plan.source.host}`
          : `${guest}: the migration ${where} ended rolled back (${failed ?? 'failed'}) before it saw the cancel; the guest runs on ${j.plan.source.host}`,
      })
    case 'succeeded':
      return cancelled({
        ...common,
        outcome: 'completed',
        message: `${guest}: the migration ${where} had been verified before the cancel could stop it, so it stands: the guest runs on ${j.plan.destination.host} (zmigrate migrate ${guest} --from ${j.plan.destination.host} --to ${j.plan.source.host} moves it back)`,
      })
    case 'rollback-incomplete': {
      const manual = j.undo.flatMap((u) => (u.state === 'failed' && u.manual ? [u.manual] : []))
      return cancelled({
        ...common,
        outcome: 'rollback-incomplete',
        message: `${guest}: the migration ${where} was stopped, and its rollback needs a human`,
        manual,
      })
    }
    default:
      return cancelled({
        ...common,
        outcome: 'interrupted',
        message: `${guest}: the run stopped before it finished (journal ${j.status})`,
        remedy: `zmigrate migrate --resume ${j.file} finishes the rollback (or the migration)`,
      })
  }
}

export async function cancelGuest(req: CancelRequestInput): Promise<Cancelled> {
  const view = await readDataDir(req.dataDir)
  const {uuids, lock} = await lockedGuest(view, req.guest)
  if (!lock || lock.state === 'stale') return nothingRuns(view, req.guest, uuids, lock)
  const guest = lock.holder.guest
  const target = {kind: 'guest' as const, guest, uuid: lock.uuid}
  const run = runOf(lock.holder)
  if (lock.state === 'elsewhere') {
    return cancelled({
      outcome: 'held-elsewhere',
      target,
      run,
      message: `${guest} is being migrated by PID ${lock.holder.pid} on ${lock.holder.host}, which this host cannot verify or signal; nothing was asked of it`,
      remedy: `Run zmigrate cancel ${lock.uuid} on ${lock.holder.host}.`,
    })
  }
  const file = guestCancelFile(req.dataDir, lock.uuid)
  const asked = await askRun(file, {kind: 'guest', uuid: lock.uuid, name: guest}, lock.holder, req.probe)
  const waited = await waitForRelease(req.dataDir, lock.uuid, lock.holder, req.waitSeconds * 1000, req.pollMs ?? 200)
  const base = {target, run, ...asked.report()}
  if (waited.ended === 'timeout') {
    return cancelled({
      ...base,
      outcome: 'still-running',
      message: `${guest}: PID ${lock.holder.pid} still holds it after ${req.waitSeconds} s; the cancel request stands and the run acts on it`,
      ...(waited.holder.journal ? {journal: waited.holder.journal} : {}),
      remedy: `zmigrate status ${guest} shows where it is; zmigrate cancel ${guest} --wait SECONDS waits again.`,
    })
  }
  // a run that died leaves its request behind: it is for that run alone, never the next one, but go
  await removeCancelRequest(file, lock.holder)
  const after = await readDataDir(req.dataDir)
  return outcomeOf(journalOfLock(after, {...lock, holder: waited.holder}), guest, base)
}
