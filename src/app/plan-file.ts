/**
 * Plan files on disk: written by `zmigrate plan -o` (one guest) and `zmigrate evacuate -o` (an
 * evacuation), read by `zmigrate migrate --plan`. What a plan may hold and when it is stale is
 * plan/plan-file.ts and plan/evacuation-plan.ts (pure); this is the file I/O around them.
 */
import {writeFileAtomic} from '../atomic-file.js'
import {readJsonFile} from '../json-file.js'
import {StalePlanError} from '../errors.js'
import {assertEvacuationIntact, isEvacuationPlanDocument, validEvacuationPlan} from '../plan/evacuation-plan.js'
import {validPlan} from '../plan/plan-file.js'
import type {EvacuationPlan, Plan} from '../plan/types.js'
import type {ResolvedProfile} from '../profiles/types.js'
import type {EvacuationPlanRef} from '../run/evacuation-journal.js'

/** What `migrate --plan FILE` read: a single-guest plan or an evacuation plan, told apart by the evacuation plan's `kind`. */
export type PlanDocument = {kind: 'guest'; plan: Plan} | {kind: 'evacuation'; plan: EvacuationPlan}

/**
 * Atomic (a reviewer or `migrate --plan` never reads half a plan), and never through a symlink at
 * FILE: the rename replaces the link. The directory is the user's choice (-o) and is not checked.
 */
export async function writePlan(file: string, plan: Plan | EvacuationPlan): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n', {mode: 0o600})
}

export async function readPlan(file: string): Promise<Plan> {
  return validPlan(await readJsonFile(file, 'plan', 'E_PLAN_FILE'), file)
}

export async function readPlanDocument(file: string): Promise<PlanDocument> {
  const doc = await readJsonFile(file, 'plan', 'E_PLAN_FILE')
  return isEvacuationPlanDocument(doc) ? {kind: 'evacuation', plan: validEvacuationPlan(doc, file)} : {kind: 'guest', plan: validPlan(doc, file)}
}

/**
 * The evacuation plan an evacuation journal says it runs, read again (`evacuate --resume`): the
 * same document (its fingerprint is the one the journal recorded), still intact.
 */
export async function readReviewedEvacuation(ref: EvacuationPlanRef, profile: ResolvedProfile): Promise<EvacuationPlan> {
  const doc = await readPlanDocument(ref.file)
  if (doc.kind !== 'evacuation' || doc.plan.fingerprint !== ref.fingerprint) {
    throw new StalePlanError(
      `${ref.file} is not the evacuation plan this evacuation was started with (fingerprint ${ref.fingerprint.slice(0, 12)}…): it was replaced or edited`,
      'Put the reviewed plan file back to resume; the evacuation journal records which guests moved already.',
    )
  }
  assertEvacuationIntact(doc.plan, profile)
  return doc.plan
}
