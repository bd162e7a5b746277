/**
 * The plan use case (`zmigrate plan`, and the planning half of migrate): check one guest, turn
 * its findings into a plan (plan/build-plan.ts, pure), and write the plan file when asked.
 */
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import type {HostPool} from '../hosts/connect.js'
import {buildPlan} from '../plan/build-plan.js'
import type {Plan} from '../plan/types.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {CheckContext} from '../rules/types.js'
import {runCheck} from './check.js'
import {writePlan} from './plan-file.js'

export interface PlanRequest {
  profile: ResolvedProfile
  guest: string
  from: string
  to: string
  toolVersion: string
  now?: Date
  /** Write the plan file here (`zmigrate plan -o FILE`). */
  output?: string
  /** Measure the guest's dirty rate for the prediction (plan --measure); unset: the profile's migration.measure-dirty-rate. */
  measure?: boolean
}

export interface PlanOutcome {
  plan: Plan
  context: CheckContext
  /** A plan was computed (a blocker throws PlanBlockedError, exit 1, instead). */
  exitCode: ExitCodeValue
}

export async function planGuest(request: PlanRequest, pool?: HostPool): Promise<PlanOutcome> {
  const outcome = await runCheck(
    {
      profile: request.profile,
      from: request.from,
      to: request.to,
      guests: [request.guest],
      all: false,
      ...(request.measure !== undefined ? {measure: request.measure} : {}),
    },
    pool,
  )
  const evaluation = outcome.evaluations[0]
  const plan = buildPlan({context: evaluation.context, findings: evaluation.report.findings, toolVersion: request.toolVersion, now: request.now})
  if (request.output) await writePlan(request.output, plan)
  return {plan, context: evaluation.context, exitCode: ExitCode.OK}
}
