/**
 * What makes a plan (from a file, or inside a journal) safe to run: its steps are the ones its
 * fingerprint covers, and every host it reaches is one the profile names. The schema
 * (plan/schema.ts) has already held each value to its domain; these checks need the profile or
 * the whole plan.
 */
import {StalePlanError} from '../errors.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedProfile} from '../profiles/types.js'
import {stepsFingerprint} from './fingerprint.js'
import type {Plan, StepAction} from './types.js'

const EDITED_REMEDY = 'Do not edit plan files: run zmigrate plan again and review the new plan.'

/** The steps hash to the plan's own fingerprint: a hand-edited step is refused (exit 5). */
export function assertStepsIntact(plan: Plan, what = 'plan'): void {
  if (stepsFingerprint(plan.steps) !== plan.fingerprints.steps) {
    throw new StalePlanError(`the ${what} for ${plan.guest.name} was edited: its steps do not match their fingerprint`, EDITED_REMEDY)
  }
}

/**
 * Every host the plan reaches is a profile host, and every migration goes to the URI the profile
 * gives the other host (an edited destination URI would move the guest anywhere).
 */
export function assertPlanMatchesProfile(plan: Plan, profile: ResolvedProfile, what = 'plan'): void {
  const source = profileHost(profile, plan.source.host, `the ${what}'s source`)
  const destination = profileHost(profile, plan.destination.host, `the ${what}'s destination`)
  const expected = {source: destination.migrationUri, destination: source.migrationUri}
  const actions: StepAction[] = plan.steps.flatMap((s) => [s, ...(s.undo ? [s.undo] : [])])
  for (const a of actions) {
    if (a.kind !== 'migrate' || a.migrate.destinationUri === expected[a.host]) continue
    throw new StalePlanError(
      `the ${what} for ${plan.guest.name} migrates from its ${a.host} to ${a.migrate.destinationUri}, which is not the migration URI of ${a.host === 'source' ? destination.name : source.name} in ${profile.file} (${expected[a.host]})`,
      EDITED_REMEDY,
    )
  }
}
