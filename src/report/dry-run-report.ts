/**
 * What `zmigrate evacuate --dry-run --json` and `zmigrate return --dry-run --json` print: the
 * placement (each guest's destination and order, or every destination's reasons it cannot go
 * there) and the return verdicts (who goes home, who is home, who stays and why); the same when
 * nothing ran (cancelled). Closed objects: a field the CLI adds must be added here. JSON contracts:
 * schemas/evacuate-dry-run.json and schemas/return-dry-run.json. The assignments at the bottom
 * make the compiler prove these schemas and the site types agree.
 */
import {z} from 'zod'
import {STAY_CODES, type ReturnVerdict} from '../site/return-home.js'
import {REFUSAL_CODES, type GuestPlacement} from '../site/types.js'

const refusalSchema = z.strictObject({
  destination: z.string(),
  reasons: z.array(z.strictObject({code: z.enum(REFUSAL_CODES), message: z.string()})),
})

export const placementSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('placed'),
    guest: z.string(),
    uuid: z.string(),
    source: z.string(),
    destination: z.string(),
    /** 1, 2, …: the order the migrations start in. */
    order: z.number().int(),
    why: z.string(),
    warnings: z.array(z.string()),
    refused: z.array(refusalSchema),
  }),
  z.strictObject({kind: z.literal('nowhere'), guest: z.string(), uuid: z.string(), source: z.string(), nowhere: z.array(refusalSchema)}),
])

export const evacuateDryRunSchema = z.strictObject({dryRun: z.literal(true), placements: z.array(placementSchema)})

export const returnVerdictSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('return'),
    guest: z.string(),
    uuid: z.string(),
    home: z.string(),
    from: z.string(),
    order: z.number().int(),
    why: z.string(),
    warnings: z.array(z.string()),
  }),
  z.strictObject({kind: z.literal('home'), guest: z.string(), uuid: z.string(), home: z.string(), state: z.string()}),
  z.strictObject({
    kind: z.literal('stays'),
    guest: z.string(),
    uuid: z.string(),
    home: z.string(),
    now: z.string().optional(),
    code: z.enum(STAY_CODES),
    reasons: z.array(z.string()),
  }),
])

export const returnDryRunSchema = z.strictObject({dryRun: z.literal(true), verdicts: z.array(returnVerdictSchema)})

/** What they print when nothing ran: the confirmation was refused, or (return) nobody needs to go home. */
export const evacuateCancelledSchema = z.strictObject({cancelled: z.literal(true), placements: z.array(placementSchema)})
export const returnCancelledSchema = z.strictObject({cancelled: z.literal(true), verdicts: z.array(returnVerdictSchema)})

// compile-time proof that the schemas and the types describe the same documents
export const placementSchemaMatchesType = (p: GuestPlacement): z.infer<typeof placementSchema> => p
export const placementTypeMatchesSchema = (p: z.infer<typeof placementSchema>): GuestPlacement => p
export const verdictSchemaMatchesType = (v: ReturnVerdict): z.infer<typeof returnVerdictSchema> => v
export const verdictTypeMatchesSchema = (v: z.infer<typeof returnVerdictSchema>): ReturnVerdict => v
