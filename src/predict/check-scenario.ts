/**
 * The model's inputs checked before it runs: a zero bandwidth or a negative size is a caller's
 * mistake, reported with the field it is in, never a NaN in a prediction.
 */
import {PredictionInputError, type AutoConvergeParams, type MigrationScenario} from './types.js'

export function checkScenario(s: MigrationScenario): void {
  const atLeastZero = (field: string, v: number | undefined, what: string) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new PredictionInputError(field, `must be ${what} (0 or more), not ${v}`)
  }
  const positive = (field: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new PredictionInputError(field, `must be a positive number, not ${v}`)
  }
  if (!(Number.isFinite(s.bandwidthBytesPerSecond) && s.bandwidthBytesPerSecond > 0)) {
    throw new PredictionInputError(
      'bandwidthBytesPerSecond',
      `must be a positive number, not ${s.bandwidthBytesPerSecond}: with no bandwidth nothing moves and no migration ends`,
    )
  }
  atLeastZero('ramBytes', s.ramBytes, 'a size in bytes')
  atLeastZero('dirtyBytesPerSecond', s.dirtyBytesPerSecond, 'a rate in bytes per second')
  atLeastZero('averageDirtyBytesPerSecond', s.averageDirtyBytesPerSecond, 'a rate in bytes per second')
  atLeastZero('diskBytes', s.diskBytes, 'a size in bytes')
  atLeastZero('setupSeconds', s.setupSeconds, 'a time in seconds')
  atLeastZero('workingSetBytes', s.workingSetBytes, 'a size in bytes')
  if (s.ramBytes === undefined || s.dirtyBytesPerSecond === undefined) throw new PredictionInputError('ramBytes', 'RAM and dirty rate are required')
  if (!(Number.isFinite(s.downtimeLimitMs) && s.downtimeLimitMs > 0))
    throw new PredictionInputError('downtimeLimitMs', `must be a positive number, not ${s.downtimeLimitMs}`)
  positive('bandwidthCapBytesPerSecond', s.bandwidthCapBytesPerSecond)
  const n = s.parallelConnections ?? 1
  if (!Number.isInteger(n) || n < 0) throw new PredictionInputError('parallelConnections', `must be a whole number (0 or more), not ${n}`)
  positive('timeout.seconds', s.timeout?.seconds)
  positive('limits.maxTotalSeconds', s.limits?.maxTotalSeconds)
  positive('limits.maxDowntimeMs', s.limits?.maxDowntimeMs)
  if (s.autoConverge) checkAutoConverge(s.autoConverge)
}

/** QEMU's ranges (qapi/migration.json): the throttle percentages 1..99, the trigger 1..100. */
function checkAutoConverge(ac: AutoConvergeParams): void {
  const pct = (field: string, v: number, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new PredictionInputError(`autoConverge.${field}`, `must be a whole percentage 1..${max}, not ${v}`)
  }
  pct('initialPercent', ac.initialPercent, 99)
  pct('incrementPercent', ac.incrementPercent, 99)
  pct('maxPercent', ac.maxPercent, 99)
  pct('triggerPercent', ac.triggerPercent, 100)
}
