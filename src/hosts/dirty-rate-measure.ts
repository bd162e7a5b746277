/**
 * Measuring the dirty rates of a host's guests: every measurement started at once, one wait, every
 * result read, all in ONE command on the host (one SSH round trip however many guests), bounded in
 * time; then, only for guests libvirt still reports as measuring, one more read a second later.
 * The commands are dirty-rate-command.ts's argv (the guest by UUID, the mode and length checked);
 * what libvirt answered becomes a DirtyRateFact through parse-dirty-rate.ts, never an exception.
 *
 * The script is a constant. It takes its data as positional parameters: the frame mark, the
 * libvirt URI, the seconds to wait, then commands, each as `LABEL N ARG1 … ARGN` (a virsh argv of N
 * elements) or `:wait:`. Each command's output (stdout and stderr together) is framed as the
 * collect script's sections are (frames.ts), under a random nonce, with its exit status.
 */
import {randomBytes} from 'node:crypto'
import {dirtyRateCalcArgv, dirtyRateStatsArgv, dirtyRateWaitMs} from './dirty-rate-command.js'
import type {DirtyRateFact} from './facts-types.js'
import {splitFrames, type Frame} from './frames.js'
import {dirtyRateFromCalc, dirtyRateFromStats, dirtyRateNotFinished, type CommandOutput} from './parse-dirty-rate.js'
import type {HostTransport} from './transport.js'
import {FRAME_BEGIN, FRAME_END, frameMark} from './wire-format.js'

export const WAIT_MARK = ':wait:'

/**
 * `( … )` keeps the outer parameters: it rotates the command's N arguments behind the rest and
 * shifts the rest away, so "$@" is exactly the command (POSIX sh has no arrays to slice). The wait
 * is skipped when every measurement before it failed to start (a libvirt without the command):
 * there is nothing to wait for.
 */
export const MEASURE_SCRIPT = `M=$1; uri=$2; pause=$3; shift 3; calcs=; started=
while [ $# -gt 0 ]; do
  if [ "$1" = ${WAIT_MARK} ]; then
    if [ -z "$calcs" ] || [ -n "$started" ]; then sleep "$pause"; fi
    shift; continue
  fi
  label=$1; n=$2; shift 2
  printf '\\n%s:${FRAME_BEGIN}:%s\\n' "$M" "$label"
  (i=0; rest=$(($# - n)); while [ $i -lt "$n" ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done; shift "$rest"; exec virsh -c "$uri" "$@") 2>&1
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
}

/** `LABEL N ARGV…` for the script. */
function command(label: string, argv: string[]): string[] {
  return [label, String(argv.length), ...argv]
}

function output(frame: Frame | undefined): CommandOutput | undefined {
  if (!frame || frame.status === undefined) return undefined
  return frame.status === 0 ? {exitCode: 0, stdout: frame.body, stderr: ''} : {exitCode: frame.status, stdout: '', stderr: frame.body}
}

/**
 * The dirty rate of each guest (by UUID, lower case), measured for `seconds` (1 to 60, checked) in
 * libvirt's dirty-bitmap mode. The guests should be running; one that is not comes back
 * not-measurable (guest-not-running), as libvirt says.
 */
export async function measureDirtyRates(
  t: HostTransport,
  uri: string,
  uuids: readonly string[],
  seconds: number,
  opts: MeasureOptions = {},
): Promise<Map<string, DirtyRateFact>> {
  const now = opts.now ?? (() => new Date())
  const waitMs = dirtyRateWaitMs(seconds)
  const guests = [...new Set(uuids.map((u) => u.toLowerCase()))]
  const rates = new Map<string, DirtyRateFact>()
  if (guests.length === 0) return rates
  const calls = guests.map((domain) => command(`calc:${domain}`, dirtyRateCalcArgv({domain, seconds})))
  const reads = (of: readonly string[]) => of.flatMap((domain) => command(`stats:${domain}`, dirtyRateStatsArgv(domain)))
  const started = Date.now()
  const first = await runFramed(t, uri, waitMs, [...calls.flat(), WAIT_MARK, ...reads(guests)], opts.signal)
  const measuring: string[] = []
  for (const domain of guests) {
    const calc = output(first.get(`calc:${domain}`))
    const failed = calc ? dirtyRateFromCalc(calc) : dirtyRateNotFinished(Date.now() - started)
    if (failed) {
      rates.set(domain, failed)
      continue
    }
    const stats = output(first.get(`stats:${domain}`))
    const fact = stats ? dirtyRateFromStats(stats, seconds, now()) : dirtyRateNotFinished(Date.now() - started)
    if (fact === 'measuring') measuring.push(domain)
    else rates.set(domain, fact)
  }
  if (measuring.length > 0 && !opts.signal?.aborted) {
    // QEMU finishes the period a little after the wait: one more read, a second later
    const again = await runFramed(t, uri, 1000, [WAIT_MARK, ...reads(measuring)], opts.signal)
    for (const domain of measuring) {
      const stats = output(again.get(`stats:${domain}`))
      const fact = stats ? dirtyRateFromStats(stats, seconds, now()) : 'measuring'
      rates.set(domain, fact === 'measuring' ? dirtyRateNotFinished(Date.now() - started) : fact)
    }
  }
  for (const domain of measuring) if (!rates.has(domain)) rates.set(domain, dirtyRateNotFinished(Date.now() - started))
  return rates
}

/** One run of the script; its frames by label (a timeout or an abort leaves the missing ones out). */
async function runFramed(t: HostTransport, uri: string, waitMs: number, args: string[], signal?: AbortSignal): Promise<Map<string, Frame>> {
  const nonce = randomBytes(8).toString('hex')
  const commands = args.filter((a) => a.startsWith('calc:') || a.startsWith('stats:')).length
  // the wait, and 15 s for virsh to start and answer, per command
  const timeoutMs = waitMs + 15_000 * Math.max(1, commands)
  const r = await t
    .run(['sh', '-c', MEASURE_SCRIPT, 'zmigrate', frameMark(nonce), uri, String(waitMs / 1000), ...args], {timeoutMs, signal})
    .catch(() => ({stdout: '', stderr: '', exitCode: -1}))
  return splitFrames(r.stdout, nonce)
}
