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
  /**
   * --rawstats `downtime` (VIR_DOMAIN_JOB_DOWNTIME): libvirt gives the downtime *expected* at the
   * switch-over while the job is active (QEMU's expected-downtime), the real one once completed.
   */
  downtimeMs?: number
  /** The labelled form's "Expected downtime" (an active job): the same figure as downtimeMs then. */
  expectedDowntimeMs?: number
  /** auto_converge_throttle: percent of vCPU time auto-converge takes from the guest now. */
  autoConvergeThrottle?: number
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
  auto_converge_throttle: 'autoConvergeThrottle',
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
  'auto converge throttle': 'autoConvergeThrottle',
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

const RAW_NAME = /^[a-z][a-z0-9_]*$/
const LABEL = /^[A-Za-z ]+$/

/**
 * Lines are cut at their first separator and trimmed, never matched whole: a pattern such as
 * `^\s*([A-Za-z ]+):` backtracks quadratically on a line of spaces (20,000 held the event loop
 * for 0.7 s, 200,000 for a minute), and this parses whatever a host prints while a migration runs.
 */
export function parseJobInfo(text: string): JobStats {
  const stats: Record<string, string | number> = {}
  for (const line of text.split('\n')) {
    // virsh 9 prints raw stats as `name: value`; other versions as `name=value`
    const sep = firstOf(line, ':', '=')
    if (sep < 0) continue
    const name = line.slice(0, sep).trim()
    if (RAW_NAME.test(name) && (Object.hasOwn(RAW_KEYS, name) || name.includes('_'))) {
      const key = Object.hasOwn(RAW_KEYS, name) ? RAW_KEYS[name] : undefined
      if (!key) continue
      const v = line.slice(sep + 1).trim()
      stats[key] = key === 'type' || key === 'operation' || key === 'errmsg' ? v : Number(v)
      continue
    }
    // the labelled form: `Label:` and at least one blank before the value
    const colon = line.indexOf(':')
    const label = line.slice(0, colon).trimStart()
    if (colon < 0 || !LABEL.test(label) || !/^\s/.test(line.slice(colon + 1, colon + 2))) continue
    const lower = label.trim().toLowerCase()
    const key = Object.hasOwn(LABELS, lower) ? LABELS[lower] : undefined
    if (!key || stats[key] !== undefined) continue
    const v = parseHumanValue(key, line.slice(colon + 1).trim())
    if (v !== undefined && !(typeof v === 'number' && Number.isNaN(v))) stats[key] = v
  }
  // --rawstats gives `type` as a number (0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled)
  const typeNames = ['None', 'Bounded', 'Unbounded', 'Completed', 'Failed', 'Cancelled']
  if (typeof stats.type === 'string' && /^\d+$/.test(stats.type)) stats.type = typeNames[Number(stats.type)] ?? stats.type
  return stats as JobStats
}

function firstOf(line: string, a: string, b: string): number {
  const i = line.indexOf(a)
  const j = line.indexOf(b)
  return i < 0 ? j : j < 0 ? i : Math.min(i, j)
}

/** Seconds to completion from the last two samples' remaining bytes; undefined when not converging. */
export function etaSeconds(prev: JobStats | undefined, cur: JobStats, intervalMs: number): number | undefined {
  if (!prev || prev.dataRemaining === undefined || cur.dataRemaining === undefined || intervalMs <= 0) return undefined
  const rate = ((prev.dataRemaining - cur.dataRemaining) / intervalMs) * 1000
  return rate > 0 ? Math.ceil(cur.dataRemaining / rate) : undefined
}

/** A migration job still running: libvirt's Bounded or Unbounded (None: no job; the rest: ended). */
export function isActiveJob(stats: JobStats): boolean {
  return stats.type === 'Unbounded' || stats.type === 'Bounded'
}

/**
 * How long the switch-over would pause the guest now, in ms, from an active job's statistics:
 * libvirt's expected downtime (VIR_DOMAIN_JOB_DOWNTIME while the job runs: QEMU's
 * expected-downtime, the bytes its last dirty-bitmap sync found / the current bandwidth; QEMU
 * starts it at its downtime target and updates it once it knows a dirty rate, i.e. after the first
 * pass), else the memory still to send at the current bandwidth. Undefined when neither is known.
 */
export function expectedDowntimeMs(stats: JobStats): number | undefined {
  if (!isActiveJob(stats)) return undefined
  const libvirts = stats.expectedDowntimeMs ?? stats.downtimeMs
  if (libvirts !== undefined && Number.isFinite(libvirts)) return libvirts
  if (stats.memoryRemaining !== undefined && stats.memoryBps !== undefined && stats.memoryBps > 0) return (stats.memoryRemaining / stats.memoryBps) * 1000
  return undefined
}
