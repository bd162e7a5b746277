/**
 * Measuring a guest's dirty rate with libvirt: the virsh argv (after `virsh -c URI`, as steps
 * pass it), every value checked to its domain first. The output is parse-dirty-rate.ts's.
 *
 *   virsh domdirtyrate-calc --domain UUID --seconds N --mode dirty-bitmap   (returns at once)
 *   ... N seconds later ...
 *   virsh domstats --dirtyrate UUID      (dirtyrate.calc_status=2 once measured; 1 while measuring)
 *
 * domdirtyrate-calc and domstats --dirtyrate exist since libvirt 7.2 (virDomainStartDirtyRateCalc),
 * --mode and dirtyrate.calc_mode since 8.1 (libvirt NEWS 8.1.0, virDomainDirtyRateCalcFlags); QEMU's
 * calc-dirty-rate since 5.2, its dirty-bitmap mode since 6.2 (qemu commit 826b8bc8). N is 1 to 60
 * (virsh.rst domdirtyrate-calc: "60s at most", default 1).
 *
 * Why dirty-bitmap on KVM: it counts the pages the guest wrote during the period from KVM's dirty
 * log, the same log pre-copy reads to find what to send again (memory_global_dirty_log_sync), so it
 * measures what a migration will have to resend. page-sampling, libvirt's default, hashes a
 * sample of pages (512 per GiB) at the start and end and counts a page dirty only when its hash
 * changed (migration/dirtyrate.c): a writer that rewrites pages with the same bytes (a memcpy of
 * the same buffer, zeroing already-zero pages) changes no hash and is not counted, though every
 * such page is resent, and RAM blocks under 128 MiB are not sampled at all (MIN_RAMBLOCK_SIZE).
 * It under-reports exactly the guests that do not converge. dirty-ring needs KVM's dirty ring,
 * which s390x does not have ("mode dirty-ring is not enabled", tp-libvirt#4739). The cost of
 * dirty-bitmap: dirty logging is on for the N seconds, as during a migration, so the guest takes
 * write-protection faults meanwhile.
 *
 * Why page-sampling for a TCG guest (`<domain type='qemu'>`): dirty-bitmap mode counts the pages
 * in QEMU's total_dirty_pages, which only the KVM dirty-log sync adds to
 * (cpu_physical_memory_set_dirty_lebitmap; qemu commit "memory: introduce total_dirty_pages to stat
 * dirty pages", 2021); TCG marks its writes in the bitmaps directly and is never counted. Measured
 * on the lab (TCG): dirty-bitmap said 0 MiB/s for a guest whose live migration re-sent 35 MiB in
 * its second pass. page-sampling hashes guest memory and works under any accelerator; its
 * blind spot (rewrites with the same bytes) stays, so it is only used where the other mode cannot
 * see anything at all. On IBM Z hosts guests are kvm: dirty-bitmap.
 *
 * A libvirt without the command or without --mode is not asked for page-sampling instead: a
 * figure that says "converges" for a guest that does not is worse than none. It is reported as not
 * measurable (parse-dirty-rate.ts), and the rule that reads the rate stays silent.
 *
 * The guest is named by UUID, as every step names it (virsh resolves --domain X as an ID first):
 * a UUID cannot be read as an option either, so domstats takes it as its operand.
 */
import type {DirtyRateMode} from './facts-types.js'

/** The mode for a guest of this domain type (`<domain type=…>`): see the header. Unknown: kvm's. */
export function dirtyRateModeFor(domainType: string | undefined): DirtyRateMode {
  return domainType === 'qemu' ? 'page-sampling' : 'dirty-bitmap'
}
/** virsh domdirtyrate-calc --seconds: 1 to 60 (QEMU's calc-time is 1 to 60 s as well). */
export const DIRTY_RATE_SECONDS = {min: 1, max: 60} as const
/** How many windows one measurement takes, one after another (dirty-rate-measure.ts): 1 to 10. */
export const DIRTY_RATE_WINDOWS = {min: 1, max: 10} as const

/**
 * How a guest's dirty rate is sampled: `windows` measurements of `seconds` each, one after another,
 * and the highest taken (dirty-rate-measure.ts says why). Profile migration.dirty-rate-seconds and
 * migration.dirty-rate-windows.
 */
export interface DirtyRateSampling {
  seconds: number
  windows: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface DirtyRateRequest {
  /** The guest's UUID. */
  domain: string
  /** How long libvirt measures. */
  seconds: number
  /** dirtyRateModeFor(the guest's domain type); default dirty-bitmap. */
  mode?: DirtyRateMode
}

/** Starts the measurement; the result is ready `seconds` later (dirtyRateStatsArgv). */
export function dirtyRateCalcArgv(req: DirtyRateRequest): string[] {
  return [
    'domdirtyrate-calc',
    '--domain',
    checkedUuid(req.domain),
    '--seconds',
    String(checkedSeconds(req.seconds)),
    '--mode',
    checkedMode(req.mode ?? 'dirty-bitmap'),
  ]
}

/** Reads the last measurement of the guest. */
export function dirtyRateStatsArgv(domain: string): string[] {
  return ['domstats', '--dirtyrate', checkedUuid(domain)]
}

/**
 * How long to wait after starting before the first read: the period. QEMU finishes the figure a
 * little after it (a last bitmap sync, or hashing the sampled pages again); the read is repeated
 * while libvirt says it is still measuring (dirty-rate-measure.ts STATS_POLL).
 */
export function dirtyRateWaitMs(seconds: number): number {
  return checkedSeconds(seconds) * 1000
}

/** The sampling, each value checked to its domain. */
export function checkedSampling(s: DirtyRateSampling): DirtyRateSampling {
  const {windows} = s
  if (!Number.isInteger(windows) || windows < DIRTY_RATE_WINDOWS.min || windows > DIRTY_RATE_WINDOWS.max) {
    throw new TypeError(`a dirty-rate measurement takes ${DIRTY_RATE_WINDOWS.min} to ${DIRTY_RATE_WINDOWS.max} windows, not ${windows}`)
  }
  return {seconds: checkedSeconds(s.seconds), windows}
}

function checkedMode(mode: DirtyRateMode): DirtyRateMode {
  if (mode !== 'dirty-bitmap' && mode !== 'page-sampling')
    throw new TypeError(`zmigrate measures in dirty-bitmap or page-sampling mode, not ${JSON.stringify(String(mode))}`)
  return mode
}

function checkedUuid(domain: string): string {
  if (typeof domain !== 'string' || !UUID.test(domain)) {
    throw new TypeError(`a dirty-rate measurement names the guest by UUID, not ${JSON.stringify(String(domain).slice(0, 60))}`)
  }
  return domain.toLowerCase()
}

function checkedSeconds(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < DIRTY_RATE_SECONDS.min || seconds > DIRTY_RATE_SECONDS.max) {
    throw new TypeError(`a dirty-rate measurement lasts ${DIRTY_RATE_SECONDS.min} to ${DIRTY_RATE_SECONDS.max} whole seconds, not ${seconds}`)
  }
  return seconds
}
