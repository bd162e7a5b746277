/**
 * What a plan file may hold, and whether a plan is still valid for the world as it is now
 * (re-planned from fresh facts: same guest XML, same findings, same steps). Pure: reading and
 * writing the file is app/plan-file.ts.
 */
import {InputError, StalePlanError} from '../errors.js'
import {stalenessFindings, stepsFingerprint} from './fingerprint.js'
import {issueText, planSchema} from './schema.js'
import type {Plan} from './types.js'

/**
 * The plan, if every value in it is in its domain (plan/values.ts). A plan computed just now is
 * held to this too: its values come from what the hosts reported.
 */
export function validPlan(
  plan: unknown,
  file: string,
  remedy = 'Create one with zmigrate plan GUEST --from A --to B -o FILE; do not edit plan files by hand.',
): Plan {
  const parsed = planSchema.safeParse(plan)
  if (!parsed.success) {
    throw new InputError(`not a valid zmigrate plan (formatVersion 1): ${issueText(parsed.error)}`, {location: {file}, code: 'E_PLAN_FILE', remedy})
  }
  return parsed.data
}

/** Refuses a plan computed from a different world; says what changed. */
export function assertFresh(saved: Plan, fresh: Plan): void {
  const changes: string[] = []
  if (saved.fingerprints.profile !== fresh.fingerprints.profile) changes.push(`the profile ${fresh.profile.file} changed`)
  if (saved.fingerprints.domainXml !== fresh.fingerprints.domainXml) changes.push(`${saved.guest.name}'s domain XML changed`)
  if (saved.guest.state !== fresh.guest.state) changes.push(`${saved.guest.name} was ${saved.guest.state} and is ${fresh.guest.state} now`)
  if (saved.fingerprints.findings !== fresh.fingerprints.findings) {
    const key = (f: Plan['findings'][number]) => `${f.rule}: ${f.subject}: ${f.message}`
    const before = new Set(stalenessFindings(saved.findings).map(key))
    const after = new Set(stalenessFindings(fresh.findings).map(key))
    const gone = [...before].filter((k) => !after.has(k))
    const added = [...after].filter((k) => !before.has(k))
    changes.push(`the findings changed (${[...added.map((a) => `new: ${a}`), ...gone.map((g) => `gone: ${g}`)].slice(0, 3).join('; ') || 'details differ'})`)
  }
  // the file's own steps, hashed now: what runs is exactly what a fresh plan computes
  if (changes.length === 0 && stepsFingerprint(saved.steps) !== fresh.fingerprints.steps) changes.push('the steps computed now differ from the saved ones')
  if (changes.length > 0) throw new StalePlanError(`plan for ${saved.guest.name} (${saved.createdAt}) is stale: ${changes.join('; ')}`)
}
