/**
 * The migration model's figures in an admin's words: the plan's prediction (plan-text.ts), the
 * report's prediction against what happened (migrate-text.ts), a check's measured dirty rates
 * (check-text.ts). An unmeasured dirty rate is said to be assumed 0, never shown as a figure.
 */
import {howMeasured} from '../hosts/measured-rate.js'
import type {DirtyRateFact, ResidentMemoryFact} from '../hosts/facts-types.js'
import type {PlanPrediction} from '../plan/types.js'
import type {Prediction} from '../predict/types.js'
import type {PredictionComparison} from '../run/report-prediction.js'
import {formatBytes, formatDuration} from '../units.js'

export function dirtyRateText(rate: DirtyRateFact | {kind: 'not-measured'}): string {
  switch (rate.kind) {
    case 'measured':
      return `${formatBytes(rate.bytesPerSecond)}/s (measured ${rate.measuredAt}, ${howMeasured(rate)})`
    case 'not-measurable':
      return `not measurable (${rate.reason}: ${rate.detail}): assumes 0`
    default:
      return 'not measured: assumes 0 (migration.measure-dirty-rate: true or --measure measures it)'
  }
}

/** The RAM a prediction sends: resident when measured, else the guest's size (an upper bound). */
export function ramText(ramBytes: number, resident: ResidentMemoryFact | {kind: 'not-measured'} | undefined): string {
  switch (resident?.kind) {
    case 'measured':
      return `${formatBytes(ramBytes)} RAM (resident, measured ${resident.measuredAt})`
    case 'not-measurable':
      return `${formatBytes(ramBytes)} RAM (the guest's size: resident RAM not measurable, ${resident.reason}: ${resident.detail})`
    default:
      return `${formatBytes(ramBytes)} RAM (the guest's size; the resident part is measured with the dirty rate)`
  }
}

const ms = (v: number) => `${v < 10 ? Number(v.toFixed(1)) : Math.round(v)} ms`

/** "about 12 s, 4 pre-copy passes, downtime about 120 ms" — or how it ends when it does not converge. */
export function predictionText(p: Pick<Prediction, 'outcome' | 'totalSeconds' | 'iterations' | 'downtimeMs' | 'endedBy'>): string {
  const total = p.totalSeconds !== undefined ? `about ${formatDuration(p.totalSeconds)}` : undefined
  const passes = p.iterations !== undefined ? `${p.iterations} pre-copy pass${p.iterations === 1 ? '' : 'es'}` : undefined
  const downtime = p.downtimeMs !== undefined ? `downtime about ${ms(p.downtimeMs)}` : undefined
  const figures = [total, passes, downtime].filter((x) => x !== undefined).join(', ')
  switch (p.outcome) {
    case 'converges':
      return `converges: ${figures}`
    case 'postcopy':
      return `completes in post-copy${p.endedBy ? ` (switched at ${p.endedBy})` : ''}: ${figures}`
    case 'suspended':
      return `does not converge; the guest is paused to finish (${p.endedBy ?? 'timeout'}): ${figures}`
    case 'cancelled':
      return `does not converge: cancelled by ${p.endedBy ?? 'a limit'}${total ? ` after ${total.replace('about ', '')}` : ''} and rolled back`
    default:
      return 'never converges: pre-copy cannot get the rest below the downtime target, and nothing ends it'
  }
}

/** The plan's prediction block: figures, then the facts they come from. */
export function planPredictionLines(prediction: PlanPrediction): string[] {
  if (prediction.kind === 'unavailable') return [`Prediction: none — ${prediction.reason}.`]
  const s = prediction.scenario
  const r = prediction.result
  const facts = [
    ramText(s.ramBytes, prediction.residentMemory),
    ...(s.setupSeconds ? [`setup ${formatDuration(s.setupSeconds)} (migration.setup-seconds)`] : []),
    ...(s.diskBytes ? [`${formatBytes(s.diskBytes)} of disks copied first (${formatDuration(r.diskSeconds)})`] : []),
    `${formatBytes(r.bandwidthBytesPerSecond)}/s`,
    `downtime target ${s.downtimeLimitMs} ms`,
    ...(s.autoConverge ? ['auto-converge'] : []),
    ...(s.timeout ? [`virsh --timeout ${s.timeout.seconds} s then ${s.timeout.action}`] : []),
    ...(s.limits?.maxTotalSeconds !== undefined ? [`max-total ${s.limits.maxTotalSeconds} s`] : []),
    ...(s.limits?.maxDowntimeMs !== undefined ? [`max-downtime ${s.limits.maxDowntimeMs} ms`] : []),
    ...(s.limits && (s.limits.maxTotalSeconds !== undefined || s.limits.maxDowntimeMs !== undefined) ? [`on-limit ${s.limits.onLimit}`] : []),
  ]
  return [`Prediction: ${predictionText(r)}.`, `  from: ${facts.join(', ')}; dirty rate ${dirtyRateText(prediction.dirtyRate)}.`]
}

/** The report's comparison: predicted, then what happened, then the error of the total time. */
export function comparisonLines(c: PredictionComparison): string[] {
  const basis = c.basis === 'measured-before-migrate' ? 'with what was measured right before the migration' : "the plan's"
  const actual = [
    ...(c.actual.migrateSeconds !== undefined ? [`virsh migrate took ${formatDuration(c.actual.migrateSeconds)}`] : []),
    ...(c.actual.lastIteration !== undefined ? [`last pass ${c.actual.lastIteration}`] : []),
    ...(c.actual.downtimeMs !== undefined ? [`downtime ${ms(c.actual.downtimeMs)}`] : []),
  ]
  return [
    `predicted (${basis}; dirty rate ${dirtyRateText(c.dirtyRate)}${c.ramBytes !== undefined ? `; ${ramText(c.ramBytes, c.residentMemory)}` : ''}): ${predictionText(c.predicted)}`,
    ...(actual.length > 0
      ? [
          `actual: ${actual.join(', ')}${c.totalErrorPercent !== undefined ? ` (total ${c.totalErrorPercent > 0 ? '+' : ''}${c.totalErrorPercent} % against the prediction)` : ''}`,
        ]
      : []),
  ]
}
