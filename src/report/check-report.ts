/**
 * The `zmigrate check --json` document. This zod schema is the contract runbooks rely on:
 * schemas/check.json is generated from it and a test validates real output against it.
 * Add fields freely; never rename or remove one.
 */
import {z} from 'zod'
import {SEVERITIES} from '../rules/severity.js'
import {RULE_CATEGORIES} from '../rules/types.js'

export const findingSchema = z.object({
  rule: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  category: z.enum(RULE_CATEGORIES),
  severity: z.enum(SEVERITIES),
  subject: z.string(),
  message: z.string(),
  remedy: z.string(),
  override: z.object({defaultSeverity: z.enum(SEVERITIES), reason: z.string()}).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
})

export const guestReportSchema = z.object({
  name: z.string(),
  state: z.string(),
  /** No blocker: the plan can take it from here. */
  migratable: z.boolean(),
  counts: z.object({blocker: z.number().int(), action: z.number().int(), warning: z.number().int(), info: z.number().int()}),
  findings: z.array(findingSchema),
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
