/**
 * `zmigrate cancel --evacuation FILE|HOST`: stop an evacuation (or return) another process runs.
 * The evacuation journal names its process (runner: PID, start time); the request goes beside
 * the journal (evacuations/ID.cancel) for exactly that process, which then starts no more guests
 * and cancels every one in flight — each rolls back on its own, as `zmigrate cancel GUEST` would
 * have it (app/move-guests.ts). Cancel waits (bounded) until the evacuation journal says it
 * stopped, then reports every guest that was in flight and how it ended.
 */
import {resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {UsageError} from '../errors.js'
import {evacuationCancelFile, removeCancelRequest, sameRun, type ProcessProbe} from '../run/cancel-request.js'
import {loadEvacuationJournal, type EvacuationJournal} from '../run/evacuation-journal.js'
import {processAlive} from '../run/guest-lock.js'
import {hostname} from 'node:os'
import {askRun, cancelled, type Cancelled} from './cancel.js'
import {readDataDir} from './status-data.js'

export interface CancelEvacuationInput {
  dataDir: string
  /** The evacuation journal, or the host whose running evacuation (or return) to stop. */
  evacuation: string
  waitSeconds: number
  pollMs?: number
  probe?: ProcessProbe
}

const runnerAlive = (e: EvacuationJournal): boolean => !!e.runner && processAlive(e.runner.pid, e.runner.startTicks)

/**
 * The evacuation FILE names (a path: with a '/' or ending in .json), or the one running evacuation
 * (or return) of HOST; two running at once are refused (exit 2).
 */
async function findEvacuation(dataDir: string, what: string): Promise<EvacuationJournal | undefined> {
  if (what.endsWith('.json') || what.includes('/')) return loadEvacuationJournal(resolve(what))
  const view = await readDataDir(dataDir)
  const of = view.evacuations.filter((e) => e.host === what)
  const running = of.filter((e) => e.status === 'running' && (e.runner?.host !== hostname() || runnerAlive(e)))
  if (running.length > 1) {
    throw new UsageError(`${running.length} evacuations of ${what} are running: ${running.map((e) => e.file).join(', ')}`, {
      code: 'E_AMBIGUOUS_EVACUATION',
      remedy: 'Name the one to cancel by its journal: zmigrate cancel --evacuation FILE.',
    })
  }
  return running[0] ?? of[0]
}

export async function cancelEvacuation(req: CancelEvacuationInput): Promise<Cancelled> {
  const e = await findEvacuation(req.dataDir, req.evacuation)
  if (!e) {
    return cancelled({
      outcome: 'nothing-to-cancel',
      target: {kind: 'evacuation', id: '', file: '', host: req.evacuation},
      message: `no evacuation of ${req.evacuation} is recorded in ${req.dataDir}; nothing to cancel`,
    })
  }
  const target = {kind: 'evacuation' as const, id: e.id, file: e.file, host: e.host}
  const run = e.runner ? {pid: e.runner.pid, host: e.runner.host, since: e.runner.since} : undefined
  const what = `the ${e.purpose === 'return' ? 'return to' : 'evacuation of'} ${e.host}`
  if (e.status !== 'running' || !e.runner) {
    return cancelled({outcome: 'nothing-to-cancel', target, ...(run ? {run} : {}), message: `${what} is not running (${e.status}); nothing to cancel`})
  }
  if (e.runner.host !== hostname()) {
    return cancelled({
      outcome: 'held-elsewhere',
      target,
      run,
      message: `${what} runs as PID ${e.runner.pid} on ${e.runner.host}, which this host cannot verify or signal; nothing was asked of it`,
      remedy: `Run zmigrate cancel --evacuation ${e.file} on ${e.runner.host}.`,
    })
  }
  if (!runnerAlive(e)) {
    return cancelled({
      outcome: 'nothing-to-cancel',
      target,
      run,
      message: `${what} is not running: its process (PID ${e.runner.pid}) is gone`,
      remedy: `zmigrate ${e.purpose === 'return' ? 'return' : 'evacuate'} --resume ${e.file} continues it; the guests it left in flight resume from their journals.`,
    })
  }
  const runner = e.runner
  const inFlight = new Set(e.guests.filter((g) => g.state === 'running').map((g) => g.uuid))
  const file = evacuationCancelFile(e.file)
  const asked = await askRun(file, {kind: 'evacuation', id: e.id, host: e.host}, runner, req.probe)
  const deadline = Date.now() + req.waitSeconds * 1000
  let now = e
  for (;;) {
    now = await loadEvacuationJournal(e.file).catch(() => now)
    const same = !!now.runner && sameRun(now.runner, runner)
    if (!same || now.status !== 'running' || !runnerAlive(now) || Date.now() >= deadline) break
    await sleep(Math.min(req.pollMs ?? 200, Math.max(0, deadline - Date.now())))
  }
  const base = {target, run, ...asked.report()}
  const guests = now.guests
    .filter((g) => inFlight.has(g.uuid) || g.state === 'running')
    .map((g) => ({name: g.name, uuid: g.uuid, outcome: g.state, ...(g.journal ? {journal: g.journal} : {})}))
  if (now.status === 'running' && runnerAlive(now) && now.runner && sameRun(now.runner, runner)) {
    return cancelled({
      ...base,
      guests,
      outcome: 'still-running',
      message: `${what} is still stopping after ${req.waitSeconds} s (its guests in flight are rolling back); the cancel request stands`,
      remedy: `zmigrate status ${e.host} shows where each guest is; zmigrate cancel --evacuation ${e.file} --wait SECONDS waits again.`,
    })
  }
  await removeCancelRequest(file, runner)
  const outcomes = new Set(guests.map((g) => g.outcome))
  const counts = guests.map((g) => `${g.name} ${g.outcome}`).join(', ')
  if (outcomes.has('rollback-incomplete'))
    return cancelled({...base, guests, outcome: 'rollback-incomplete', message: `${what} stopped; a guest's rollback needs a human (${counts})`})
  if (outcomes.has('interrupted') || outcomes.has('running') || now.status === 'running') {
    return cancelled({
      ...base,
      guests,
      outcome: 'interrupted',
      message: `${what} stopped before its guests in flight had finished (${counts || 'none in flight'})`,
      remedy: `zmigrate ${e.purpose === 'return' ? 'return' : 'evacuate'} --resume ${e.file}`,
    })
  }
  return cancelled({
    ...base,
    guests,
    outcome: 'stopped',
    message: `${what} was cancelled: no more guests start${guests.length > 0 ? `; those in flight: ${counts}` : ''}${now.stopReason ? ` (${now.stopReason})` : ''}`,
  })
}
