/**
 * The plan file as a zod schema: validates plan files on read (a hand-edited or truncated plan is
 * refused with the path of the first problem, and every value a host command receives is checked
 * to its domain: plan/values.ts) and generates schemas/plan.json. The assignments at
 * the bottom make the compiler prove this schema and the Plan type (plan/types.ts) agree.
 */
import {z} from 'zod'
import {LIMIT_ACTIONS} from '../predict/types.js'
import {predictionSchema, scenarioSchema} from '../predict/schema.js'
import {dirtyRateSchema, residentMemorySchema} from '../hosts/measure-schema.js'
import {findingSchema} from '../report/check-report.js'
import type {Plan} from './types.js'
import {
  absolutePathSchema,
  busIdSchema,
  DEVICE_ELEMENTS,
  diskTargetSchema,
  imageFormatSchema,
  isDeviceXml,
  libvirtUriSchema,
  timestampSchema,
  uuidSchema,
} from './values.js'

export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex')

const role = z.enum(['source', 'destination'])
const scope = z.array(z.enum(['live', 'config'])).min(1)

const deviceRefSchema = z
  .object({
    kind: z.enum(DEVICE_ELEMENTS),
    label: z.string(),
    xml: z.string().max(1 << 20),
    match: z.object({element: z.enum(DEVICE_ELEMENTS), attributes: z.record(z.string(), z.string())}),
  })
  .refine((d) => d.match.element === d.kind && isDeviceXml(d.xml, d.kind), {message: 'the device XML must be one element of the device kind', path: ['xml']})

const migrateOptionsSchema = z
  .object({
    mode: z.enum(['live', 'non-live', 'offline']),
    persistent: z.boolean(),
    undefineSource: z.boolean(),
    suspend: z.boolean(),
    copyDisks: z.array(diskTargetSchema),
    parallelConnections: z.number().int().min(0).max(255),
    autoConverge: z.boolean(),
    postcopy: z.boolean(),
    timeoutSeconds: z.number().int().positive().optional(),
    timeoutAction: z.enum(['suspend', 'postcopy']).optional(),
    bandwidthMiB: z.number().positive().optional(),
    maxDowntimeMs: z.number().int().positive().optional(),
    p2p: z.boolean(),
    tunnelled: z.boolean(),
    unsafe: z.boolean(),
    destinationUri: libvirtUriSchema,
    /** The runner acts on these while the job runs: whole seconds and milliseconds, as the profile takes them. */
    limits: z
      .object({
        maxTotalSeconds: z.number().int().positive().max(100_000_000).optional(),
        maxDowntimeMs: z.number().int().positive().max(2_000_000).optional(),
        onLimit: z.enum(LIMIT_ACTIONS),
      })
      .refine((l) => l.maxTotalSeconds !== undefined || l.maxDowntimeMs !== undefined, {message: 'limits need max-total or max-downtime'})
      .optional(),
  })
  .refine((o) => o.limits?.onLimit !== 'postcopy' || o.postcopy, {
    message: 'on-limit postcopy needs the migration started with --postcopy',
    path: ['limits', 'onLimit'],
  })

const imageSchema = z.object({
  path: absolutePathSchema,
  format: imageFormatSchema,
  virtualSizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
})

const expectSchema = z.object({
  guestOn: role,
  state: z.enum(['running', 'paused', 'shut off']),
  sourceState: z.enum(['absent', 'shut off']),
  devices: z.array(deviceRefSchema),
})

const copiedImageSchema = z.object({target: diskTargetSchema, path: absolutePathSchema, sizeBytes: z.number().int().nonnegative().optional()})

const base = {host: role, description: z.string(), commands: z.array(z.array(z.string()))}

/** One object schema per step kind, so a plan carries exactly the fields its kind uses. */
const variants = [
  z.object({kind: z.enum(['set-dasd-online', 'set-dasd-offline']), ...base, busIds: z.array(busIdSchema).min(1)}),
  z.object({kind: z.enum(['create-image', 'remove-image']), ...base, image: imageSchema}),
  z.object({kind: z.enum(['detach-device', 'attach-device']), ...base, device: deviceRefSchema, scope}),
  z.object({kind: z.literal('migrate'), ...base, migrate: migrateOptionsSchema}),
  z.object({kind: z.literal('verify'), ...base, expect: expectSchema}),
  z.object({kind: z.literal('remove-copied-image'), ...base, image: copiedImageSchema}),
] as const

export const stepActionSchema = z.discriminatedUnion('kind', [...variants])

const stepFields = {
  id: z.string().regex(/^[0-9]{2,3}-[a-z0-9-]{1,60}$/, 'a step id such as 03-detach-disk-vdb'),
  undo: stepActionSchema.optional(),
  because: z.array(z.string()),
}
export const planStepSchema = z.discriminatedUnion('kind', [
  variants[0].extend(stepFields),
  variants[1].extend(stepFields),
  variants[2].extend(stepFields),
  variants[3].extend(stepFields),
  variants[4].extend(stepFields),
  variants[5].extend(stepFields),
])

export const planSchema = z.object({
  formatVersion: z.literal(1),
  tool: z.object({name: z.literal('zmigrate'), version: z.string()}),
  createdAt: timestampSchema,
  profile: z.object({site: z.string(), file: z.string()}),
  guest: z.object({name: z.string().min(1), uuid: uuidSchema, state: z.string(), memoryKiB: z.number().nonnegative()}),
  source: z.object({host: z.string().min(1), hostUuid: uuidSchema.optional()}),
  destination: z.object({host: z.string().min(1), hostUuid: uuidSchema.optional()}),
  fingerprints: z.object({domainXml: sha256Schema, findings: sha256Schema, steps: sha256Schema, profile: sha256Schema}),
  findings: z.array(findingSchema),
  steps: z.array(planStepSchema).min(1).max(1000),
  copiedImages: z.array(copiedImageSchema).optional(),
  prediction: z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('predicted'),
        dirtyRate: z.union([dirtyRateSchema, z.object({kind: z.literal('not-measured')})]),
        residentMemory: z.union([residentMemorySchema, z.object({kind: z.literal('not-measured')})]).optional(),
        measure: z
          .object({dirtyRateMode: z.enum(['page-sampling', 'dirty-bitmap', 'dirty-ring']), memoryKiB: z.number().int().positive().optional()})
          .optional(),
        scenario: scenarioSchema,
        result: predictionSchema,
      }),
      z.object({kind: z.literal('unavailable'), reason: z.string()}),
    ])
    .optional(),
})

// compile-time proof that the schema and the type describe the same document
export const planSchemaMatchesType = (p: Plan): z.infer<typeof planSchema> => p
export const planTypeMatchesSchema = (p: z.infer<typeof planSchema>): Plan => p

/** The first problem zod found, as "path: message" for a one-line error. */
export function issueText(error: z.ZodError): string {
  const issue = error.issues[0]
  return `${issue.path.join('.') || '(document)'}: ${issue.message}`
}
