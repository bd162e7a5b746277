/**
 * The model's input and output as zod schemas: a plan file and a journal carry them (the
 * prediction zmigrate made, and the scenario the runner predicts again from with a fresh dirty
 * rate), and both are files that may have been edited. Every number is finite and in its domain;
 * the assignments at the bottom make the compiler prove the schemas and the types agree.
 */
import {z} from 'zod'
import {LIMIT_ACTIONS, type MigrationScenario, type Prediction} from './types.js'

const bytes = z.number().nonnegative().max(Number.MAX_SAFE_INTEGER)
const rate = z.number().nonnegative().max(Number.MAX_SAFE_INTEGER)
const positive = z.number().positive().max(Number.MAX_SAFE_INTEGER)
const seconds = z.number().nonnegative().max(1e9)
const percent = (max: number) => z.number().int().min(1).max(max)

export const scenarioSchema = z.object({
  ramBytes: bytes,
  dirtyBytesPerSecond: rate,
  averageDirtyBytesPerSecond: rate.optional(),
  bandwidthBytesPerSecond: positive,
  downtimeLimitMs: z.number().positive().max(2_000_000_000),
  diskBytes: bytes.optional(),
  setupSeconds: z.number().nonnegative().max(86_400).optional(),
  workingSetBytes: bytes.optional(),
  autoConverge: z.object({initialPercent: percent(99), incrementPercent: percent(99), maxPercent: percent(99), triggerPercent: percent(100)}).optional(),
  parallelConnections: z.number().int().min(0).max(255).optional(),
  bandwidthCapBytesPerSecond: positive.optional(),
  timeout: z.object({seconds: positive, action: z.enum(['suspend', 'postcopy'])}).optional(),
  limits: z.object({maxTotalSeconds: positive.optional(), maxDowntimeMs: positive.optional(), onLimit: z.enum(LIMIT_ACTIONS)}).optional(),
})

export const predictionSchema = z.object({
  outcome: z.enum(['converges', 'postcopy', 'suspended', 'cancelled', 'never']),
  converges: z.boolean(),
  totalSeconds: seconds.optional(),
  diskSeconds: seconds,
  precopySeconds: seconds.optional(),
  iterations: z.number().int().nonnegative().optional(),
  downtimeMs: z.number().nonnegative().max(1e12).optional(),
  postcopy: z.object({switchAfterSeconds: seconds, postcopySeconds: seconds}).optional(),
  endedBy: z.enum(['timeout', 'max-total', 'max-downtime']).optional(),
  throttlePercent: z.number().min(0).max(100),
  bandwidthBytesPerSecond: positive,
})

export const scenarioSchemaMatchesType = (s: MigrationScenario): z.infer<typeof scenarioSchema> => s
export const scenarioTypeMatchesSchema = (s: z.infer<typeof scenarioSchema>): MigrationScenario => s
export const predictionSchemaMatchesType = (p: Prediction): z.infer<typeof predictionSchema> => p
export const predictionTypeMatchesSchema = (p: z.infer<typeof predictionSchema>): Prediction => p
