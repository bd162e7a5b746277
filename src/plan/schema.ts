/**
 * The plan file as a zod schema: validates plan files on read (a hand-edited or truncated plan is
 * refused with the path of the first problem) and generates schemas/plan.json. The assignments at
 * the bottom make the compiler prove this schema and the Plan type (plan/types.ts) agree.
 */
import {z} from 'zod'
import {findingSchema} from '../report/check-report.js'
import type {Plan} from './types.js'

const role = z.enum(['source', 'destination'])
const scope = z.array(z.enum(['live', 'config']))

const deviceRefSchema = z.object({
  kind: z.string(),
  label: z.string(),
  xml: z.string(),
  match: z.object({element: z.string(), attributes: z.record(z.string(), z.string())}),
})

const migrateOptionsSchema = z.object({
  mode: z.enum(['live', 'non-live', 'offline']),
  persistent: z.boolean(),
  undefineSource: z.boolean(),
  suspend: z.boolean(),
  copyDisks: z.array(z.string()),
  parallelConnections: z.number().int().min(0),
  autoConverge: z.boolean(),
  postcopy: z.boolean(),
  timeoutSeconds: z.number().positive().optional(),
  timeoutAction: z.enum(['suspend', 'postcopy']).optional(),
  bandwidthMiB: z.number().positive().optional(),
  maxDowntimeMs: z.number().positive().optional(),
  p2p: z.boolean(),
  tunnelled: z.boolean(),
  unsafe: z.boolean(),
  destinationUri: z.string(),
})

const stepActionSchema = z.object({
  kind: z.enum(['set-dasd-online', 'set-dasd-offline', 'create-image', 'remove-image', 'detach-device', 'attach-device', 'migrate', 'verify']),
  host: role,
  description: z.string(),
  commands: z.array(z.array(z.string())),
  device: deviceRefSchema.optional(),
  scope: scope.optional(),
  busIds: z.array(z.string()).optional(),
  image: z.object({path: z.string(), format: z.string(), virtualSizeBytes: z.number().int().nonnegative()}).optional(),
  migrate: migrateOptionsSchema.optional(),
  expect: z
    .object({
      guestOn: role,
      state: z.enum(['running', 'paused', 'shut off']),
      sourceState: z.enum(['absent', 'shut off']),
      devices: z.array(deviceRefSchema),
    })
    .optional(),
})

const planStepSchema = stepActionSchema.extend({
  id: z.string(),
  undo: stepActionSchema.optional(),
  because: z.array(z.string()),
})

export const planSchema = z.object({
  formatVersion: z.literal(1),
  tool: z.object({name: z.literal('zmigrate'), version: z.string()}),
  createdAt: z.string(),
  profile: z.object({site: z.string(), file: z.string()}),
  guest: z.object({name: z.string(), uuid: z.string().optional(), state: z.string(), memoryKiB: z.number()}),
  source: z.object({host: z.string(), hostUuid: z.string().optional()}),
  destination: z.object({host: z.string(), hostUuid: z.string().optional()}),
  fingerprints: z.object({domainXml: z.string(), findings: z.string(), steps: z.string(), profile: z.string()}),
  findings: z.array(findingSchema),
  steps: z.array(planStepSchema),
})

// compile-time proof that the schema and the type describe the same document
export const planSchemaMatchesType = (p: Plan): z.infer<typeof planSchema> => p
export const planTypeMatchesSchema = (p: z.infer<typeof planSchema>): Plan => p
