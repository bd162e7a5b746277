/**
 * The evacuation plan file as a zod schema: validates it on read (the first problem named by its
 * path; every guest plan held to the plan schema, so every value a host command receives is
 * checked to its domain as in a single-guest plan: plan/values.ts) and generates
 * schemas/evacuation-plan.json. The assignments at the bottom make the compiler prove this schema
 * and the EvacuationPlan type (plan/types.ts) agree.
 */
import {z} from 'zod'
import {planSchema, sha256Schema} from './schema.js'
import type {EvacuationPlan} from './types.js'
import {timestampSchema, uuidSchema} from './values.js'

const host = z.string().min(1)
/** As the profile's concurrency caps and the --max/--outgoing/--incoming flags. */
const cap = z.number().int().min(1).max(64)

export const evacuationPlanGuestSchema = z.object({
  name: z.string().min(1),
  uuid: uuidSchema,
  destination: host,
  order: z.number().int().positive(),
  why: z.string(),
  warnings: z.array(z.string()),
  plan: planSchema,
})

export const evacuationPlanStaySchema = z.object({
  name: z.string().min(1),
  uuid: uuidSchema.optional(),
  nowhere: z.array(
    z.object({
      destination: host,
      reasons: z.array(z.object({code: z.string().regex(/^[a-z][a-z-]{0,40}$/, 'a reason code such as memory'), message: z.string()})),
    }),
  ),
})

export const evacuationPlanSchema = z.object({
  formatVersion: z.literal(1),
  kind: z.literal('evacuation-plan'),
  tool: z.object({name: z.literal('zmigrate'), version: z.string()}),
  createdAt: timestampSchema,
  profile: z.object({site: z.string(), file: z.string()}),
  host,
  destinations: z.array(host).min(1),
  caps: z.object({site: cap, outgoing: cap, incoming: cap}),
  guests: z.array(evacuationPlanGuestSchema).max(10_000),
  stays: z.array(evacuationPlanStaySchema).max(10_000),
  fingerprint: sha256Schema,
})

// compile-time proof that the schema and the type describe the same document
export const evacuationPlanSchemaMatchesType = (p: EvacuationPlan): z.infer<typeof evacuationPlanSchema> => p
export const evacuationPlanTypeMatchesSchema = (p: z.infer<typeof evacuationPlanSchema>): EvacuationPlan => p
