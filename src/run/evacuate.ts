/**
 * `zmigrate migrate --all`: move every guest of a host, one at a time. One check of all guests
 * gives the overview (what can move, what is blocked and why); each guest is then planned again
 * from fresh facts right before it moves, since every move changes the destination (memory, names).
 * Each guest has its own journal. A rollback that needs a human stops the run: nothing more is
 * moved onto a host in an unknown state.
 */
import {z} from 'zod'
import {runCheck} from '../check/run-check.js'
import type {HostPool} from '../hosts/connect.js'
import {buildPlan, PlanBlockedError} from '../plan/build-plan.js'
import type {Plan} from '../plan/types.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {EventSink} from './events.js'
import {applyPlanOrResume, obtainPlan} from './migrate-service.js'
import {migrationReportSchema} from './report.js'

export const hostMigrationReportSchema = z.object({
  formatVersion: z.literal(1),
  /** Every guest migrated and verified, none blocked. */
  ok: z.boolean(),
  from: z.string(),
  to: z.string(),
  guests: z.array(
    z.object({
      name: z.string(),
      outcome: z.enum(['migrated', 'rolled-back', 'rollback-incomplete', 'interrupted', 'blocked', 'not-attempted']),
      /** Blockers that kept the guest where it is (outcome blocked). */
      blockers: z.array(z.object({rule: z.string(), subject: z.string(), message: z.string()})).optional(),
      report: migrationReportSchema.optional(),
    }),
  ),
})

export type HostMigrationReport = z.infer<typeof hostMigrationReportSchema>
export type GuestOutcome = HostMigrationReport['guests'][number]

export interface EvacuationRequest {
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

export async function evacuate(request: EvacuationRequest, pool: HostPool): Promise<{report: HostMigrationReport; plans: Plan[]; cancelled: boolean}> {
  const {profile, from, to} = request
  const overview = await runCheck({profile, from, to, guests: [], all: true}, pool)
  const blocked: GuestOutcome[] = []
  const plans: Plan[] = []
  for (const e of overview.evaluations) {
    if (e.report.migratable) plans.push(buildPlan({context: e.context, findings: e.report.findings, toolVersion: request.toolVersion}))
    else blocked.push({name: e.report.name, outcome: 'blocked', blockers: e.report.findings.filter((f) => f.severity === 'blocker').map(({rule, subject, message}) => ({rule, subject, message}))})
  }
  const result = (guests: GuestOutcome[]): HostMigrationReport => ({formatVersion: 1, ok: guests.every((g) => g.outcome === 'migrated'), from, to, guests})
  if (request.dryRun || plans.length === 0 || !(await request.confirm({movable: plans, blocked}))) {
    return {report: result([...plans.map((p) => ({name: p.guest.name, outcome: 'not-attempted' as const})), ...blocked]), plans, cancelled: !request.dryRun && plans.length > 0}
  }

  const outcomes: GuestOutcome[] = []
  let stop = false
  for (const planned of plans) {
    const name = planned.guest.name
    if (stop || request.signal?.aborted) {
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
  return {report: result([...outcomes, ...blocked]), plans, cancelled: false}
}
