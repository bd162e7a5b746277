/**
 * Remedies for a migration that would not converge: the same scenario with one thing changed,
 * kept when the model says that one converges. Each is a policy the profile can set or a
 * condition the admin can arrange; the rule's remedy text names them (rules/host/
 * migration-may-not-converge.ts). Pure.
 */
import {predictMigration, usableBandwidth} from './precopy.js'
import {QEMU_AUTO_CONVERGE, type MigrationScenario, type Prediction} from './types.js'

const MiB = 1024 * 1024
/** The profile's limit for parallel-connections (virsh takes up to 255). */
const MAX_CONNECTIONS = 255

export type AlternativeKind = 'auto-converge' | 'postcopy' | 'more-bandwidth' | 'more-connections' | 'quieter-time'

export interface Alternative {
  kind: AlternativeKind
  /**
   * auto-converge: the throttle it ends at (percent); postcopy: the seconds of pre-copy before the
   * switch; more-bandwidth: the least usable bandwidth that converges (bytes/s, whole MiB/s);
   * more-connections: the fewest parallel connections that do; quieter-time: the highest dirty
   * rate that converges (bytes/s, whole MiB/s; 0: only a guest that writes almost nothing).
   */
  value: number
  prediction: Prediction
}

/** What would converge where `s` does not; empty when `s` converges (or completes by post-copy) already. */
export function convergingAlternatives(s: MigrationScenario): Alternative[] {
  if (predictMigration(s).converges) return []
  return [autoConverge(s), postcopy(s), moreBandwidth(s), moreConnections(s), quieterTime(s)].filter((a): a is Alternative => a !== undefined)
}

function converging(kind: Alternative['kind'], value: number, scenario: MigrationScenario): Alternative | undefined {
  const prediction = predictMigration(scenario)
  return prediction.converges ? {kind, value, prediction} : undefined
}

function autoConverge(s: MigrationScenario): Alternative | undefined {
  if (s.autoConverge) return undefined
  const scenario = {...s, autoConverge: QEMU_AUTO_CONVERGE}
  const prediction = predictMigration(scenario)
  return prediction.converges ? {kind: 'auto-converge', value: prediction.throttlePercent, prediction} : undefined
}

/** Post-copy after the first pass (as --postcopy-after-precopy): the pass that sends every page once. */
function postcopy(s: MigrationScenario): Alternative | undefined {
  if (s.timeout?.action === 'postcopy' || s.limits?.onLimit === 'postcopy') return undefined
  const B = usableBandwidth(s)
  const seconds = Math.max(1, Math.ceil(((s.diskBytes ?? 0) + s.ramBytes) / B))
  return converging('postcopy', seconds, {...s, timeout: {seconds, action: 'postcopy'}})
}

/** The least usable bandwidth that converges, in whole MiB/s (the profile's unit), as one stream (connections are another remedy). */
function moreBandwidth(s: MigrationScenario): Alternative | undefined {
  const at = (mibPerSecond: number): MigrationScenario => ({
    ...s,
    bandwidthBytesPerSecond: mibPerSecond * MiB,
    parallelConnections: 1,
    bandwidthCapBytesPerSecond: undefined,
  })
  const ok = (mibPerSecond: number) => predictMigration(at(mibPerSecond)).converges
  // lo never converges (it is at most today's bandwidth), hi does
  let lo = Math.floor(usableBandwidth(s) / MiB)
  let hi = Math.max(1, lo * 2)
  while (!ok(hi)) {
    if (hi > 2 ** 40) return undefined
    lo = hi
    hi *= 2
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (ok(mid)) hi = mid
    else lo = mid
  }
  return converging('more-bandwidth', hi * MiB, at(hi))
}

/** More connections help only up to the cap (the link, or a limit all channels share). */
function moreConnections(s: MigrationScenario): Alternative | undefined {
  const cap = s.bandwidthCapBytesPerSecond
  const now = Math.max(1, s.parallelConnections ?? 1)
  if (cap === undefined || usableBandwidth(s) >= cap) return undefined
  const enough = Math.min(MAX_CONNECTIONS, Math.ceil(cap / s.bandwidthBytesPerSecond))
  for (let n = now + 1; n <= enough; n++) {
    const found = converging('more-connections', n, {...s, parallelConnections: n})
    if (found) return found
  }
  return undefined
}

/** The highest dirty rate, in whole MiB/s, at which the same migration converges: a quieter time for the guest. */
function quieterTime(s: MigrationScenario): Alternative | undefined {
  // a guest writing at that rate steadily (no separate average)
  const {averageDirtyBytesPerSecond: _, ...steady} = s
  const at = (mibPerSecond: number): MigrationScenario => ({...steady, dirtyBytesPerSecond: mibPerSecond * MiB})
  const ok = (mibPerSecond: number) => predictMigration(at(mibPerSecond)).converges
  if (s.dirtyBytesPerSecond === 0 || !ok(0)) return undefined
  // lo converges, hi (at least today's rate) does not
  let lo = 0
  let hi = Math.ceil(s.dirtyBytesPerSecond / MiB)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (ok(mid)) lo = mid
    else hi = mid
  }
  return converging('quieter-time', lo * MiB, at(lo))
}
