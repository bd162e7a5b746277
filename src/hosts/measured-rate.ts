/**
 * A measured dirty rate as its readers use it: the figures the migration model takes (the highest
 * window, and the windows' average when there were several), and how it was measured in an admin's
 * words, for the rule's message and the reports.
 */
import {formatBytes} from '../units.js'
import type {DirtyRateFact} from './facts-types.js'

type Measured = DirtyRateFact & {kind: 'measured'}

/** The model's rates (predict/types.ts MigrationScenario): the highest window, and the average of several. */
export function modelRates(rate: Measured): {dirtyBytesPerSecond: number; averageDirtyBytesPerSecond?: number} {
  const windows = rate.windowBytesPerSecond
  if (!windows || windows.length < 2) return {dirtyBytesPerSecond: rate.bytesPerSecond}
  return {dirtyBytesPerSecond: rate.bytesPerSecond, averageDirtyBytesPerSecond: windows.reduce((a, b) => a + b, 0) / windows.length}
}

/** 'dirty-bitmap, 1 s' or 'page-sampling, highest of 3 windows of 1 s: 2 MiB/s, 36 MiB/s, 4 MiB/s'. */
export function howMeasured(rate: Measured): string {
  const windows = rate.windowBytesPerSecond
  if (!windows || windows.length < 2) return `${rate.mode}, ${rate.seconds} s`
  return `${rate.mode}, highest of ${windows.length} windows of ${rate.seconds} s: ${windows.map((w) => `${formatBytes(w)}/s`).join(', ')}`
}
