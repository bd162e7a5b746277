/**
 * The migrate use case for one guest (`zmigrate migrate GUEST`, `--plan FILE`, `--resume JOURNAL`):
 * plan now, or take a reviewed plan (read from its file by the caller: app/plan-file.ts) and
 * re-validate it against a fresh one (checkSavedPlan, which each guest of an evacuation plan goes
 * through too), ask, then apply it under the guest's lock (run/apply-plan.ts) and report. The
 * outcome carries its exit status.
 */
import {StalePlanError, UsageError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {PlanBlockedError} from '../plan/build-plan.js'
import {assertPlanMatchesProfile, assertStepsIntact} from '../plan/integrity.js'
import {assertFresh} from '../plan/plan-file.js'
import type {Plan} from '../plan/types.js'
import type {ResolvedProfile} from '../profiles/types.js'
import {applyPlanOrResume} from '../run/apply-plan.js'
import type {EventSink} from '../run/events.js'
import {GuestLockedError, lockHolder} from '../run/guest-lock.js'
import type {PreflightTimings} from '../run/journal.js'
import type {MigrationReport} from '../run/report.js'
import {migrationExitCode} from './exit-status.js'
import {planGuest} from './plan.js'

export interface PlanSource {
  profile: ResolvedProfile
  toolVersion: string
  /** A reviewed plan (a plan file's, or one guest's of an evacuation plan) to apply after checking it is not stale… */
  saved?: Plan
  /** …or a guest to plan now. */
  guest?: string
  from?: string
  to?: string
  /** The data dir, to name another run that holds the guest when planning fails. */
  dataDir?: string
}

/**
 * The plan to apply, validated against the world as it is now: a reviewed plan through
 * checkSavedPlan, or one computed now.
 */
export async function obtainPlan(src: PlanSource, pool: HostPool): Promise<Plan> {
  const {saved} = src
  if (saved) return checkSavedPlan(saved, src, () => freshPlanOf(saved, src.profile, pool))
  if (!src.guest || !src.from || !src.to) throw new UsageError('name a GUEST with --from and --to, or pass --plan FILE or --resume JOURNAL', {code: 'E_USAGE'})
  try {
    const {plan} = await planGuest({profile: src.profile, guest: src.guest, from: src.from, to: src.to, toolVersion: src.toolVersion}, pool)
    return plan
  } catch (error) {
    if (error instanceof PlanBlockedError && error.uuid) return blameHolder(error, src.dataDir, error.uuid)
    throw error
  }
}

/**
 * The one place a reviewed plan is held to the world as it is now — a single-guest plan file, and
 * each guest of an evacuation plan before anything moves and again at its turn. It runs only if
 * its steps are the ones their fingerprint covers, every migration goes to the URI the profile
 * gives the other host, and a plan computed now from fresh facts (`fresh`) has the same guest
 * XML, state, findings and steps: the file's own steps hashed now, not the fingerprint it claims.
 * Exit 5 otherwise; a blocker now is exit 1. Either is blamed on another run when one holds the guest.
 */
export async function checkSavedPlan(saved: Plan, src: Pick<PlanSource, 'profile' | 'dataDir'>, fresh: () => Promise<Plan>): Promise<Plan> {
  assertStepsIntact(saved)
  assertPlanMatchesProfile(saved, src.profile)
  try {
    assertFresh(saved, await fresh())
  } catch (error) {
    if (error instanceof PlanBlockedError || error instanceof StalePlanError) return blameHolder(error, src.dataDir, saved.guest.uuid)
    throw error
  }
  return saved
}

/** A plan computed now from fresh facts for a saved plan's guest and hosts (with its tool version and time: only the world may differ). */
export async function freshPlanOf(saved: Plan, profile: ResolvedProfile, pool: HostPool): Promise<Plan> {
  const request = {
    profile,
    guest: saved.guest.name,
    from: saved.source.host,
    to: saved.destination.host,
    toolVersion: saved.tool.version,
    now: new Date(saved.createdAt),
  }
  return (await planGuest(request, pool)).plan
}

/** A blocker or a stale plan while another run moves the guest: that run is the reason, and named. */
async function blameHolder(error: unknown, dataDir: string | undefined, uuid: string): Promise<never> {
  const held = dataDir ? await lockHolder(dataDir, uuid) : undefined
  if (held) throw new GuestLockedError(held.file, held.holder)
  throw error
}

export interface MigrateRequest {
  profile: ResolvedProfile
  toolVersion: string
  /** Journals and guest locks live here. */
  dataDir: string
  /** Plan this guest now (with from and to)… */
  guest?: string
  from?: string
  to?: string
  /** …or apply this reviewed plan (read from a plan file)… */
  saved?: Plan
  /** …or continue the migration this journal records. */
  resumeFile?: string
  /** Plan (or validate the saved plan) and stop there. */
  dryRun?: boolean
  /**
   * Asked with a plan computed now, before anything changes; false cancels. A saved plan was
   * reviewed when it was made (as with terraform apply PLANFILE) and a journal is a run already
   * under way: neither asks.
   */
  confirm: (plan: Plan) => Promise<boolean>
  emit: EventSink
  signal?: AbortSignal
}

export type GuestMigration =
  | {kind: 'dry-run'; plan: Plan; exitCode: ExitCodeValue}
  | {kind: 'cancelled'; plan: Plan; exitCode: ExitCodeValue}
  | {kind: 'applied'; report: MigrationReport; exitCode: ExitCodeValue}

/** With a `pool` from the caller, connections stay open for the caller; without one, they are closed before returning. */
export async function migrateGuest(request: MigrateRequest, callerPool?: HostPool): Promise<GuestMigration> {
  const pool = callerPool ?? new HostPool()
  const {profile, dataDir} = request
  try {
    let plan: Plan | undefined
    let timings: PreflightTimings | undefined
    if (!request.resumeFile) {
      const started = performance.now()
      plan = await obtainPlan(
        {profile, toolVersion: request.toolVersion, saved: request.saved, guest: request.guest, from: request.from, to: request.to, dataDir},
        pool,
      )
      timings = {
        startupMs: Math.round(started),
        connectMs: Math.max(0, ...Object.values(pool.connectTimes())),
        preflightMs: Math.round(performance.now() - started),
      }
      if (request.dryRun) return {kind: 'dry-run', plan, exitCode: ExitCode.OK}
      if (!request.saved && !(await request.confirm(plan))) return {kind: 'cancelled', plan, exitCode: ExitCode.OK}
    }
    const {report} = await applyPlanOrResume(
      {profile, plan, resumeFile: request.resumeFile, dataDir, emit: request.emit, signal: request.signal, timings},
      pool,
    )
    return {kind: 'applied', report, exitCode: migrationExitCode(report.outcome)}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}
