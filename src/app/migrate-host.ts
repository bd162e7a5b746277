/**
 * The migrate --all use case (`zmigrate migrate --all`): move every guest of a host, one at a
 * time. One check of all guests gives the overview (what can move, what is blocked and why);
 * each guest is then planned again from fresh facts right before it moves, since every move
 * changes the destination (memory, names). Each guest has its own journal. A rollback that needs
 * a human stops the run: nothing more is moved onto a host in an unknown state.
 */
import type {ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {buildPlan, PlanBlockedError} from '../plan/build-plan.js'
import type {Plan} from '../plan/types.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {GuestOutcome, HostMigrationReport} from '../report/host-migration-report.js'
import {applyPlanOrResume} from '../run/apply-plan.js'
import type {EventSink} from '../run/events.js'
import {runCheck} from './check.js'
import {hostMigrationExitCode, type RunEnding} from './exit-status.js'
import {obtainPlan} from './migrate.js'

export interface HostMigrationRequest {
  profile: ResolvedProfile
  from: string
  to: string
  toolVersion: string
  dataDir: string
  emit: EventSink
  signal?: AbortSignal
  /** Asked once with the overview before anything changes; false cancels. */
  confirm: (overview: {movable: Plan[]; blocked: GuestOutcome[]}) => Promise<boolean>
  /** Only compute the overview and the plans. */
  dryRun?: boolean
}

export interface HostMigration {
  /** dry-run and cancelled changed nothing; ran also when no guest could move. */
  ending: RunEnding
  report: HostMigrationReport
  /** The plans of the overview, for the guests that could move then. */
  plans: Plan[]
  exitCode: ExitCodeValue
}

/** With a `pool` from the caller, connections stay open for the caller; without one, they are closed before returning. */
export async function migrateHost(request: HostMigrationRequest, callerPool?: HostPool): Promise<HostMigration> {
  const pool = callerPool ?? new HostPool()
  try {
    return await migrateAll(request, pool)
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}

async function migrateAll(request: HostMigrationRequest, pool: HostPool): Promise<HostMigration> {
  const {profile, from, to} = request
  const overview = await runCheck({profile, from, to, guests: [], all: true}, pool)
  const blocked: GuestOutcome[] = []
  const plans: Plan[] = []
  for (const e of overview.evaluations) {
    if (e.report.migratable) plans.push(buildPlan({context: e.context, findings: e.report.findings, toolVersion: request.toolVersion}))
    else
      blocked.push({
        name: e.report.name,
        outcome: 'blocked',
        blockers: e.report.findings.filter((f) => f.severity === 'blocker').map(({rule, subject, message}) => ({rule, subject, message})),
      })
  }
  const result = (ending: RunEnding, guests: GuestOutcome[], skippedOnSignal = false): HostMigration => ({
    ending,
    report: {formatVersion: 1, ok: guests.every((g) => g.outcome === 'migrated'), from, to, guests},
    plans,
    exitCode: hostMigrationExitCode(
      guests.map((g) => g.outcome),
      ending,
      skippedOnSignal,
    ),
  })
  const untouched = () => [...plans.map((p) => ({name: p.guest.name, outcome: 'not-attempted' as const})), ...blocked]
  if (request.dryRun) return result('dry-run', untouched())
  if (plans.length === 0) return result('ran', untouched())
  if (!(await request.confirm({movable: plans, blocked}))) return result('cancelled', untouched())

  const outcomes: GuestOutcome[] = []
  let stop = false
  let skippedOnSignal = false
  for (const planned of plans) {
    const name = planned.guest.name
    if (stop || request.signal?.aborted) {
      skippedOnSignal ||= !stop
      outcomes.push({name, outcome: 'not-attempted'})
      continue
    }
    let plan: Plan
    try {
      plan = await obtainPlan({profile, toolVersion: request.toolVersion, guest: name, from, to, dataDir: request.dataDir}, pool)
    } catch (error) {
      if (!(error instanceof PlanBlockedError)) throw error
      // the moves before this one changed the destination (memory, CPUs, names)
      outcomes.push({name, outcome: 'blocked', blockers: error.blockers.map(({rule, subject, message}) => ({rule, subject, message}))})
      continue
    }
    const {report} = await applyPlanOrResume({profile, plan, dataDir: request.dataDir, emit: request.emit, signal: request.signal}, pool)
    outcomes.push({name, outcome: report.outcome, report})
    stop = report.outcome === 'rollback-incomplete' || report.outcome === 'interrupted'
  }
  return result('ran', [...outcomes, ...blocked], skippedOnSignal)
}
