/**
 * The status use case (`zmigrate status [HOST|GUEST]`), as z/VM's VMRELOCATE STATUS: the
 * migrations in flight on this site and the recent ones. The data dir says which runs hold which
 * guests and where each run is (status-data.ts, status-migrations.ts); the hosts say how far each
 * migration job is: `virsh domjobinfo` on the source of each one in flight (outgoing, with its
 * statistics) and on its destination (incoming: libvirt keeps the statistics on the source), one
 * command per host over one connection, every host at once. A host that cannot be reached is
 * said per host and per migration, never the end of the report; a HOST named on the command line
 * is also asked for every job it runs, so migrations this data dir does not know show too.
 */
import type {ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {HostJob, MigrationStatus, Progress, StatusReport} from '../report/status-report.js'
import {guestJobs, type GuestJob} from '../run/guest-jobs.js'
import {rateEtaSeconds} from '../run/job-eta.js'
import type {JobStats} from '../run/jobinfo.js'
import {statusExitCode} from './exit-status.js'
import {guestsNamed, readDataDir} from './status-data.js'
import {evacuationStatuses, migrationStatuses} from './status-migrations.js'

export interface StatusRequest {
  profile: ResolvedProfile
  dataDir: string
  /** A profile host (migrations from or to it, and every job it runs), or a guest's name or UUID. */
  target?: string
  /** How many ended migrations (and evacuations) to list. */
  recent: number
  now?: Date
}

export interface StatusOutcome {
  report: StatusReport
  exitCode: ExitCodeValue
}

interface HostAnswer {
  name: string
  jobs?: GuestJob[]
  error?: string
  notInProfile?: boolean
}

async function askHost(profile: ResolvedProfile, name: string, uuids: readonly string[], all: boolean, pool: HostPool): Promise<HostAnswer> {
  if (!Object.hasOwn(profile.hosts, name)) return {name, notInProfile: true, error: `not a host of profile ${profile.site}`}
  try {
    const host = profileHost(profile, name, 'status')
    return {name, jobs: await guestJobs(await pool.get(host), host.libvirtUri, uuids, {all})}
  } catch (error) {
    return {name, error: (error as Error).message}
  }
}

function hostJob(answer: HostAnswer | undefined, host: string, uuid: string): HostJob {
  if (!answer || answer.error !== undefined)
    return {host, state: answer?.notInProfile ? 'not-in-profile' : 'unreachable', ...(answer?.error ? {message: answer.error} : {})}
  const job = answer.jobs?.find((j) => j.uuid === uuid)
  if (!job) return {host, state: 'none'}
  return {host, state: job.state, ...(job.operation ? {operation: job.operation} : {}), ...(job.message ? {message: job.message} : {})}
}

const PROGRESS_KEYS = [
  'elapsedMs',
  'dataTotal',
  'dataProcessed',
  'dataRemaining',
  'memoryTotal',
  'memoryProcessed',
  'memoryRemaining',
  'memoryBps',
  'diskTotal',
  'diskProcessed',
  'diskRemaining',
  'diskBps',
  'iteration',
] as const

export function progressOf(stats: JobStats): Progress {
  const p: Progress = {}
  for (const k of PROGRESS_KEYS) if (typeof stats[k] === 'number' && Number.isFinite(stats[k])) p[k] = stats[k]
  const total = stats.dataTotal ?? 0
  if (total > 0 && stats.dataRemaining !== undefined) p.percent = Math.max(0, Math.min(100, Math.floor(((total - stats.dataRemaining) / total) * 100)))
  return p
}

/** The migration's jobs, its progress (from whichever host runs the job: the source, or the destination migrating it back), and its ETA. */
function withJobs(m: MigrationStatus, answers: ReadonlyMap<string, HostAnswer>, now: number): MigrationStatus {
  const source = hostJob(answers.get(m.from), m.from, m.uuid)
  const destination = hostJob(answers.get(m.to), m.to, m.uuid)
  const running = [answers.get(m.from), answers.get(m.to)].flatMap((a) => a?.jobs?.filter((j) => j.uuid === m.uuid && j.state === 'active' && j.stats) ?? [])[0]
  const progress = running?.stats ? progressOf(running.stats) : undefined
  const byRate = running?.stats ? rateEtaSeconds(running.stats) : undefined
  const since = m.step?.kind === 'migrate' && m.step.startedAt ? Date.parse(m.step.startedAt) : undefined
  const byPrediction =
    byRate === undefined && m.predicted?.totalSeconds !== undefined && since !== undefined
      ? Math.max(0, Math.ceil(m.predicted.totalSeconds - (now - since) / 1000))
      : undefined
  return {
    ...m,
    jobs: {source, destination},
    ...(progress ? {progress} : {}),
    ...(byRate !== undefined
      ? {eta: {seconds: byRate, from: 'job-rate' as const}}
      : byPrediction !== undefined
        ? {eta: {seconds: byPrediction, from: 'prediction' as const}}
        : {}),
  }
}

/** With a `pool` from the caller, connections stay open for the caller; without one, they are closed before returning. */
export async function siteStatus(req: StatusRequest, callerPool?: HostPool): Promise<StatusOutcome> {
  const pool = callerPool ?? new HostPool()
  try {
    return await status(req, pool)
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}

async function status(req: StatusRequest, pool: HostPool): Promise<StatusOutcome> {
  const {profile, target} = req
  const view = await readDataDir(req.dataDir)
  const host = target !== undefined && Object.hasOwn(profile.hosts, target) ? target : undefined
  const guest = target !== undefined && host === undefined ? target : undefined
  const uuids = guest !== undefined ? guestsNamed(view, guest) : undefined
  const migrations = migrationStatuses(view, req.recent, (m) => (host ? m.from === host || m.to === host : uuids ? uuids.has(m.uuid) : true))
  const evacuations = evacuationStatuses(view, req.recent, (e) =>
    host
      ? e.host === host || e.guests.some((g) => g.source === host || g.destination === host)
      : uuids
        ? e.guests.some((g) => uuids.has(g.uuid.toLowerCase()))
        : true,
  )

  const asks = new Map<string, Set<string>>()
  const ask = (name: string, uuid?: string) => {
    if (name === '?') return
    const set = asks.get(name) ?? new Set<string>()
    if (uuid) set.add(uuid)
    asks.set(name, set)
  }
  for (const m of migrations) if (m.inFlight) for (const h of [m.from, m.to]) ask(h, m.uuid)
  if (host) ask(host)
  const answers = new Map(
    (await Promise.all([...asks].map(([name, set]) => askHost(profile, name, [...set], name === host, pool)))).map((a) => [a.name, a] as const),
  )
  const now = (req.now ?? new Date()).getTime()
  const known = new Set(migrations.map((m) => m.uuid))
  const otherJobs = (host ? (answers.get(host)?.jobs ?? []) : [])
    .filter((j) => !known.has(j.uuid) && (j.state === 'active' || j.state === 'incoming'))
    .map((j) => ({
      uuid: j.uuid,
      ...(j.name ? {name: j.name} : {}),
      job: hostJob(answers.get(host ?? ''), host ?? '', j.uuid),
      ...(j.stats ? {progress: progressOf(j.stats)} : {}),
    }))
  const report: StatusReport = {
    formatVersion: 1,
    site: profile.site,
    at: new Date(now).toISOString(),
    dataDir: req.dataDir,
    filter: {...(host ? {host} : {}), ...(guest !== undefined ? {guest} : {})},
    migrations: migrations.map((m) => (m.inFlight ? withJobs(m, answers, now) : m)),
    evacuations,
    hosts: [...answers.values()].map((a) => ({name: a.name, reachable: a.error === undefined, ...(a.error !== undefined ? {error: a.error} : {})})),
    otherJobs,
    notes: view.notes,
  }
  return {report, exitCode: statusExitCode(report)}
}
