/**
 * The result of `zmigrate evacuate` and `zmigrate return`: per guest where it came from, where it
 * went (or why it stayed), its outcome and journal; the guests placement found nowhere for; the
 * peak number of migrations at once; the evacuation plan file it ran, if any. JSON contract:
 * schemas/evacuate.json (also the last line of `migrate --plan EVACUATION_PLAN --json`).
 */
import {z} from 'zod'
import {EVACUATION_GUEST_STATES} from '../run/evacuation-journal.js'
import {finishReasonSchema} from '../run/finish-reason.js'

export const evacuationReportSchema = z.object({
  formatVersion: z.literal(1),
  /** Every guest that was to move moved and was verified, and none stayed for want of a destination. */
  ok: z.boolean(),
  purpose: z.enum(['evacuate', 'return']),
  host: z.string(),
  /** The evacuation journal (resume with --resume). */
  journal: z.string(),
  status: z.enum(['running', 'finished', 'stopped']),
  stopReason: z.string().optional(),
  /** The most migrations that ran at once. */
  peak: z.number().int().nonnegative(),
  guests: z.array(
    z.object({
      name: z.string(),
      uuid: z.string(),
      home: z.string(),
      destination: z.string(),
      order: z.number().int(),
      outcome: z.enum(EVACUATION_GUEST_STATES),
      /** Why its migration ended (run/finish-reason.ts), for a guest whose migration ran. */
      finishReason: finishReasonSchema.optional(),
      journal: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
  /** Guests with nowhere to go: the reasons per destination. */
  stays: z.array(z.object({name: z.string(), reasons: z.array(z.string())})),
  /** The reviewed evacuation plan file it ran (`migrate --plan FILE`), with its fingerprint. */
  plan: z.object({file: z.string(), fingerprint: z.string()}).optional(),
})

export type EvacuationReport = z.infer<typeof evacuationReportSchema>
