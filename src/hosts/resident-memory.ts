/**
 * How much of a guest's RAM a migration has to send: the part of the guest's memory the host has
 * ever backed with a page (resident in the QEMU process), not the guest's size. QEMU's first
 * pass sends every page, but a page the guest never touched is a zero page, sent as a flag of a
 * few bytes (ram.c save_zero_page), so a lightly used guest moves much faster than its size
 * suggests: on the lab a 256 MiB guest has 50 MiB resident, and its migration at 8 MiB/s took 15 s
 * where the guest's size predicts 36. The figure is an upper bound of what is sent: a page the
 * guest wrote and zeroed again stays resident (and is sent as a zero page all the same).
 *
 * Where it is read, on the host (the measurement script, dirty-rate-measure.ts, as root):
 *   /run/libvirt/qemu/NAME.pid   the guest's QEMU process (libvirt's qemu driver, system instance;
 *                                the PID without a newline: virpidfile.c)
 *   /proc/PID/cmdline            checked to hold the guest's UUID as one argument (`-uuid UUID`):
 *                                the process is that guest's, whatever the pid file says
 *   /proc/PID/smaps              its mappings: the guest's RAM is the one whose size is exactly the
 *                                guest's <memory> (QEMU maps the RAM block "s390.ram" that size);
 *                                its Rss is what is resident (proc(5): smaps Size, Rss, in kB)
 *
 * Only the mappings of the guest's size are sent back, as their head, `Size:` and `Rss:` lines (two
 * greps on the host, the second with -B1 -A1 around `Size: <memory> kB`), not the whole smaps (a
 * few hundred KiB for a QEMU; 500 guests would be a hundred MiB). The parse is pure; a failure is a
 * typed "not measurable".
 */
import type {ResidentMemoryFact} from './facts-types.js'

/** Where libvirt's system qemu driver keeps each running guest's pid file (NAME.pid). */
export const QEMU_RUN_DIR = '/run/libvirt/qemu'

/** The exit statuses of the script's fragment (dirty-rate-measure.ts MEASURE_SCRIPT). */
export const RESIDENT_STATUS = {noPidFile: 3, notThisGuest: 4} as const

/** A name libvirt allows and that names one file in QEMU_RUN_DIR (libvirt refuses '/' in names). */
export function usableInRunDir(name: string): boolean {
  return name.length > 0 && name.length <= 1000 && name !== '.' && name !== '..' && !/[/\n\0]/.test(name)
}

interface Mapping {
  head: string
  sizeKiB?: number
  rssKiB?: number
}

function mappings(text: string): Mapping[] {
  const out: Mapping[] = []
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      out.push({head: line.trim()})
      continue
    }
    const m = /^(Size|Rss):\s+(\d{1,15}) kB\s*$/.exec(line)
    const current = out.at(-1)
    if (!m || !current) continue
    if (m[1] === 'Size') current.sizeKiB = Number(m[2])
    else current.rssKiB = Number(m[2])
  }
  return out
}

/**
 * The resident part of the guest's RAM from the fragment's output: exit 0 with the filtered smaps,
 * or one of RESIDENT_STATUS with a line saying why. `memoryKiB` is the guest's <memory>.
 */
export function residentMemoryFrom(r: {exitCode: number; output: string}, memoryKiB: number, measuredAt: Date): ResidentMemoryFact {
  const detail = r.output.trim().split('\n')[0] ?? ''
  if (r.exitCode === RESIDENT_STATUS.noPidFile) return {kind: 'not-measurable', reason: 'no-process', detail}
  if (r.exitCode === RESIDENT_STATUS.notThisGuest) return {kind: 'not-measurable', reason: 'not-this-guest', detail}
  // grep found no line of the guest's size (and said nothing): no such mapping
  if (r.exitCode === 1 && detail === '')
    return {kind: 'not-measurable', reason: 'no-ram-mapping', detail: `QEMU has no mapping of the guest's ${memoryKiB} KiB`}
  if (r.exitCode !== 0) return {kind: 'not-measurable', reason: 'failed', detail: detail || `exit status ${r.exitCode}`}
  const ram = mappings(r.output).filter((m) => m.sizeKiB === memoryKiB && m.rssKiB !== undefined)
  if (ram.length === 0) {
    return {kind: 'not-measurable', reason: 'no-ram-mapping', detail: `QEMU has no mapping of the guest's ${memoryKiB} KiB`}
  }
  // two mappings of exactly the guest's size are unlikely; the fuller one is its RAM (an upper bound either way)
  const rssKiB = Math.max(...ram.map((m) => m.rssKiB ?? 0))
  return {kind: 'measured', bytes: Math.min(rssKiB, memoryKiB) * 1024, measuredAt: measuredAt.toISOString()}
}
