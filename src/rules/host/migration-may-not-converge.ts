import {howMeasured, modelRates} from '../../hosts/measured-rate.js'
import {convergingAlternatives, type Alternative} from '../../predict/alternatives.js'
import {scenarioFromPolicy} from '../../predict/policy.js'
import {predictMigration} from '../../predict/precopy.js'
import type {MigrationScenario, Prediction} from '../../predict/types.js'
import {formatBytes, formatDuration} from '../../units.js'
import {guestSubject, isOfflineMigration} from '../host-helpers.js'
import {copiedDiskBytes} from '../storage-helpers.js'
import type {Rule} from '../types.js'

/**
 * A live migration whose guest dirties memory faster than pre-copy can carry it never reaches
 * QEMU's switch-over (the rest must fit in the downtime target at the bandwidth), and virsh
 * migrate runs until a timeout pauses the guest or someone cancels. With a measured dirty rate
 * (dirty-bitmap mode, src/hosts/dirty-rate-command.ts) and the profile's bandwidth, the model
 * (src/predict) tells before the window; the remedy names what would converge instead.
 *
 * Silent unless the guest's dirty rate was measured (profile migration.measure-dirty-rate, or
 * before migrate) and the profile gives a bandwidth (bandwidth, or total-bandwidth as an upper
 * bound): without both there is nothing to predict from, and guessing would be pretending. Only
 * live migrations of running guests: a paused, non-live or offline one dirties nothing while it
 * moves. Disks to copy count with their allocated size (qemu-img's actual size; the virtual size
 * when that is unknown), as the NBD mirror skips holes.
 *
 * Severity: warning. The verdict rests on a few seconds' sample taken at check time, not in the
 * window, and on a model that ignores zero pages and compression; and a migration that does not
 * converge harms no data by itself: pre-copy leaves the guest running on the source, and a cancel
 * rolls back. What it costs is the change window, so the admin must see it before the window, not
 * have the plan refused on a prediction. Blocker only when the profile's own limit would cancel it
 * for sure (max-total or max-downtime with on-limit: cancel) and the verdict does not depend on
 * the model's approximations: the guest dirties memory at least as fast as the migration carries
 * it even at the strongest throttle the policy allows (no pass can leave less than the one before),
 * or a single pass over disks and RAM takes longer than max-total. Starting would then spend
 * max-total of the window and roll back.
 */
export const migrationMayNotConverge: Rule = {
  id: 'migration-may-not-converge',
  category: 'host',
  severity: 'warning',
  summary: "The guest's measured dirty rate is too high for pre-copy to converge within the profile's bandwidth, downtime and limits.",
  remedy:
    'Enable auto-converge or post-copy in the profile, give the migration more bandwidth (migration.bandwidth and a link that carries it), or migrate at a time when the guest writes less memory.',
  measured: true,
  source:
    'QEMU migration/migration.c migration_iteration_run (switch-over when pending bytes < bandwidth x downtime-limit), migration/ram.c migration_trigger_throttle (auto-converge); Akoush et al., "Predicting the Performance of Virtual Machine Migration" (MASCOTS 2010); libvirt virsh domdirtyrate-calc; IBM KVM Virtual Server Management, "Performing a live migration" (auto-converge, timeout)',
  check(ctx) {
    const {guest, profile} = ctx
    if (isOfflineMigration(ctx) || guest.state !== 'running' || profile.migration.mode === 'non-live') return []
    const uuid = guest.domain.uuid?.toLowerCase()
    const summary = uuid === undefined ? undefined : ctx.source.guests.find((g) => g.uuid.toLowerCase() === uuid)
    const measured = summary?.dirtyRate
    if (measured?.kind !== 'measured') return []
    const disks = copiedDiskBytes(ctx)
    const memoryKiB = guest.domain.currentMemoryKiB ?? guest.domain.memoryKiB
    const resident = summary?.residentMemory?.kind === 'measured' ? {residentBytes: summary.residentMemory.bytes} : {}
    const scenario = scenarioFromPolicy(profile.migration, {memoryKiB, ...modelRates(measured), diskBytes: disks.bytes, ...resident})
    if (!scenario) return []
    const prediction = predictMigration(scenario)
    if (prediction.converges) return []
    const alternatives = convergingAlternatives(scenario)
    const certain = cancelledForSure(scenario, prediction)
    const rate = `${formatBytes(measured.bytesPerSecond)}/s`
    const sizes = disks.unknown.length > 0 ? ` (sizes unknown, not counted: ${disks.unknown.join(', ')})` : ''
    return [
      {
        subject: guestSubject(guest.name),
        severity: certain ? 'blocker' : undefined,
        message: `${guest.name} dirties ${rate} (${howMeasured(measured)}, at ${measured.measuredAt}) and the migration carries ${formatBytes(prediction.bandwidthBytesPerSecond)}/s: ${outcomeText(scenario, prediction)}${disks.bytes > 0 ? `; ${formatBytes(disks.bytes)} of disks are copied first${sizes}` : ''}`,
        remedy: remedyText(alternatives, rate),
        data: {
          dirtyBytesPerSecond: measured.bytesPerSecond,
          dirtyRateMode: measured.mode,
          ...(measured.windowBytesPerSecond ? {dirtyRateWindows: measured.windowBytesPerSecond} : {}),
          measuredAt: measured.measuredAt,
          certain,
          prediction,
          alternatives: alternatives.map((a) => ({kind: a.kind, value: a.value, totalSeconds: a.prediction.totalSeconds, outcome: a.prediction.outcome})),
        },
      },
    ]
  },
}

/**
 * A cancel the model's approximations cannot talk away: the limit cancels, and either pre-copy
 * cannot shrink what is left at all (dirty rate at the strongest throttle >= bandwidth), or one pass
 * over disks and RAM alone outlasts max-total.
 */
function cancelledForSure(s: MigrationScenario, p: Prediction): boolean {
  if (p.outcome !== 'cancelled') return false
  const floor = s.dirtyBytesPerSecond * (s.autoConverge ? 1 - s.autoConverge.maxPercent / 100 : 1)
  const onePass = ((s.diskBytes ?? 0) + s.ramBytes) / p.bandwidthBytesPerSecond
  return floor >= p.bandwidthBytesPerSecond || (p.endedBy === 'max-total' && s.limits?.maxTotalSeconds !== undefined && onePass > s.limits.maxTotalSeconds)
}

function outcomeText(s: MigrationScenario, p: Prediction): string {
  const fits = `the rest must be below ${formatBytes((p.bandwidthBytesPerSecond * s.downtimeLimitMs) / 1000)} to switch over within ${s.downtimeLimitMs} ms`
  const unbounded = predictMigration({...s, timeout: undefined, limits: undefined})
  const wouldNeed = unbounded.converges && unbounded.totalSeconds !== undefined ? ` (it would need about ${formatDuration(unbounded.totalSeconds)})` : ''
  switch (p.outcome) {
    case 'never':
      return `pre-copy never converges: no pass leaves less dirty memory than the one before, and ${fits}; virsh migrate would run until cancelled`
    case 'cancelled':
      return p.endedBy === 'max-downtime'
        ? `pre-copy does not converge (${fits}), and finishing would pause the guest longer than max-downtime ${s.limits?.maxDowntimeMs} ms: on-limit cancel ends it and rolls back`
        : `pre-copy has not converged after max-total ${s.limits?.maxTotalSeconds} s${wouldNeed}: on-limit cancel ends it after ${p.iterations ?? 0} pass${p.iterations === 1 ? '' : 'es'} and rolls back`
    case 'suspended': {
      const what = p.endedBy === 'timeout' ? `virsh's timeout (${s.timeout?.seconds} s)` : `max-total (${s.limits?.maxTotalSeconds} s, on-limit suspend)`
      return `pre-copy has not converged when ${what} pauses the guest to finish${wouldNeed}: it stays paused about ${formatDuration((p.downtimeMs ?? 0) / 1000)}, not ${s.downtimeLimitMs} ms`
    }
    default:
      return `pre-copy does not converge (${fits})`
  }
}

function remedyText(alternatives: readonly Alternative[], rate: string): string {
  if (alternatives.length === 0) {
    return 'Nothing zmigrate models converges at these figures: reduce what the guest writes during the migration (pause its workload), migrate it offline (shut it down first), or give it a much faster link.'
  }
  const about = (a: Alternative) => (a.prediction.totalSeconds === undefined ? '' : `, about ${formatDuration(a.prediction.totalSeconds)} in all`)
  const options = alternatives.map((a) => {
    switch (a.kind) {
      case 'auto-converge':
        return `set migration.auto-converge: true (converges${about(a)}, the guest's vCPUs throttled up to ${a.value} %)`
      case 'postcopy':
        return `enable post-copy with migration.postcopy-after: ${a.value} (the guest runs on the destination after about ${formatDuration(a.value)}${about(a)}; needs userfaultfd on the destination, and a network failure during post-copy pauses the guest on both hosts)`
      case 'more-bandwidth':
        return `give the migration at least ${formatBytes(a.value)}/s (migration.bandwidth, total-bandwidth, and a link that carries it${about(a)})`
      case 'more-connections':
        return `set migration.parallel-connections: ${a.value}${about(a)}`
      case 'quieter-time':
        return `migrate when the guest dirties at most ${formatBytes(a.value)}/s (measured now: ${rate}${about(a)})`
    }
  })
  return `${options.map((o, i) => (i === 0 ? o.charAt(0).toUpperCase() + o.slice(1) : o)).join('; or ')}.`
}
