/**
 * What libvirt answered to a dirty-rate measurement (dirty-rate-command.ts), as a DirtyRateFact:
 * measured, or why not. Pure: no I/O. A libvirt too old for the command or for --mode, a QEMU
 * without it, a guest that stopped: each is a typed "not measurable", never an exception.
 *
 * `virsh domstats --dirtyrate UUID` prints (libvirt 8.1+, virsh.rst domstats --dirtyrate):
 *
 *     Domain: 'linux01'
 *       dirtyrate.calc_status=2
 *       dirtyrate.calc_start_time=348414
 *       dirtyrate.calc_period=1
 *       dirtyrate.megabytes_per_second=4
 *       dirtyrate.calc_mode=dirty-bitmap
 *
 * calc_status is virDomainDirtyRateStatus: 0 unstarted, 1 measuring, 2 measured;
 * megabytes_per_second (MiB/s, whole: QEMU's do_calculate_dirtyrate truncates) only once measured;
 * dirty-ring mode adds dirtyrate.vcpu.N.megabytes_per_second. calc_start_time is QEMU's monotonic
 * clock, not a date: when it was measured is zmigrate's own clock.
 */
import type {DirtyRateFact, DirtyRateMode, DirtyRateUnavailable} from './facts-types.js'

const MiB = 1024 * 1024
const MODES: readonly string[] = ['page-sampling', 'dirty-bitmap', 'dirty-ring'] satisfies DirtyRateMode[]
const STATUS = ['unstarted', 'measuring', 'measured'] as const

export interface CommandOutput {
  exitCode: number
  stdout?: string
  stderr: string
}

export interface DomainStats {
  /** The name in `Domain: 'NAME'` (domstats prints names, not UUIDs). */
  domain: string
  stats: Map<string, string>
}

/** `virsh domstats` text: one record per `Domain: '…'` line, its indented `key=value` lines. */
export function parseDomstats(text: string): DomainStats[] {
  const records: DomainStats[] = []
  for (const line of text.split('\n')) {
    const head = /^Domain: '(.*)'\s*$/.exec(line)
    if (head) {
      records.push({domain: head[1], stats: new Map()})
      continue
    }
    const eq = line.indexOf('=')
    const current = records.at(-1)
    if (!current || eq < 0 || !/^\s/.test(line)) continue
    current.stats.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim())
  }
  return records
}

export interface DirtyRateStats {
  status?: (typeof STATUS)[number]
  periodSeconds?: number
  megabytesPerSecond?: number
  mode?: string
}

export function dirtyRateStatsOf(stats: ReadonlyMap<string, string>): DirtyRateStats {
  const whole = (key: string) => {
    const v = stats.get(key)
    return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined
  }
  const status = whole('dirtyrate.calc_status')
  const out: DirtyRateStats = {}
  if (status !== undefined && status < STATUS.length) out.status = STATUS[status]
  const period = whole('dirtyrate.calc_period')
  if (period !== undefined) out.periodSeconds = period
  const rate = whole('dirtyrate.megabytes_per_second')
  if (rate !== undefined) out.megabytesPerSecond = rate
  const mode = stats.get('dirtyrate.calc_mode')
  if (mode !== undefined) out.mode = mode
  return out
}

/**
 * Why a virsh command of the measurement failed, from its error text: virsh's own errors for a
 * command or option it lacks ("unknown command", "command '…' doesn't support option --mode"),
 * libvirt's for an inactive domain ("domain is not running"), QEMU's for a mode its accelerator
 * lacks ("mode dirty-ring is not enabled") or a command it lacks ("has not been found").
 */
export function dirtyRateFailure(r: CommandOutput): DirtyRateFact & {kind: 'not-measurable'} {
  const text = r.stderr.replace(/^error:\s*/gim, '').trim()
  const detail = text.split('\n').find((l) => l.trim() !== '') ?? `virsh exited with status ${r.exitCode}`
  const reason: DirtyRateUnavailable = /unknown command|doesn't support option --dirtyrate/i.test(text)
    ? 'command-unknown'
    : /doesn't support option --mode/i.test(text) || /\bmode\b[^\n]*(not (enabled|supported)|unsupported|unexpected)/i.test(text)
      ? 'mode-unsupported'
      : /not running|inactive domain/i.test(text)
        ? 'guest-not-running'
        : /calc-dirty-rate[^\n]*has not been found|not supported|unsupported/i.test(text)
          ? 'qemu-unsupported'
          : 'failed'
  return {kind: 'not-measurable', reason, detail: detail.trim()}
}

/** After `domdirtyrate-calc`: undefined when the measurement started, else why it could not. */
export function dirtyRateFromCalc(r: CommandOutput): DirtyRateFact | undefined {
  return r.exitCode === 0 ? undefined : dirtyRateFailure(r)
}

/**
 * After `domstats --dirtyrate UUID` (one guest): the measurement, 'measuring' while libvirt says it
 * is not done (read again), or why there is none. A result of another mode or length than the one
 * zmigrate started is another run's (someone measured meanwhile): superseded, not used.
 */
export function dirtyRateFromStats(
  r: CommandOutput,
  requestedSeconds: number,
  measuredAt: Date,
  requestedMode: DirtyRateMode = 'dirty-bitmap',
): DirtyRateFact | 'measuring' {
  if (r.exitCode !== 0) return dirtyRateFailure(r)
  const record = parseDomstats(r.stdout ?? '')[0]
  const notMeasurable = (reason: DirtyRateUnavailable, detail: string): DirtyRateFact => ({kind: 'not-measurable', reason, detail})
  if (!record) return notMeasurable('failed', 'virsh domstats --dirtyrate printed no domain')
  const s = dirtyRateStatsOf(record.stats)
  if (s.status === 'measuring') return 'measuring'
  if (s.status !== 'measured')
    return notMeasurable(
      'failed',
      `libvirt reports no finished measurement for ${record.domain} (calc_status ${record.stats.get('dirtyrate.calc_status') ?? 'missing'})`,
    )
  if (s.mode === undefined || !MODES.includes(s.mode))
    return notMeasurable('failed', `libvirt does not say which mode measured ${record.domain} (calc_mode ${s.mode ?? 'missing'})`)
  if (s.mode !== requestedMode || (s.periodSeconds !== undefined && s.periodSeconds !== requestedSeconds)) {
    return notMeasurable(
      'superseded',
      `the last measurement of ${record.domain} is another one (${s.mode}, ${s.periodSeconds ?? '?'} s), not the ${requestedMode} one of ${requestedSeconds} s zmigrate started`,
    )
  }
  if (s.megabytesPerSecond === undefined) return notMeasurable('failed', `libvirt gives no dirtyrate.megabytes_per_second for ${record.domain}`)
  return {
    kind: 'measured',
    bytesPerSecond: s.megabytesPerSecond * MiB,
    mode: s.mode,
    seconds: s.periodSeconds ?? requestedSeconds,
    measuredAt: measuredAt.toISOString(),
  }
}

/** When libvirt still says "measuring" after the caller has waited long enough. */
export function dirtyRateNotFinished(waitedMs: number): DirtyRateFact {
  return {kind: 'not-measurable', reason: 'not-finished', detail: `libvirt was still measuring after ${Math.round(waitedMs / 1000)} s`}
}
