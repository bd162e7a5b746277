/**
 * What a measurement of a guest found (hosts/facts-types.ts DirtyRateFact, ResidentMemoryFact) as
 * zod schemas: check reports, plan files and journals carry them, and the last two may have been
 * edited. Here, beside the facts, so that the plan and the runner need not import a report's module.
 */
import {z} from 'zod'
import {DIRTY_RATE_SECONDS, DIRTY_RATE_WINDOWS} from './dirty-rate-command.js'
import type {DirtyRateFact, ResidentMemoryFact} from './facts-types.js'

/** An ISO 8601 time with its offset, as plan/values.ts timestampSchema. */
const timestampSchema = z.iso.datetime({offset: true})

/** hosts/facts-types.ts DirtyRateFact: a guest's dirty rate as check (or migrate) measured it, or why it could not. */
export const dirtyRateSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('measured'),
      bytesPerSecond: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER),
      mode: z.enum(['page-sampling', 'dirty-bitmap', 'dirty-ring']),
      seconds: z.number().int().min(DIRTY_RATE_SECONDS.min).max(DIRTY_RATE_SECONDS.max),
      // each window's rate, when there were several
      windowBytesPerSecond: z.array(z.number().nonnegative().max(Number.MAX_SAFE_INTEGER)).min(2).max(DIRTY_RATE_WINDOWS.max).optional(),
      measuredAt: timestampSchema,
    })
    .refine((m) => m.windowBytesPerSecond === undefined || Math.max(...m.windowBytesPerSecond) === m.bytesPerSecond, {
      message: 'bytesPerSecond is the highest of windowBytesPerSecond',
      path: ['bytesPerSecond'],
    }),
  z.object({
    kind: z.literal('not-measurable'),
    reason: z.enum(['command-unknown', 'mode-unsupported', 'qemu-unsupported', 'guest-not-running', 'not-finished', 'superseded', 'failed']),
    detail: z.string(),
  }),
])
/** hosts/facts-types.ts ResidentMemoryFact: the guest's RAM resident on the host, read with the dirty rate (what a migration sends at most). */
export const residentMemorySchema = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('measured'), bytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), measuredAt: timestampSchema}),
  z.object({kind: z.literal('not-measurable'), reason: z.enum(['no-process', 'not-this-guest', 'no-ram-mapping', 'failed']), detail: z.string()}),
])
export const residentMemorySchemaMatchesType = (d: ResidentMemoryFact): z.infer<typeof residentMemorySchema> => d
export const residentMemoryTypeMatchesSchema = (d: z.infer<typeof residentMemorySchema>): ResidentMemoryFact => d
export const dirtyRateSchemaMatchesType = (d: DirtyRateFact): z.infer<typeof dirtyRateSchema> => d
export const dirtyRateTypeMatchesSchema = (d: z.infer<typeof dirtyRateSchema>): DirtyRateFact => d
