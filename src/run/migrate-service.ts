/**
 * What `zmigrate migrate` does, apart from flags and rendering: plan (or load and re-validate a
 * plan), open a journal, apply it with the hosts' connections, and turn the journal into a report.
 */
import {profileHost} from '../check/run-check.js'
import type {HostPool} from '../hosts/connect.js'
import {assertFresh, readPlan} from '../plan/plan-file.js'
import {planGuest} from '../plan/plan-service.js'
import type {Plan, PlanHostRole} from '../plan/types.js'
import {UsageError} from '../errors.js'
import type {ResolvedProfile} from '../profiles/types.js'
import {applyJournal} from './apply.js'
import type {EventSink} from './events.js'
import type {HostRef} from './host-ops.js'
import {loadJournal, newJournal, saveJournal, type Journal, type PreflightTimings} from './journal.js'
import {migrationReport, type MigrationReport} from './report.js'

export interface PlanSource {
  profile: ResolvedProfile
  toolVersion: string
  /** A saved plan file to apply after checking it is not stale… */
  planFile?: string
  /** …or a guest to plan now. */
  guest?: string
  from?: string
  to?: string
}

const host = (profile: ResolvedProfile, name: string) => profileHost(profile, name, 'the plan')

/** The plan to apply, validated against the world as it is now. */
export async function obtainPlan(src: PlanSource, pool: HostPool): Promise<Plan> {
  if (src.planFile) {
    const saved = await readPlan(src.planFile)
    const {plan: fresh} = await planGuest(
      {profile: src.profile, guest: saved.guest.name, from: saved.source.host, to: saved.destination.host, toolVersion: saved.tool.version, now: new Date(saved.createdAt)},
      pool,
    )
    assertFresh(saved, fresh)
    return saved
  }
  if (!src.guest || !src.from || !src.to) throw new UsageError('name a GUEST with --from and --to, or pass --plan FILE or --resume JOURNAL', {code: 'E_USAGE'})
  const {plan} = await planGuest({profile: src.profile, guest: src.guest, from: src.from, to: src.to, toolVersion: src.toolVersion}, pool)
  return plan
}

export async function hostRefs(profile: ResolvedProfile, plan: Plan, pool: HostPool): Promise<Record<PlanHostRole, HostRef>> {
  const source = host(profile, plan.source.host)
  const destination = host(profile, plan.destination.host)
  const [st, dt] = await Promise.all([pool.get(source), pool.get(destination)])
  return {
    source: {t: st, uri: source.libvirtUri, root: source.root},
    destination: {t: dt, uri: destination.libvirtUri, root: destination.root},
  }
}

export interface ApplyRequest {
  profile: ResolvedProfile
  plan?: Plan
  /** Continue this journal instead of starting one. */
  resumeFile?: string
  dataDir: string
  emit: EventSink
  signal?: AbortSignal
  /** How long starting, connecting, checking and planning took, for the report. */
  timings?: PreflightTimings
}

export async function applyPlanOrResume(request: ApplyRequest, pool: HostPool): Promise<{journal: Journal; report: MigrationReport}> {
  let journal: Journal
  if (request.resumeFile) {
    journal = await loadJournal(request.resumeFile)
    if (journal.status === 'succeeded' || journal.status === 'rolled-back') {
      return {journal, report: migrationReport(journal)}
    }
  } else {
    journal = newJournal(request.plan!, request.dataDir)
    if (request.timings) journal.timings = request.timings
    await saveJournal(journal)
  }
  const hosts = await hostRefs(request.profile, journal.plan, pool)
  request.emit({type: 'plan', guest: journal.plan.guest.name, from: journal.plan.source.host, to: journal.plan.destination.host, steps: journal.plan.steps.length, journal: journal.file})
  await applyJournal(journal, {hosts, emit: request.emit, signal: request.signal, detachTimeoutSeconds: request.profile.migration.detachTimeoutSeconds})
  return {journal, report: migrationReport(journal)}
}

