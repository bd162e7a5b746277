/**
 * Seconds to go for a migration job from one sample: what remains at the rate libvirt reports
 * (memory_bps, disk_bps). jobinfo.ts's etaSeconds needs two samples and says nothing while a
 * pre-copy pass re-sends dirtied pages (the remainder grows); this answers from the first sample
 * on, and is what `zmigrate status` has (one sample per host).
 */
import type {JobStats} from './jobinfo.js'

export function rateEtaSeconds(stats: Pick<JobStats, 'dataRemaining' | 'memoryRemaining' | 'diskRemaining' | 'memoryBps' | 'diskBps'>): number | undefined {
  const memory = stats.memoryRemaining ?? (stats.diskRemaining === undefined ? stats.dataRemaining : undefined)
  const parts: number[] = []
  if (memory !== undefined && memory > 0) {
    if (!(stats.memoryBps !== undefined && stats.memoryBps > 0)) return undefined
    parts.push(memory / stats.memoryBps)
  }
  if (stats.diskRemaining !== undefined && stats.diskRemaining > 0) {
    if (!(stats.diskBps !== undefined && stats.diskBps > 0)) return undefined
    parts.push(stats.diskRemaining / stats.diskBps)
  }
  // libvirt copies the disks first (NBD), then memory: the parts add up
  return parts.length > 0 ? Math.ceil(parts.reduce((a, b) => a + b, 0)) : undefined
}
