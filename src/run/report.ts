/**
 * The result of `zmigrate migrate`: every step with its outcome and every undo with its
 * outcome, and what needs a human. JSON contract: schemas/migrate.json (from run/report-schema.ts).
 */
import {z} from 'zod'
import {finishReasonSchema, type FinishReason} from './finish-reason.js'
import type {Journal} from './journal.js'
import {predictionComparison, predictionComparisonSchema} from './report-prediction.js'

export const migrationReportSchema = z.object({
  formatVersion: z.literal(1),
  ok: z.boolean(),
  outcome: z.enum(['migrated', 'rolled-back', 'rollback-incomplete', 'interrupted']),
  guest: z.string(),
  from: z.string(),
  to: z.string(),
  /** The journal file (resume with --resume). */
  journal: z.string(),
  /** Why the run ended, from a fixed list runbooks key on (run/finish-reason.ts; README: finish reasons). */
  finishReason: finishReasonSchema,
  /** Who cancelled it (zmigrate cancel), when finishReason is cancelled-by-user that way. */
  cancelledBy: z.string().optional(),
  /** A limit (max-total, max-downtime) the migration exceeded, and what on-limit did. */
  limit: z
    .object({
      limit: z.enum(['max-total', 'max-downtime']),
      action: z.enum(['cancel', 'suspend', 'postcopy']),
      detail: z.string(),
      elapsedMs: z.number(),
      sent: z.boolean(),
      error: z.string().optional(),
    })
    .optional(),
  /** The model's prediction for the migration against what happened (when the plan could predict: a bandwidth was known). */
  prediction: predictionComparisonSchema.optional(),
  steps: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      description: z.string(),
      state: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
      error: z.string().optional(),
      durationMs: z.number().optional(),
      result: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  undo: z.array(
    z.object({
      step: z.string(),
      description: z.string(),
      state: z.enum(['pending', 'running', 'done', 'failed', 'not-needed']),
      error: z.string().optional(),
      manual: z.string().optional(),
    }),
  ),
  /** Downtime libvirt measured for the migration step (ms). */
  downtimeMs: z.number().optional(),
  /** Where the time before the first step went (ms), when this run planned the migration. */
  timings: z
    .object({
      /** Process start until checking begins: Node, modules, flags, profile. */
      startupMs: z.number(),
      /** Opening the SSH connections to both hosts (in parallel), within preflight. */
      connectMs: z.number(),
      /** Checking and planning before the first step: connections, facts, probes, rules, plan or staleness check. */
      preflightMs: z.number(),
    })
    .optional(),
  /** What a human must do (rollback incomplete). */
  manual: z.array(z.string()),
  /**
   * The source's copies of the images the migration copied (a migrated guest only): left there
   * (profile migration.source-images: keep, or a removal refused), or removed.
   */
  sourceImages: z
    .array(z.object({host: z.string(), path: z.string(), sizeBytes: z.number().optional(), state: z.enum(['left', 'removed']), reason: z.string().optional()}))
    .optional(),
})

export type MigrationReport = z.infer<typeof migrationReportSchema>
export type MigrationOutcome = MigrationReport['outcome']

const ms = (a?: string, b?: string) => (a && b ? Date.parse(b) - Date.parse(a) : undefined)

export function migrationReport(journal: Journal): MigrationReport {
  const outcome: MigrationOutcome =
    journal.status === 'succeeded'
      ? 'migrated'
      : journal.status === 'rolled-back'
        ? 'rolled-back'
        : journal.status === 'running' // zmigrate stopped mid-run (second Ctrl-C, crash): resume continues
          ? 'interrupted'
          : 'rollback-incomplete'
  const byId = new Map(journal.plan.steps.map((s) => [s.id, s]))
  // verify reads the migration's statistics on the destination
  const downtime = journal.steps.map((s) => s.result?.downtimeMs).find((d) => typeof d === 'number')
  const limit = journal.migration?.limit
  const prediction = predictionComparison(journal)
  return {
    formatVersion: 1,
    ok: outcome === 'migrated',
    outcome,
    guest: journal.plan.guest.name,
    from: journal.plan.source.host,
    to: journal.plan.destination.host,
    journal: journal.file,
    finishReason: journal.finishReason ?? finishedAs(journal),
    ...(journal.cancelledBy !== undefined ? {cancelledBy: journal.cancelledBy} : {}),
    ...(limit
      ? {
          limit: {
            limit: limit.limit,
            action: limit.action,
            detail: limit.detail,
            elapsedMs: limit.elapsedMs,
            sent: limit.sent,
            ...(limit.error !== undefined ? {error: limit.error} : {}),
          },
        }
      : {}),
    ...(prediction ? {prediction} : {}),
    steps: journal.steps.map((s) => ({
      id: s.id,
      kind: byId.get(s.id)?.kind ?? '?',
      description: byId.get(s.id)?.description ?? '',
      state: s.state,
      ...(s.error ? {error: s.error} : {}),
      ...(ms(s.startedAt, s.endedAt) !== undefined ? {durationMs: ms(s.startedAt, s.endedAt)} : {}),
      ...(s.result ? {result: s.result} : {}),
    })),
    undo: journal.undo.map((u) => ({
      step: u.stepId,
      description: u.action.description,
      state: u.state,
      ...(u.error ? {error: u.error} : {}),
      ...(u.manual ? {manual: u.manual} : {}),
    })),
    ...(typeof downtime === 'number' ? {downtimeMs: downtime} : {}),
    ...(journal.timings ? {timings: journal.timings} : {}),
    manual: journal.undo.flatMap((u) => (u.state === 'failed' && u.manual ? [u.manual] : [])),
    ...(outcome === 'migrated' && (journal.plan.copiedImages ?? []).length > 0 ? {sourceImages: sourceImages(journal)} : {}),
  }
}

/**
 * A journal without a recorded reason: one still running (zmigrate stopped before it knew: the
 * report of a crashed or killed run), or one written before finish reasons were recorded.
 */
function finishedAs(journal: Journal): FinishReason {
  if (journal.status === 'succeeded') return 'completed'
  if (journal.status === 'running') return 'interrupted'
  return 'failed'
}

function sourceImages(journal: Journal): NonNullable<MigrationReport['sourceImages']> {
  const records = new Map(journal.steps.map((r) => [r.id, r]))
  return (journal.plan.copiedImages ?? []).map((image) => {
    const step = journal.plan.steps.find((s) => s.kind === 'remove-copied-image' && s.image.path === image.path)
    const record = step ? records.get(step.id) : undefined
    const base = {host: journal.plan.source.host, path: image.path, ...(image.sizeBytes !== undefined ? {sizeBytes: image.sizeBytes} : {})}
    if (record?.state === 'done') return {...base, state: 'removed' as const}
    return {
      ...base,
      state: 'left' as const,
      reason: record?.error ?? (step ? 'not removed' : 'the profile keeps source images (migration.source-images: keep)'),
    }
  })
}
