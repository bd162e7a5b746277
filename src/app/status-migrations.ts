/**
 * The migrations and evacuations the data dir records, as `zmigrate status` lists them: pure, from
 * what status-data.ts read (the hosts' jobs are added by status.ts). A guest's lock says whether a
 * run holds it now and whether that run's process lives; its journal says where the run is; an
 * evacuation journal ties guests together.
 */
import {hostname} from 'node:os'
import {z} from 'zod'
import type {EvacuationStatus, MigrationState, MigrationStatus} from '../report/status-report.js'
import {finishReasonSchema, type FinishReason} from '../run/finish-reason.js'
import {processAlive, type LockEntry} from '../run/guest-lock.js'
import type {EvacuationJournal} from '../run/evacuation-journal.js'
import {journalOfLock, type DataDirView, type JournalSummary} from './status-data.js'

const ENDED: Record<string, MigrationState> = {succeeded: 'migrated', 'rolled-back': 'rolled-back', 'rollback-incomplete': 'rollback-incomplete'}

/**
 * The prediction made before the run, where a journal keeps one: the migrate step's (made again
 * with the dirty rate measured right before it: `migration.prediction.result`), else the plan's
 * (`plan.prediction.result`). Read loosely: status shows it, nothing acts on it.
 */
const predictionSchema = z.looseObject({totalSeconds: z.number().optional(), downtimeMs: z.number().optional()})
const withResult = z.looseObject({result: predictionSchema})

function predicted(j: JournalSummary): MigrationStatus['predicted'] {
  const record = z.looseObject({prediction: withResult}).safeParse((j as Record<string, unknown>).migration)
  const plan = withResult.safeParse(j.plan.prediction)
  const result = record.success ? record.data.prediction.result : plan.success ? plan.data.result : undefined
  if (!result) return undefined
  const {totalSeconds, downtimeMs} = result
  return totalSeconds === undefined && downtimeMs === undefined
    ? undefined
    : {...(totalSeconds !== undefined ? {totalSeconds} : {}), ...(downtimeMs !== undefined ? {downtimeMs} : {})}
}

/** Who cancelled it: the journal's `cancelledBy`, its cancel event, else the failed step's message. */
function cancelledBy(j: JournalSummary): string | undefined {
  const recorded = (j as Record<string, unknown>).cancelledBy
  if (typeof recorded === 'string') return recorded
  const event = j.events.find((e) => e.type === 'cancel-requested')
  if (typeof event?.data?.by === 'string') return event.data.by
  const failed = j.steps.find((s) => s.id === j.failedStep)?.error
  return failed ? /^cancelled by user \(([^)]+)\)/.exec(failed)?.[1] : undefined
}

/**
 * The finish reason the journal records (`finishReason`, once the runner writes one); for a journal
 * without it, the one it implies: completed, cancelled-by-user (zmigrate cancel named who),
 * interrupted (a signal: Ctrl-C, SIGTERM), or failed.
 */
export function finishReasonOf(j: JournalSummary): FinishReason | undefined {
  const recorded = finishReasonSchema.safeParse((j as Record<string, unknown>).finishReason)
  if (recorded.success) return recorded.data
  if (j.status === 'succeeded') return 'completed'
  if (j.status === 'running' || j.status === 'rolling-back') return undefined
  const failed = j.steps.find((s) => s.id === j.failedStep)?.error ?? ''
  if (cancelledBy(j) !== undefined) return 'cancelled-by-user'
  return /^interrupted by signal/.test(failed) ? 'interrupted' : 'failed'
}

function currentStep(j: JournalSummary): MigrationStatus['step'] {
  const kinds = new Map(j.plan.steps.map((s) => [s.id, s]))
  if (j.status === 'rolling-back') {
    const u = j.undo.find((x) => x.state === 'running') ?? j.undo.find((x) => x.state === 'pending')
    const startedAt = typeof u?.startedAt === 'string' ? {startedAt: u.startedAt} : {}
    return u ? {id: u.stepId, kind: kinds.get(u.stepId)?.kind ?? '?', description: u.action.description, phase: 'undo', ...startedAt} : undefined
  }
  const s = j.steps.find((x) => x.state === 'running') ?? (j.status === 'running' ? j.steps.find((x) => x.state === 'pending') : undefined)
  const step = s ? kinds.get(s.id) : undefined
  return s && step ? {id: s.id, kind: step.kind, description: step.description, phase: 'apply', ...(s.startedAt ? {startedAt: s.startedAt} : {})} : undefined
}

function actual(j: JournalSummary): MigrationStatus['actual'] {
  const kinds = new Map(j.plan.steps.map((s) => [s.id, s.kind]))
  const migrate = j.steps.find((s) => kinds.get(s.id) === 'migrate' && s.state === 'done')
  const seconds = migrate?.startedAt && migrate.endedAt ? (Date.parse(migrate.endedAt) - Date.parse(migrate.startedAt)) / 1000 : undefined
  const downtime = j.steps.map((s) => s.result?.downtimeMs).find((d): d is number => typeof d === 'number')
  if (seconds === undefined && downtime === undefined) return undefined
  return {...(seconds !== undefined ? {migrationSeconds: seconds} : {}), ...(downtime !== undefined ? {downtimeMs: downtime} : {})}
}

/** The evacuation journal a guest's migration journal belongs to. */
function evacuationOf(view: DataDirView, journal: string | undefined, uuid: string): EvacuationJournal | undefined {
  return view.evacuations.find((e) => e.guests.some((g) => (journal ? g.journal === journal : g.uuid.toLowerCase() === uuid && g.state === 'running')))
}

function resumeRemedy(journal: string | undefined, evacuation: EvacuationJournal | undefined): string {
  if (evacuation)
    return `zmigrate ${evacuation.purpose === 'return' ? 'return' : 'evacuate'} --resume ${evacuation.file} (it continues this guest from its journal${journal ? ` ${journal}` : ''})`
  return journal
    ? `zmigrate migrate --resume ${journal} finishes the migration or rolls it back`
    : 'nothing changed before it stopped (no journal); the next run takes the lock over'
}

function entry(view: DataDirView, j: JournalSummary | undefined, lock: LockEntry | undefined): MigrationStatus {
  const uuid = (j?.plan.guest.uuid ?? lock?.uuid ?? '').toLowerCase()
  const evacuation = evacuationOf(view, j?.file, uuid)
  const planned = evacuation?.guests.find((g) => g.uuid.toLowerCase() === uuid)
  // a stale lock whose journal had ended was only left behind (the run died releasing it): the journal's end counts
  const ended = j && Object.hasOwn(ENDED, j.status) ? ENDED[j.status] : undefined
  const state: MigrationState =
    lock && !(lock.state === 'stale' && ended)
      ? lock.state === 'stale'
        ? 'stale'
        : lock.state === 'elsewhere'
          ? 'held-elsewhere'
          : j?.status === 'rolling-back'
            ? 'rolling-back'
            : 'running'
      : (ended ?? 'interrupted')
  const inFlight = state === 'running' || state === 'rolling-back' || state === 'held-elsewhere'
  const reason = j && !inFlight && state !== 'stale' && state !== 'interrupted' ? finishReasonOf(j) : undefined
  const by = j ? cancelledBy(j) : undefined
  const failed = j?.steps.find((s) => s.id === j.failedStep)?.error
  const manual = j?.undo.flatMap((u) => (u.state === 'failed' && u.manual ? [u.manual] : [])) ?? []
  const remedy =
    state === 'stale'
      ? `the zmigrate run that held it (PID ${lock?.holder.pid}) is gone: ${resumeRemedy(j?.file, evacuation)}`
      : state === 'interrupted'
        ? `zmigrate stopped mid-run: ${resumeRemedy(j?.file, evacuation)}`
        : state === 'held-elsewhere'
          ? `the run is on ${lock?.holder.host}: zmigrate status there`
          : state === 'rollback-incomplete' && manual.length > 0
            ? manual.join(' | ')
            : undefined
  const pred = j ? predicted(j) : undefined
  const done = j ? actual(j) : undefined
  return {
    guest: j?.plan.guest.name ?? lock?.holder.guest ?? planned?.name ?? uuid,
    uuid,
    from: j?.plan.source.host ?? planned?.source ?? '?',
    to: j?.plan.destination.host ?? planned?.destination ?? '?',
    state,
    inFlight,
    ...(j || lock ? {startedAt: j?.createdAt ?? lock?.holder.since} : {}),
    ...(j && !inFlight ? {endedAt: j.updatedAt} : {}),
    ...(j && (inFlight || state === 'stale' || state === 'interrupted') && currentStep(j) ? {step: currentStep(j)} : {}),
    ...(lock
      ? {
          holder: {
            pid: lock.holder.pid,
            host: lock.holder.host,
            since: lock.holder.since,
            ...(lock.state !== 'elsewhere' ? {alive: lock.state === 'held'} : {}),
          },
        }
      : {}),
    ...(j ? {journal: j.file} : lock?.holder.journal ? {journal: lock.holder.journal} : {}),
    ...(evacuation ? {evacuation: evacuation.file} : {}),
    ...(pred ? {predicted: pred} : {}),
    ...(done && !inFlight ? {actual: done} : {}),
    ...(reason ? {finishReason: reason} : {}),
    ...(by ? {cancelledBy: by} : {}),
    ...(failed && !inFlight ? {error: failed} : {}),
    ...(remedy ? {remedy} : {}),
  }
}

/**
 * Every migration the data dir knows of: in flight (a lock held now) oldest first; then stale and
 * interrupted ones (they need --resume); then the `recent` newest that ended.
 */
export function migrationStatuses(view: DataDirView, recent: number, keep: (m: MigrationStatus) => boolean = () => true): MigrationStatus[] {
  const claimed = new Set<string>()
  const locked = view.locks.map((lock) => {
    const j = journalOfLock(view, lock)
    if (j) claimed.add(j.file)
    return entry(view, j, lock)
  })
  const rest = view.journals.filter((j) => !claimed.has(j.file)).map((j) => entry(view, j, undefined))
  const all = [...locked, ...rest].filter(keep)
  const by = (m: MigrationStatus) => Date.parse(m.startedAt ?? '') || 0
  const stopped = (m: MigrationStatus) => m.state === 'stale' || m.state === 'interrupted'
  const inFlight = all.filter((m) => m.inFlight).sort((a, b) => by(a) - by(b))
  const attention = all.filter(stopped).sort((a, b) => by(a) - by(b))
  const ended = all.filter((m) => !m.inFlight && !stopped(m)).sort((a, b) => (Date.parse(b.endedAt ?? '') || 0) - (Date.parse(a.endedAt ?? '') || 0))
  return [...inFlight, ...attention, ...ended.slice(0, recent)]
}

function evacuationState(e: EvacuationJournal, locks: readonly LockEntry[]): EvacuationStatus['state'] {
  if (e.status !== 'running') return e.status
  if (e.runner) return e.runner.host !== hostname() ? 'held-elsewhere' : processAlive(e.runner.pid, e.runner.startTicks) ? 'running' : 'gone'
  // written before evacuation journals named their process: a guest of it held now says it runs
  const uuids = new Set(e.guests.map((g) => g.uuid.toLowerCase()))
  return locks.some((l) => uuids.has(l.uuid) && l.state === 'held') ? 'running' : 'gone'
}

/** Running (or gone: to resume) evacuations first, then the `recent` newest that ended. */
export function evacuationStatuses(view: DataDirView, recent: number, keep: (e: EvacuationJournal) => boolean = () => true): EvacuationStatus[] {
  const all = view.evacuations.filter(keep).map((e): EvacuationStatus => {
    const state = evacuationState(e, view.locks)
    const guests: Record<string, number> = {}
    for (const g of e.guests) guests[g.state] = (guests[g.state] ?? 0) + 1
    return {
      id: e.id,
      file: e.file,
      purpose: e.purpose,
      host: e.host,
      state,
      ...(e.runner ? {runner: {pid: e.runner.pid, host: e.runner.host, since: e.runner.since}} : {}),
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      guests,
      ...(e.stopReason ? {stopReason: e.stopReason} : {}),
      ...(state === 'gone' ? {remedy: `its process is gone: zmigrate ${e.purpose === 'return' ? 'return' : 'evacuate'} --resume ${e.file}`} : {}),
    }
  })
  const live = all.filter((e) => e.state === 'running' || e.state === 'gone' || e.state === 'held-elsewhere')
  return [...live, ...all.filter((e) => !live.includes(e)).slice(0, recent)]
}
