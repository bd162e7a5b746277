/**
 * Measuring what a migration of each of a host's running guests will send: its dirty rate, and
 * its RAM resident on the host (resident-memory.ts). In ONE command on the host (one SSH round
 * trip however many guests), bounded in time: every guest's dirty-rate measurement started at once,
 * one wait of the window's length, every result read (again every 0.2 s, up to 2 s, while libvirt
 * still says measuring: QEMU finishes a figure a little after its period), as many times as the
 * sampling has windows; then every resident size. The virsh
 * commands are dirty-rate-command.ts's argv (the guest by UUID, the mode for its domain type and the
 * length checked); what the host answered becomes a DirtyRateFact (parse-dirty-rate.ts) and a
 * ResidentMemoryFact, never an exception.
 *
 * Why the highest of several short windows, not one long one. What decides whether pre-copy
 * converges is the rate during its passes, and the passes that matter, near the switch-over, last
 * about a second or less (a pass sends what the one before it let the guest dirty). A libvirt
 * figure is the distinct pages dirtied in its window, divided by its length: for a guest that
 * writes in bursts, a long window averages the pauses in and reads lower the longer it is, while
 * a short pass can run entirely inside a burst. Measured on the lab (zdemo with zm.dirty=32: it
 * rewrites 32 MiB, then sleeps a second), one window after another: 1 s windows read 2, 36, 4, 32,
 * 18 and 22 MiB/s, 2 s windows 15, 17 and 19, 5 s windows 4 to 9; its migration at 16 MiB/s never
 * converged (cancelled at max-total 120 s), at 64 MiB/s it did in 4-5 s. A single 2 s window said
 * "converges" at 16 MiB/s once in three runs, a 5 s one three times in three; the highest of three
 * 1 s windows read 20 to 50 in 21 measurements (three bench/predict runs, three of the e2e test),
 * above 16 and below 64 every time, and predicted that guest's outcome right at both bandwidths.
 * A steady writer reads the same in every window, so the highest costs it nothing; for a bursty one
 * it errs towards "may not converge", the side the rule is for. Each window's rate is kept: their
 * average is what the model times a converging migration at (predict/precopy.ts predictMigration).
 * The cost is time: each window and the moment QEMU takes to finish it: on the lab `check --measure`
 * of zdemo takes 3.8 s against 0.7 s without (medians of 5; 6.8 s with a fixed second's wait after
 * each window).
 *
 * The script is a constant. It takes its data as positional parameters: the frame mark, the
 * libvirt URI, the seconds to wait, then commands, each as `LABEL N ARG1 … ARGN` (a virsh argv of N
 * elements; for a `ram:` label the pid-file directory, the guest's name, UUID and <memory> in KiB)
 * or `:wait:`.
 * Each command's output (stdout and stderr together) is framed as the collect script's sections
 * are (frames.ts), under a random nonce, with its exit status.
 */
import {randomBytes} from 'node:crypto'
import {checkedSampling, dirtyRateCalcArgv, dirtyRateStatsArgv, dirtyRateWaitMs, type DirtyRateSampling} from './dirty-rate-command.js'
import type {DirtyRateFact, DirtyRateMode, ResidentMemoryFact} from './facts-types.js'
import {splitFrames, type Frame} from './frames.js'
import {dirtyRateFromCalc, dirtyRateFromStats, dirtyRateNotFinished, type CommandOutput} from './parse-dirty-rate.js'
import {QEMU_RUN_DIR, RESIDENT_STATUS, residentMemoryFrom, usableInRunDir} from './resident-memory.js'
import type {HostTransport} from './transport.js'
import {FRAME_BEGIN, FRAME_END, frameMark} from './wire-format.js'

export const WAIT_MARK = ':wait:'
/** A result libvirt still measures is read again this often, this many times (2 s); then it is not-finished. */
export const STATS_POLL = {seconds: 0.2, tries: 10} as const

/**
 * `( … )` keeps the outer parameters: it rotates the command's N arguments behind the rest and
 * shifts the rest away, so "$@" is exactly the command (POSIX sh has no arrays to slice). The wait
 * is skipped when every measurement before it failed to start (a libvirt without the command):
 * there is nothing to wait for. A `stats:` read that libvirt answers with calc_status=1 (measuring)
 * is repeated every STATS_POLL.seconds (1 s where the host's sleep takes no fractions).
 */
export const MEASURE_SCRIPT = `M=$1; uri=$2; pause=$3; shift 3; calcs=; started=
while [ $# -gt 0 ]; do
  if [ "$1" = ${WAIT_MARK} ]; then
    if [ -z "$calcs" ] || [ -n "$started" ]; then sleep "$pause"; fi
    calcs=; started=; shift; continue
  fi
  label=$1; n=$2; shift 2
  printf '\\n%s:${FRAME_BEGIN}:%s\\n' "$M" "$label"
  case $label in
  ram:*) (pid=; [ -f "$1/$2.pid" ] && read -r pid <"$1/$2.pid"; [ -f "$1/$2.pid" ] || { echo "no QEMU pid file $1/$2.pid"; exit ${RESIDENT_STATUS.noPidFile}; }
    case $pid in '' | *[!0-9]*) echo "$1/$2.pid holds no PID"; exit ${RESIDENT_STATUS.noPidFile};; esac
    tr '\\0' '\\n' <"/proc/$pid/cmdline" | grep -qxF -- "$3" || { echo "process $pid is not guest $3"; exit ${RESIDENT_STATUS.notThisGuest}; }
    grep -E '^[0-9a-f]+-[0-9a-f]+ |^(Size|Rss):' "/proc/$pid/smaps" | grep -E -B1 -A1 "^Size: +$4 kB$") 2>&1;;
  *) (i=0; rest=$(($# - n)); while [ $i -lt "$n" ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done; shift "$rest"
    case $label in stats:*) ;; *) exec virsh -c "$uri" "$@";; esac
    tries=0
    while out=$(virsh -c "$uri" "$@" 2>&1); st=$?; [ "$tries" -lt ${STATS_POLL.tries} ] && case $out in *dirtyrate.calc_status=1*) true;; *) false;; esac; do
      tries=$((tries + 1)); sleep ${STATS_POLL.seconds} 2>/dev/null || sleep 1
    done
    printf '%s\n' "$out"; exit "$st") 2>&1;;
  esac
  st=$?
  printf '\\n%s:${FRAME_END}:%s:%s\\n' "$M" "$label" "$st"
  case $label in calc:*) calcs=1; [ "$st" = 0 ] && started=1;; esac
  shift "$n"
done`

export interface MeasureOptions {
  /** Aborting stops the wait and the command; the guests not read are not-finished. */
  signal?: AbortSignal
  /** zmigrate's clock for measuredAt (tests). */
  now?: () => Date
  /** Where the guests' pid files are: QEMU_RUN_DIR (tests: a directory of their own). */
  qemuRunDir?: string
}

/** The guest's <memory> as the script greps for it: a whole number of KiB. */
function checkedKiB(kib: number): number {
  if (!Number.isSafeInteger(kib) || kib <= 0) throw new TypeError(`a guest's memory is a whole number of KiB, not ${kib}`)
  return kib
}

/** `LABEL N ARGV…` for the script. */
function command(label: string, argv: string[]): string[] {
  return [label, String(argv.length), ...argv]
}

function output(frame: Frame | undefined): CommandOutput | undefined {
  if (!frame || frame.status === undefined) return undefined
  return frame.status === 0 ? {exitCode: 0, stdout: frame.body, stderr: ''} : {exitCode: frame.status, stdout: '', stderr: frame.body}
}

/** A running guest to measure: by UUID; its name and <memory> for the resident size, the dirty-rate mode for its domain type. */
export interface MeasureTarget {
  uuid: string
  /** Its libvirt name: the pid file's (checked against the UUID on the host). Absent: no resident size. */
  name?: string
  /** dirtyRateModeFor(`<domain type=…>`): dirty-bitmap for kvm, page-sampling for qemu (TCG). Default dirty-bitmap. */
  mode?: DirtyRateMode
  /** `<memory>` in KiB: the size of the guest's RAM mapping. Absent: no resident size. */
  memoryKiB?: number
}

/** What was measured of one guest. */
export interface GuestMeasurement {
  dirtyRate: DirtyRateFact
  residentMemory?: ResidentMemoryFact
}

/**
 * Each guest's dirty rate (by UUID, lower case): the highest of `sampling.windows` measurements of
 * `sampling.seconds` each (checked), one after another, in the mode for its domain type; and its
 * resident RAM when its name and size are known. The guests should be running; one that is not
 * comes back not-measurable (guest-not-running), as libvirt says. A guest is measured only when
 * every window was: the first window that failed says why not.
 */
export async function measureGuests(
  t: HostTransport,
  uri: string,
  targets: readonly MeasureTarget[],
  sampling: DirtyRateSampling,
  opts: MeasureOptions = {},
): Promise<Map<string, GuestMeasurement>> {
  const {seconds, windows} = checkedSampling(sampling)
  const now = opts.now ?? (() => new Date())
  const waitMs = dirtyRateWaitMs(seconds)
  const byUuid = new Map(targets.map((g) => [g.uuid.toLowerCase(), g]))
  const guests = [...byUuid.keys()]
  const out = new Map<string, GuestMeasurement>()
  if (guests.length === 0) return out
  const mode = (domain: string): DirtyRateMode => byUuid.get(domain)?.mode ?? 'dirty-bitmap'
  const calcs = guests.map((domain) => dirtyRateCalcArgv({domain, seconds, mode: mode(domain)}))
  const ram = guests.flatMap((domain) => {
    const g = byUuid.get(domain)
    return g?.name !== undefined && g.memoryKiB !== undefined && usableInRunDir(g.name)
      ? command(`ram:${domain}`, [opts.qemuRunDir ?? QEMU_RUN_DIR, g.name, domain, String(checkedKiB(g.memoryKiB))])
      : []
  })
  const window = (k: number) => [
    ...guests.flatMap((domain, i) => command(`calc:${domain}:${k}`, calcs[i])),
    WAIT_MARK,
    ...guests.flatMap((domain) => command(`stats:${domain}:${k}`, dirtyRateStatsArgv(domain))),
  ]
  const started = Date.now()
  const notFinished = () => dirtyRateNotFinished(Date.now() - started)
  // the resident sizes last: a short read of the output costs them, not the dirty rates
  const frames = await runFramed(t, uri, waitMs, [...Array.from({length: windows}, (_, k) => window(k)).flat(), ...ram], opts.signal)
  for (const domain of guests) {
    const got: Measured[] = []
    let failed: DirtyRateFact | undefined
    for (let k = 0; k < windows && !failed; k++) {
      const calc = output(frames.get(`calc:${domain}:${k}`))
      failed = calc ? dirtyRateFromCalc(calc) : notFinished()
      if (failed) break
      const stats = output(frames.get(`stats:${domain}:${k}`))
      const fact = stats ? dirtyRateFromStats(stats, seconds, now(), mode(domain)) : notFinished()
      // still measuring after the script's reads
      if (fact === 'measuring') failed = notFinished()
      else if (fact.kind === 'measured') got.push(fact)
      else failed = fact
    }
    const frame = frames.get(`ram:${domain}`)
    const memoryKiB = byUuid.get(domain)?.memoryKiB
    const residentMemory =
      frame && memoryKiB !== undefined
        ? frame.status === undefined
          ? ({kind: 'not-measurable', reason: 'failed', detail: 'the host did not finish reading it'} as const)
          : residentMemoryFrom({exitCode: frame.status, output: frame.body}, memoryKiB, now())
        : undefined
    out.set(domain, {dirtyRate: failed ?? peakOf(got), ...(residentMemory ? {residentMemory} : {})})
  }
  return out
}

type Measured = DirtyRateFact & {kind: 'measured'}

/** The windows of one guest as one figure: the highest rate, read when the last was; each window's rate when there are several. */
function peakOf(windows: readonly Measured[]): Measured {
  const latest = windows[windows.length - 1]
  const rates = windows.map((w) => w.bytesPerSecond)
  return windows.length === 1 ? latest : {...latest, bytesPerSecond: Math.max(...rates), windowBytesPerSecond: rates}
}

/** One run of the script; its frames by label (a timeout or an abort leaves the missing ones out). */
async function runFramed(t: HostTransport, uri: string, pauseMs: number, args: string[], signal?: AbortSignal): Promise<Map<string, Frame>> {
  const nonce = randomBytes(8).toString('hex')
  const commands = args.filter((a) => a.startsWith('calc:') || a.startsWith('stats:') || a.startsWith('ram:')).length
  // each wait, and 15 s for virsh to start and answer, per command
  const timeoutMs = pauseMs * args.filter((a) => a === WAIT_MARK).length + 15_000 * Math.max(1, commands)
  const r = await t
    .run(['sh', '-c', MEASURE_SCRIPT, 'zmigrate', frameMark(nonce), uri, String(pauseMs / 1000), ...args], {timeoutMs, signal})
    .catch(() => ({stdout: '', stderr: '', exitCode: -1}))
  return splitFrames(r.stdout, nonce)
}
