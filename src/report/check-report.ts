/**
 * The `zmigrate check --json` document. This zod schema is the contract runbooks rely on:
 * schemas/check.json is generated from it and a test validates real output against it.
 * Add fields freely; never rename or remove one.
 */
import {z} from 'zod'
import {dirtyRateSchema, residentMemorySchema} from '../hosts/measure-schema.js'
import {busIdSchema, diskTargetSchema, oneLineSchema, pciAddressSchema, scsiHostSchema, uuidSchema} from '../plan/values.js'
import type {DestinationIdentity, Fix} from '../rules/fix.js'
import {SEVERITIES} from '../rules/severity.js'
import {RULE_CATEGORIES} from '../rules/types.js'

const scsiNumber = z.string().regex(/^[0-9]{1,10}$/, 'a SCSI bus, target or unit number')

/** rules/fix.ts DestinationIdentity: each value is checked to its domain, as it is written into device XML. */
export const destinationIdentitySchema = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('same')}),
  z.object({kind: z.literal('mdev'), uuid: uuidSchema}),
  z.object({kind: z.literal('pci'), address: pciAddressSchema}),
  z.object({kind: z.literal('scsi-host'), adapter: scsiHostSchema, address: z.object({bus: scsiNumber, target: scsiNumber, unit: scsiNumber}).optional()}),
  z.object({kind: z.literal('interface-source'), to: oneLineSchema}),
  z.object({kind: z.literal('disk-source'), path: oneLineSchema}),
])

/** rules/fix.ts Fix: what an action finding proposes the plan do; the planner reads only this. */
export const fixSchema = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('set-dasd-online'), busIds: z.array(busIdSchema).min(1)}),
  z.object({kind: z.literal('copy-disk'), target: diskTargetSchema, path: oneLineSchema.optional()}),
  z.object({kind: z.literal('move-device'), deviceIndex: z.number().int().nonnegative(), identity: destinationIdentitySchema}),
])

// compile-time proof that the schema and the type describe the same fix
export const fixSchemaMatchesType = (f: Fix): z.infer<typeof fixSchema> => f
export const fixTypeMatchesSchema = (f: z.infer<typeof fixSchema>): Fix => f
export const identitySchemaMatchesType = (i: DestinationIdentity): z.infer<typeof destinationIdentitySchema> => i
export const identityTypeMatchesSchema = (i: z.infer<typeof destinationIdentitySchema>): DestinationIdentity => i

export const findingSchema = z.object({
  rule: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  category: z.enum(RULE_CATEGORIES),
  severity: z.enum(SEVERITIES),
  subject: z.string(),
  message: z.string(),
  remedy: z.string(),
  override: z.object({defaultSeverity: z.enum(SEVERITIES), reason: z.string()}).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  fix: fixSchema.optional(),
  /**
   * The finding rests on a measurement that differs each time it is taken (a guest's dirty rate):
   * a plan's staleness check leaves it out, so a re-measure does not make a reviewed plan stale.
   */
  measured: z.boolean().optional(),
})

export const guestReportSchema = z.object({
  name: z.string(),
  state: z.string(),
  /** No blocker: the plan can take it from here. */
  migratable: z.boolean(),
  counts: z.object({blocker: z.number().int(), action: z.number().int(), warning: z.number().int(), info: z.number().int()}),
  findings: z.array(findingSchema),
  /** Its dirty rate, when this check measured it (profile migration.measure-dirty-rate or --measure). */
  dirtyRate: dirtyRateSchema.optional(),
  /** Its resident RAM, read with the dirty rate. */
  residentMemory: residentMemorySchema.optional(),
})

export const checkReportSchema = z.object({
  formatVersion: z.literal(1),
  /** True when no guest has a blocker. */
  ok: z.boolean(),
  from: z.string(),
  to: z.string(),
  profile: z.object({site: z.string(), file: z.string()}),
  guests: z.array(guestReportSchema),
  /** SSH/local commands run per host, for the curious and for benchmarks. */
  roundTrips: z.record(z.string(), z.number().int()),
})

export type CheckReport = z.infer<typeof checkReportSchema>
export type GuestReport = z.infer<typeof guestReportSchema>
