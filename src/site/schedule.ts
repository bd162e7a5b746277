/**
 * Running an evacuation within the profile's limits, decided without I/O: which queued
 * migrations may start now, and what bandwidth each gets. A rolling window (a slot that frees
 * is filled at once), not "start N, wait for all" (the complaint in gyptazy/ProxLB#422).
 */
import type {ConcurrencyLimits, MigrationPolicy} from '../profiles/types.js'

export interface MigrationSlot {
  guest: string
  source: string
  destination: string
}

/**
 * The queued migrations that may start now, in queue order: each while the site, its source's
 * outgoing and its destination's incoming limits leave room, counting the running ones and
 * those started before it. One that must wait does not hold back a later one that fits.
 */
export function startable(queue: readonly MigrationSlot[], running: readonly MigrationSlot[], limits: ConcurrencyLimits): MigrationSlot[] {
  const leaving = new Map<string, number>()
  const arriving = new Map<string, number>()
  const count = (slot: MigrationSlot) => {
    leaving.set(slot.source, (leaving.get(slot.source) ?? 0) + 1)
    arriving.set(slot.destination, (arriving.get(slot.destination) ?? 0) + 1)
  }
  running.forEach(count)
  let total = running.length
  const start: MigrationSlot[] = []
  for (const slot of queue) {
    if (total >= limits.site) break
    if ((leaving.get(slot.source) ?? 0) >= limits.outgoing || (arriving.get(slot.destination) ?? 0) >= limits.incoming) continue
    start.push(slot)
    count(slot)
    total++
  }
  return start
}

/**
 * MiB/s for each of `running` migrations at once: total-bandwidth shared equally, never more than
 * the per-migration bandwidth, at least 1 (0 is no usable cap: libvirt reads it as none given). Undefined:
 * no limit at all.
 */
export function bandwidthShare(policy: Pick<MigrationPolicy, 'bandwidthMiB' | 'totalBandwidthMiB'>, running: number): number | undefined {
  const share = policy.totalBandwidthMiB === undefined ? undefined : Math.max(1, Math.floor(policy.totalBandwidthMiB / Math.max(1, running)))
  if (share === undefined) return policy.bandwidthMiB
  return policy.bandwidthMiB === undefined ? share : Math.min(share, policy.bandwidthMiB)
}
