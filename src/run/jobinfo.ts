/**
 * `virsh domjobinfo [--completed] --rawstats` → numbers. --rawstats prints libvirt's typed
 * parameters (`time_elapsed: 622`, `data_processed: …`, VIR_DOMAIN_JOB_* names; virsh 9.0 seen in the lab); the labelled
 * human form ("Data processed: 33.000 MiB") is parsed as a fallback for older virsh.
 * Unknown fields are ignored: QEMU and libvirt add states and fields over time (peers.md §1.6).
 */
export interface JobStats {
  /** None | Unbounded | Completed | Failed | Cancelled */
  type?: string
  operation?: string
  elapsedMs?: number
  dataTotal?: number
  dataProcessed?: number
  dataRemaining?: number
  memoryTotal?: number
  memoryProcessed?: number
  memoryRemaining?: number
  /** bytes/s */
  memoryBps?: number
  /** pages/s */
  dirtyRate?: number
  pageSize?: number
  iteration?: number
  diskTotal?: number
  diskProcessed?: number
  diskRemaining?: number
  diskBps?: number
  downtimeMs?: number
  expectedDowntimeMs?: number
  setupTimeMs?: number
  errmsg?: string
}

const RAW_KEYS: Record<string, keyof JobStats> = {
  type: 'type',
  operation: 'operation',
  time_elapsed: 'elapsedMs',
  data_total: 'dataTotal',
  data_processed: 'dataProcessed',
  data_remaining: 'dataRemaining',
  memory_total: 'memoryTotal',
  memory_processed: 'memoryProcessed',
  memory_remaining: 'memoryRemaining',
  memory_bps: 'memoryBps',
  memory_dirty_rate: 'dirtyRate',
  memory_page_size: 'pageSize',
  memory_iteration: 'iteration',
  disk_total: 'diskTotal',
  disk_processed: 'diskProcessed',
  disk_remaining: 'diskRemaining',
  disk_bps: 'diskBps',
  downtime: 'downtimeMs',
  setup_time: 'setupTimeMs',
  errmsg: 'errmsg',
}

const LABELS: Record<string, keyof JobStats> = {
  'job type': 'type',
  operation: 'operation',
  'time elapsed': 'elapsedMs',
  'data total': 'dataTotal',
  'data processed': 'dataProcessed',
  'data remaining': 'dataRemaining',
  'memory total': 'memoryTotal',
  'memory processed': 'memoryProcessed',
  'memory remaining': 'memoryRemaining',
  'memory bandwidth': 'memoryBps',
  'dirty rate': 'dirtyRate',
  'page size': 'pageSize',
  iteration: 'iteration',
  'file total': 'diskTotal',
  'file processed': 'diskProcessed',
  'file remaining': 'diskRemaining',
  'file bandwidth': 'diskBps',
  'total downtime': 'downtimeMs',
  'expected downtime': 'expectedDowntimeMs',
  'setup time': 'setupTimeMs',
  'error message': 'errmsg',
}

const UNITS: Record<string, number> = {b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4}

function parseHumanValue(key: keyof JobStats, value: string): string | number | undefined {
  if (key === 'type' || key === 'operation' || key === 'errmsg') return value
  const m = /^(-?[\d.]+)\s*([A-Za-z]+)?(?:\/s)?/.exec(value)
  if (!m) return undefined
  const n = Number(m[1])
  const unit = (m[2] ?? '').toLowerCase()
  if (unit in UNITS) return Math.round(n * UNITS[unit])
  return n
}

export function parseJobInfo(text: string): JobStats {
  const stats: Record<string, string | number> = {}
  for (const line of text.split('\n')) {
    // virsh 9 prints raw stats as `name: value`; other versions as `name=value`
    const raw = /^\s*([a-z][a-z0-9_]*)\s*[=:]\s*(.*)$/.exec(line)
    if (raw && (RAW_KEYS[raw[1]] || /_/.test(raw[1]))) {
      const key = RAW_KEYS[raw[1]]
      if (!key) continue
      const v = raw[2].trim()
      stats[key] = key === 'type' || key === 'operation' || key === 'errmsg' ? v : Number(v)
      continue
    }
    const labelled = /^\s*([A-Za-z ]+):\s+(.*)$/.exec(line)
    if (labelled) {
      const key = LABELS[labelled[1].trim().toLowerCase()]
      if (!key || stats[key] !== undefined) continue
      const v = parseHumanValue(key, labelled[2].trim())
      if (v !== undefined && !(typeof v === 'number' && Number.isNaN(v))) stats[key] = v
    }
  }
  // --rawstats gives `type` as a number (0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled)
  const typeNames = ['None', 'Bounded', 'Unbounded', 'Completed', 'Failed', 'Cancelled']
  if (typeof stats.type === 'string' && /^\d+$/.test(stats.type)) stats.type = typeNames[Number(stats.type)] ?? stats.type
  return stats as JobStats
}

/** Seconds to completion from the last two samples' remaining bytes; undefined when not converging. */
export function etaSeconds(prev: JobStats | undefined, cur: JobStats, intervalMs: number): number | undefined {
  if (!prev || prev.dataRemaining === undefined || cur.dataRemaining === undefined || intervalMs <= 0) return undefined
  const rate = ((prev.dataRemaining - cur.dataRemaining) / intervalMs) * 1000
  return rate > 0 ? Math.ceil(cur.dataRemaining / rate) : undefined
}
