/**
 * check → plan for one guest: the glue the plan and migrate commands share. I/O (facts) happens
 * in runCheck; buildPlan itself is pure.
 */
import {runCheck} from '../check/run-check.js'
import type {HostPool} from '../hosts/connect.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {CheckContext} from '../rules/types.js'
import {buildPlan} from './build-plan.js'
import type {Plan} from './types.js'

export interface PlanRequest {
  profile: ResolvedProfile
  guest: string
  from: string
  to: string
  toolVersion: string
  now?: Date
}

export async function planGuest(request: PlanRequest, pool?: HostPool): Promise<{plan: Plan; context: CheckContext}> {
  const outcome = await runCheck({profile: request.profile, from: request.from, to: request.to, guests: [request.guest], all: false}, pool)
  const evaluation = outcome.evaluations[0]
  const plan = buildPlan({context: evaluation.context, findings: evaluation.report.findings, toolVersion: request.toolVersion, now: request.now})
  return {plan, context: evaluation.context}
}
