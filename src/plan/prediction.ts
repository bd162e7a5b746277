/**
 * The plan's prediction (PlanPrediction): the migration model run on what the check knows about
 * this guest under the profile's policy. Pure.
 *
 * Facts: its current memory, the disks the migration copies (allocated sizes: rules/
 * storage-helpers.ts copiedDiskBytes), the bandwidth the policy gives (bandwidth, or
 * total-bandwidth as the bound; in an evacuation window, its share), auto-converge, timeout and
 * limits (predict/policy.ts scenarioFromPolicy, the same function the rule migration-may-not-converge
 * uses), and the dirty rate and resident RAM check measured. Not measured (the default: measuring
 * costs seconds per guest), the model assumes a dirty rate of 0 and all of the guest's memory to
 * send, and the plan says so. The plan also says how migrate measures the guest right before it
 * moves (`measure`: the dirty-rate mode for its domain type, its size for the resident RAM). No
 * bandwidth in the profile: no prediction, and the plan says why; guessing the link's would be
 * pretending.
 */
import {dirtyRateModeFor} from '../hosts/dirty-rate-command.js'
import type {DirtyRateFact, ResidentMemoryFact} from '../hosts/facts-types.js'
import {modelRates} from '../hosts/measured-rate.js'
import {scenarioFromPolicy} from '../predict/policy.js'
import {predictMigration} from '../predict/precopy.js'
import {PredictionInputError} from '../predict/types.js'
import {copiedDiskBytes} from '../rules/storage-helpers.js'
import type {CheckContext} from '../rules/types.js'
import type {MigrateOptions, PlanPrediction} from './types.js'

export const NO_BANDWIDTH = 'the profile gives no migration.bandwidth (or total-bandwidth): the model needs the bandwidth, and zmigrate does not guess the link'

/** The prediction for a live migration; undefined for an offline or non-live one (nothing dirties memory while it moves). */
export function planPrediction(ctx: CheckContext, migrate: Pick<MigrateOptions, 'mode'>): PlanPrediction | undefined {
  if (migrate.mode !== 'live') return undefined
  const {guest, profile} = ctx
  const summary = guest.state === 'running' ? measuredSummary(ctx) : undefined
  const dirtyRate = summary?.dirtyRate
  const resident = summary?.residentMemory
  const memoryKiB = guest.domain.currentMemoryKiB ?? guest.domain.memoryKiB
  const scenario = scenarioFromPolicy(profile.migration, {
    memoryKiB,
    // a paused guest writes nothing while it moves
    ...(dirtyRate?.kind === 'measured' ? modelRates(dirtyRate) : {dirtyBytesPerSecond: 0}),
    diskBytes: copiedDiskBytes(ctx).bytes,
    ...(resident?.kind === 'measured' ? {residentBytes: resident.bytes} : {}),
  })
  if (!scenario) return {kind: 'unavailable', reason: NO_BANDWIDTH}
  const measure = {dirtyRateMode: dirtyRateModeFor(guest.domain.type), ...(guest.domain.memoryKiB !== undefined ? {memoryKiB: guest.domain.memoryKiB} : {})}
  try {
    return {
      kind: 'predicted',
      dirtyRate: dirtyRate ?? {kind: 'not-measured'},
      residentMemory: resident ?? {kind: 'not-measured'},
      measure,
      scenario,
      result: predictMigration(scenario),
    }
  } catch (error) {
    if (error instanceof PredictionInputError) return {kind: 'unavailable', reason: `the model cannot work with ${error.message}`}
    throw error
  }
}

function measuredSummary(ctx: CheckContext): {dirtyRate?: DirtyRateFact; residentMemory?: ResidentMemoryFact} | undefined {
  const uuid = ctx.guest.domain.uuid?.toLowerCase()
  return uuid === undefined ? undefined : ctx.source.guests.find((g) => g.uuid.toLowerCase() === uuid)
}
