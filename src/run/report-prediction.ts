/**
 * The migration report's comparison of what the model predicted with what happened: the
 * prediction the migrate step made (the plan's scenario with the dirty rate measured right before
 * virsh migrate, else the plan's own), against the migrate step's wall time (virsh migrate, start
 * to end), libvirt's downtime and the last pass libvirt reported. Pure: from the journal.
 */
import {z} from 'zod'
import {predictionSchema} from '../predict/schema.js'
import {dirtyRateSchema, residentMemorySchema} from '../hosts/measure-schema.js'
import type {Journal} from './journal.js'

export const predictionComparisonSchema = z.object({
  /** measured-before-migrate: predicted again with the dirty rate measured then; plan: the plan's prediction. */
  basis: z.enum(['measured-before-migrate', 'plan']),
  dirtyRate: z.union([dirtyRateSchema, z.object({kind: z.literal('not-measured')})]),
  /** The RAM the prediction sends: the guest's resident RAM when it was measured, else its size. */
  ramBytes: z.number().nonnegative().optional(),
  residentMemory: residentMemorySchema.optional(),
  predicted: predictionSchema.pick({outcome: true, totalSeconds: true, iterations: true, downtimeMs: true, endedBy: true}),
  /** What happened; each figure only when known (a migration that did not complete has no downtime). */
  actual: z.object({
    /** virsh migrate from start to end (the migrate step without the measurement before it). */
    migrateSeconds: z.number().nonnegative().optional(),
    /** libvirt's downtime of the completed migration. */
    downtimeMs: z.number().nonnegative().optional(),
    /** The last pass over memory libvirt reported (memory_iteration, 0 the first). */
    lastIteration: z.number().int().nonnegative().optional(),
  }),
  /** (actual - predicted) / predicted total time, percent, when both are known. */
  totalErrorPercent: z.number().optional(),
})

export type PredictionComparison = z.infer<typeof predictionComparisonSchema>

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined)

export function predictionComparison(journal: Journal): PredictionComparison | undefined {
  const made = journal.migration?.prediction
  if (!made) return undefined
  const kinds = new Map(journal.plan.steps.map((s) => [s.id, s.kind]))
  const of = (kind: string) => journal.steps.find((r) => kinds.get(r.id) === kind && r.state === 'done')?.result
  const migrated = of('migrate')
  const verified = of('verify')
  const wallMs = num(migrated?.wallMs)
  const actual = {
    ...(wallMs !== undefined ? {migrateSeconds: wallMs / 1000} : {}),
    ...(num(verified?.downtimeMs) !== undefined ? {downtimeMs: num(verified?.downtimeMs)} : {}),
    ...lastIteration(num(verified?.lastIteration) ?? num(migrated?.lastIteration) ?? journal.migration?.lastIteration),
  }
  const {outcome, totalSeconds, iterations, downtimeMs, endedBy} = made.result
  const predicted = {
    outcome,
    ...(totalSeconds !== undefined ? {totalSeconds} : {}),
    ...(iterations !== undefined ? {iterations} : {}),
    ...(downtimeMs !== undefined ? {downtimeMs} : {}),
    ...(endedBy !== undefined ? {endedBy} : {}),
  }
  const error =
    totalSeconds !== undefined && totalSeconds > 0 && actual.migrateSeconds !== undefined
      ? ((actual.migrateSeconds - totalSeconds) / totalSeconds) * 100
      : undefined
  return {
    basis: made.basis,
    dirtyRate: made.dirtyRate,
    ...(made.ramBytes !== undefined ? {ramBytes: made.ramBytes} : {}),
    ...(made.residentMemory ? {residentMemory: made.residentMemory} : {}),
    predicted,
    actual,
    ...(error !== undefined ? {totalErrorPercent: Math.round(error * 10) / 10} : {}),
  }
}

function lastIteration(v: number | undefined): {lastIteration?: number} {
  return v !== undefined && Number.isInteger(v) ? {lastIteration: v} : {}
}
