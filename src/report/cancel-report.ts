/**
 * The result of `zmigrate cancel GUEST` and `zmigrate cancel --evacuation FILE|HOST`: what was
 * asked of which run, and how that run ended, from its journal. JSON contract: schemas/cancel.json.
 */
import {z} from 'zod'
import {EVACUATION_GUEST_STATES} from '../run/evacuation-journal.js'
import {finishReasonSchema} from '../run/finish-reason.js'

/**
 * - rolled-back: the run stopped and rolled back; the guest runs on its source (exit 0);
 * - stopped: the evacuation starts no more guests; those in flight rolled back or had completed (exit 0);
 * - cancelled-before-start: the run ended before it wrote a journal, so before changing anything (exit 0);
 * - completed: the migration had been verified (or ended) before the cancel could stop it; the guest runs on the destination (exit 1);
 * - nothing-to-cancel: no zmigrate run holds the guest (or runs the evacuation) now (exit 1);
 * - held-elsewhere: the run is on another host, whose processes this one cannot verify or signal; nothing was asked (exit 3);
 * - rollback-incomplete: the run rolled back, and an undo failed: `manual` says what a human must do (exit 4);
 * - still-running: the run still holds the guest after --wait; the request stands and the run acts on it (exit 6);
 * - interrupted: the run stopped before it finished rolling back (it was killed): resume its journal (exit 130).
 */
export const CANCEL_OUTCOMES = [
  'rolled-back',
  'stopped',
  'cancelled-before-start',
  'completed',
  'nothing-to-cancel',
  'held-elsewhere',
  'rollback-incomplete',
  'still-running',
  'interrupted',
] as const
export type CancelOutcome = (typeof CANCEL_OUTCOMES)[number]

export const cancelReportSchema = z.object({
  formatVersion: z.literal(1),
  /** The guest is where it was before the run (or the evacuation stopped cleanly). */
  ok: z.boolean(),
  outcome: z.enum(CANCEL_OUTCOMES),
  /** One line: what happened. */
  message: z.string(),
  target: z.discriminatedUnion('kind', [
    z.object({kind: z.literal('guest'), guest: z.string(), uuid: z.string().optional()}),
    z.object({kind: z.literal('evacuation'), id: z.string(), file: z.string(), host: z.string()}),
  ]),
  /** The zmigrate run the request was for (its lock's holder, or the evacuation's process). */
  run: z.object({pid: z.number(), host: z.string(), since: z.string()}).optional(),
  /** The request written, by whom and when. */
  request: z.object({file: z.string(), by: z.string(), requestedAt: z.string()}).optional(),
  /** Whether the run was signalled to look at once (else it notices within a second, by its poll). */
  signal: z.enum(['signalled', 'gone', 'reused', 'unverifiable', 'elsewhere', 'not-permitted']).optional(),
  /** How long cancel waited for the run to let the guest go. */
  waitedSeconds: z.number().optional(),
  journal: z.string().optional(),
  finishReason: finishReasonSchema.optional(),
  /** Evacuation: every guest in flight when the cancel came, and how each ended. */
  guests: z.array(z.object({name: z.string(), uuid: z.string(), outcome: z.enum(EVACUATION_GUEST_STATES), journal: z.string().optional()})).optional(),
  /** What a human must do (rollback incomplete). */
  manual: z.array(z.string()).optional(),
  remedy: z.string().optional(),
})

export type CancelReport = z.infer<typeof cancelReportSchema>
