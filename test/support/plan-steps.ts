/** Typed access to a plan's steps in tests: the step of a kind, with that kind's fields. */
import type {ActionOf, PlanHostRole, PlanStep, StepAction, StepKind} from '../../src/plan/types.js'

export function stepsOf<K extends StepKind>(steps: readonly PlanStep[], kind: K, host?: PlanHostRole): (PlanStep & ActionOf<K>)[] {
  return steps.filter((s): s is PlanStep & ActionOf<K> => s.kind === kind && (host === undefined || s.host === host))
}

export function stepOf<K extends StepKind>(steps: readonly PlanStep[], kind: K, host?: PlanHostRole): PlanStep & ActionOf<K> {
  const step = stepsOf(steps, kind, host)[0]
  if (!step) throw new Error(`no ${kind} step${host ? ` on the ${host}` : ''}`)
  return step
}

export function asKind<K extends StepKind>(action: StepAction | undefined, kind: K): ActionOf<K> {
  if (action?.kind !== kind) throw new Error(`expected a ${kind} action, got ${action?.kind}`)
  return action as ActionOf<K>
}
