/**
 * A data dir with migrations in each state, for the status and cancel tests: journals written as
 * the runner writes them (a real plan, saveJournal), guest locks naming a holder, and holders that
 * are real processes this harness spawns and ends by PID (a sleeping child: alive, with its own
 * start time) or PIDs that have ended (stale).
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import type {Plan} from '../../src/plan/types.js'
import {newEvacuationJournal, type EvacuationGuest} from '../../src/run/evacuation-journal.js'
import {lockDir, processStartTicks, type LockHolder} from '../../src/run/guest-lock.js'
import {addEvent, newJournal, saveJournal, type Journal, type JournalStatus} from '../../src/run/journal.js'
import {ensurePrivateDir, writeFileAtomic} from '../../src/atomic-file.js'
import {setup} from './runner-setup.js'

export interface Holder {
  pid: number
  startTicks?: number
  stop(): void
}

/** A live process to name as a lock's holder (it only sleeps); stop() ends it by its PID. */
export async function liveHolder(children: ChildProcess[]): Promise<Holder> {
  const child = spawn('sleep', ['600'], {stdio: 'ignore'})
  children.push(child)
  const pid = child.pid ?? 0
  for (let i = 0; i < 100 && processStartTicks(pid) === undefined; i++) await new Promise((r) => setTimeout(r, 10))
  return {pid, startTicks: processStartTicks(pid), stop: () => child.kill('SIGKILL')}
}

/** A PID that has ended. */
export function deadHolder(): Holder {
  const pid = Number(spawnSync('sh', ['-c', 'echo $$'], {encoding: 'utf8'}).stdout.trim())
  return {pid, startTicks: 1, stop: () => undefined}
}

export function plantLock(dataDir: string, uuid: string, holder: Partial<LockHolder> & {pid: number}): LockHolder {
  mkdirSync(lockDir(dataDir), {recursive: true, mode: 0o700})
  const full: LockHolder = {host: hostname(), since: new Date().toISOString(), guest: '?', ...holder}
  writeFileSync(join(lockDir(dataDir), `${uuid}.lock`), JSON.stringify(full) + '\n', {mode: 0o600})
  return full
}

const basePlan: Plan = (() => {
  const s = setup()
  rmSync(s.dir, {recursive: true, force: true})
  return s.plan
})()

export interface JournalSpec {
  name: string
  uuid: string
  from?: string
  to?: string
  status: JournalStatus
  /** When it was created (its file name begins with it). */
  at: Date
  /** running: the step in progress (by kind); ended: the failed step's error. */
  runningKind?: string
  failed?: {kind: string; error: string}
  cancelledBy?: string
  /** The downtime the verify step measured, for a migrated one. */
  downtimeMs?: number
}

/** A journal as the runner leaves it in that state. */
export async function writeJournal(dataDir: string, spec: JournalSpec): Promise<Journal> {
  const plan: Plan = structuredClone(basePlan)
  plan.guest = {...plan.guest, name: spec.name, uuid: spec.uuid}
  plan.source = {...plan.source, host: spec.from ?? 'src'}
  plan.destination = {...plan.destination, host: spec.to ?? 'dst'}
  const j = newJournal(plan, dataDir, spec.at)
  j.status = spec.status
  const kinds = plan.steps.map((s) => s.kind)
  const until = spec.runningKind ?? spec.failed?.kind
  const stop = until ? kinds.indexOf(until as (typeof kinds)[number]) : kinds.length
  const t = (s: number) => new Date(spec.at.getTime() + s * 1000).toISOString()
  j.steps.forEach((r, i) => {
    if (i < stop) Object.assign(r, {state: 'done', startedAt: t(i), endedAt: t(i + 1)})
    if (plan.steps[i].kind === 'verify' && r.state === 'done' && spec.downtimeMs !== undefined) r.result = {downtimeMs: spec.downtimeMs}
  })
  if (spec.runningKind) Object.assign(j.steps[stop], {state: 'running', startedAt: t(stop)})
  if (spec.failed) {
    Object.assign(j.steps[stop], {state: 'failed', startedAt: t(stop), endedAt: t(stop + 1), error: spec.failed.error})
    j.failedStep = j.steps[stop].id
  }
  // a rollback lists the undo of every step done, newest first (run/rollback.ts)
  if (spec.status !== 'running' && spec.status !== 'succeeded') {
    const undone = spec.status === 'rolling-back' ? 'pending' : spec.status === 'rolled-back' ? 'done' : 'failed'
    j.undo = [...j.steps].reverse().flatMap((r, i) => {
      const undo = plan.steps[plan.steps.length - 1 - i].undo
      return r.state === 'done' && undo ? [{stepId: r.id, action: undo, state: undone as 'pending' | 'done' | 'failed'}] : []
    })
  }
  if (spec.cancelledBy) addEvent(j, 'cancel-requested', `cancelled by user (${spec.cancelledBy})`, {by: spec.cancelledBy})
  await saveJournal(j)
  // last written when its last step ended, not now
  j.updatedAt = t(j.steps.filter((r) => r.state !== 'pending').length)
  await writeFileAtomic(j.file, JSON.stringify(j, null, 2) + '\n')
  return j
}

/** An evacuation journal of `host` with these guests, its process `runner`. */
export async function writeEvacuation(
  dataDir: string,
  host: string,
  guests: (Omit<EvacuationGuest, 'home' | 'source' | 'order'> & {source?: string})[],
  runner: Holder | undefined,
  status: 'running' | 'finished' | 'stopped' = 'running',
): Promise<string> {
  const e = newEvacuationJournal(
    {
      purpose: 'evacuate',
      host,
      guests: guests.map((g, i) => ({name: g.name, uuid: g.uuid, home: host, source: g.source ?? host, destination: g.destination, order: i + 1})),
      stays: [],
    },
    dataDir,
  )
  guests.forEach((g, i) => Object.assign(e.guests[i], {state: g.state, ...(g.journal ? {journal: g.journal} : {})}))
  e.status = status
  if (runner)
    e.runner = {pid: runner.pid, ...(runner.startTicks !== undefined ? {startTicks: runner.startTicks} : {}), host: hostname(), since: new Date().toISOString()}
  const {file, ...doc} = e
  await ensurePrivateDir(join(dataDir, 'evacuations'), 'evacuation journal directory')
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n')
  return file
}
