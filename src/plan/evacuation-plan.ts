/**
 * What an evacuation plan file may hold, and whether it is the document zmigrate wrote: its
 * fingerprint covers every field, each guest's own plan is intact and goes where the profile says,
 * and the guest entries agree with their plans. Pure: reading and writing the file is
 * app/plan-file.ts; whether the plans are still fresh needs the hosts (app/evacuation-plan.ts).
 */
import {InputError, StalePlanError} from '../errors.js'
import type {ResolvedProfile} from '../profiles/types.js'
import {evacuationPlanSchema} from './evacuation-schema.js'
import {canonicalJson, sha256} from './fingerprint.js'
import {assertPlanMatchesProfile, assertStepsIntact} from './integrity.js'
import {issueText} from './schema.js'
import type {EvacuationPlan} from './types.js'

export const EVACUATION_PLAN_KIND = 'evacuation-plan'

/** The discriminating field: a single-guest plan has no `kind`. */
export function isEvacuationPlanDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as {kind?: unknown}).kind === EVACUATION_PLAN_KIND
}

/** sha256 of the canonical JSON of every field but the fingerprint itself. */
export function evacuationFingerprint(doc: Omit<EvacuationPlan, 'fingerprint'> & {fingerprint?: string}): string {
  const {fingerprint, ...content} = doc
  void fingerprint
  return sha256(canonicalJson(content))
}

export function editedRemedy(host: string): string {
  return `Do not edit plan files: run zmigrate evacuate ${host} -o FILE again and review the new plan.`
}

/** The document, if it is an evacuation plan with every value in its domain (exit 2, naming the first bad field). */
export function validEvacuationPlan(doc: unknown, file: string): EvacuationPlan {
  const parsed = evacuationPlanSchema.safeParse(doc)
  if (!parsed.success) {
    throw new InputError(`not a valid zmigrate evacuation plan (formatVersion 1): ${issueText(parsed.error)}`, {
      location: {file},
      code: 'E_PLAN_FILE',
      remedy: 'Create one with zmigrate evacuate HOST -o FILE; do not edit plan files by hand.',
    })
  }
  return parsed.data
}

/**
 * The evacuation plan is the document zmigrate wrote (exit 5 otherwise, as for an edited
 * single-guest plan): the document fingerprint, then every guest entry against its own plan, then
 * each plan's steps against their fingerprint and its migrations against the profile's URIs.
 */
export function assertEvacuationIntact(doc: EvacuationPlan, profile: ResolvedProfile): void {
  const edited = (why: string) => new StalePlanError(`the evacuation plan for ${doc.host} was edited: ${why}`, editedRemedy(doc.host))
  if (evacuationFingerprint(doc) !== doc.fingerprint) throw edited('its content does not match its fingerprint')
  const seen = {uuid: new Set<string>(), name: new Set<string>(), order: new Set<number>()}
  for (const g of doc.guests) {
    const p = g.plan
    if (p.guest.name !== g.name || p.guest.uuid !== g.uuid) throw edited(`the entry ${g.name} (${g.uuid}) holds the plan of ${p.guest.name} (${p.guest.uuid})`)
    if (p.source.host !== doc.host) throw edited(`the plan of ${g.name} moves it from ${p.source.host}, not from ${doc.host}`)
    if (p.destination.host !== g.destination) throw edited(`${g.name} is placed on ${g.destination} but its plan moves it to ${p.destination.host}`)
    if (!doc.destinations.includes(g.destination) || g.destination === doc.host)
      throw edited(`${g.name} is placed on ${g.destination}, which is not one of its candidate destinations (${doc.destinations.join(', ')})`)
    if (seen.uuid.has(g.uuid) || seen.name.has(g.name)) throw edited(`${g.name} (${g.uuid}) is listed twice`)
    if (seen.order.has(g.order)) throw edited(`two guests have order ${g.order}`)
    seen.uuid.add(g.uuid)
    seen.name.add(g.name)
    seen.order.add(g.order)
  }
  for (const g of doc.guests) {
    try {
      assertStepsIntact(g.plan)
      assertPlanMatchesProfile(g.plan, profile)
    } catch (error) {
      if (error instanceof StalePlanError) throw new StalePlanError(`evacuation plan for ${doc.host}: ${error.message}`, editedRemedy(doc.host))
      throw error
    }
  }
}

/** The guests of the file, in the order their migrations start. */
export function inOrder(doc: EvacuationPlan): EvacuationPlan['guests'] {
  return [...doc.guests].sort((a, b) => a.order - b.order)
}
