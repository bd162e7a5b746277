/**
 * The journal as a zod schema, checked when `--resume` reads one: a journal is a file on disk
 * that may be truncated, damaged or planted, and the runner hands its plan's values to commands
 * on the hosts. The plan inside is held to the plan file's schema (every value to its domain),
 * and the records must belong to that plan. run/journal.ts, beside the Journal type, makes the
 * compiler prove that this schema and the type agree.
 */
import {z} from 'zod'
import {planSchema, stepActionSchema} from '../plan/schema.js'
import {timestampSchema} from '../plan/values.js'
import {predictionSchema} from '../predict/schema.js'
import {LIMIT_ACTIONS} from '../predict/types.js'
import {dirtyRateSchema, residentMemorySchema} from '../hosts/measure-schema.js'
import {finishReasonSchema} from './finish-reason.js'

const stepRecordSchema = z.object({
  id: z.string(),
  state: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
  startedAt: timestampSchema.optional(),
  endedAt: timestampSchema.optional(),
  error: z.string().optional(),
  result: z.record(z.string(), z.unknown()).optional(),
})

const undoRecordSchema = z.object({
  stepId: z.string(),
  action: stepActionSchema,
  state: z.enum(['pending', 'running', 'done', 'failed', 'not-needed']),
  startedAt: timestampSchema.optional(),
  endedAt: timestampSchema.optional(),
  error: z.string().optional(),
  manual: z.string().optional(),
})

const migrationRecordSchema = z.object({
  dirtyRate: dirtyRateSchema.optional(),
  residentMemory: residentMemorySchema.optional(),
  prediction: z
    .object({
      basis: z.enum(['measured-before-migrate', 'plan']),
      dirtyRate: z.union([dirtyRateSchema, z.object({kind: z.literal('not-measured')})]),
      residentMemory: residentMemorySchema.optional(),
      ramBytes: z.number().nonnegative().optional(),
      result: predictionSchema,
    })
    .optional(),
  limit: z
    .object({
      limit: z.enum(['max-total', 'max-downtime']),
      action: z.enum(LIMIT_ACTIONS),
      detail: z.string(),
      at: timestampSchema,
      elapsedMs: z.number().nonnegative(),
      sent: z.boolean(),
      error: z.string().optional(),
    })
    .optional(),
  stop: z
    .object({by: z.enum(['max-total', 'max-downtime', 'user', 'signal']), at: timestampSchema, sent: z.boolean(), error: z.string().optional()})
    .optional(),
  postcopyStarted: z.boolean().optional(),
  lastIteration: z.number().int().nonnegative().optional(),
})

export const journalSchema = z
  .object({
    formatVersion: z.literal(1),
    id: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/),
    file: z.string(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    status: z.enum(['running', 'succeeded', 'rolling-back', 'rolled-back', 'rollback-incomplete']),
    plan: planSchema,
    steps: z.array(stepRecordSchema),
    undo: z.array(undoRecordSchema),
    timings: z.object({startupMs: z.number(), connectMs: z.number(), preflightMs: z.number()}).optional(),
    failedStep: z.string().optional(),
    finishReason: finishReasonSchema.optional(),
    cancelledBy: z.string().optional(),
    migration: migrationRecordSchema.optional(),
    events: z.array(z.object({at: timestampSchema, type: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional()})),
  })
  .superRefine((j, ctx) => {
    const planIds = j.plan.steps.map((s) => s.id)
    if (j.steps.length !== planIds.length || j.steps.some((r, i) => r.id !== planIds[i])) {
      ctx.addIssue({code: 'custom', path: ['steps'], message: 'the step records do not match the plan’s steps'})
    }
    const known = new Set(planIds)
    for (const [i, u] of j.undo.entries())
      if (!known.has(u.stepId)) ctx.addIssue({code: 'custom', path: ['undo', i, 'stepId'], message: `no plan step ${u.stepId}`})
    if (j.failedStep !== undefined && !known.has(j.failedStep)) ctx.addIssue({code: 'custom', path: ['failedStep'], message: `no plan step ${j.failedStep}`})
  })
