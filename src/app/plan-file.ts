/**
 * Plan files on disk: written by `zmigrate plan -o`, read by `zmigrate migrate --plan`. What a
 * plan may hold and when it is stale is plan/plan-file.ts (pure); this is the file I/O around it.
 */
import {writeFileAtomic} from '../atomic-file.js'
import {readJsonFile} from '../json-file.js'
import {validPlan} from '../plan/plan-file.js'
import type {Plan} from '../plan/types.js'

/**
 * Atomic (a reviewer or `migrate --plan` never reads half a plan), and never through a symlink at
 * FILE: the rename replaces the link. The directory is the user's choice (-o) and is not checked.
 */
export async function writePlan(file: string, plan: Plan): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n', {mode: 0o600})
}

export async function readPlan(file: string): Promise<Plan> {
  return validPlan(await readJsonFile(file, 'plan', 'E_PLAN_FILE'), file)
}
