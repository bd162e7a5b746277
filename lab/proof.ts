/**
 * lab/proof -- prove that the lab guest survived a migration: it kept running (no reboot, its
 * heartbeat went on from where the source left it) and lost no data (every record it wrote is on
 * the disk of the host it is on now).
 *
 *   node --import tsx lab/proof.ts [--lab DIR] [--margin N] [--wait SECONDS] [--json] <guest> <host>
 *   lab/proof zdemo zhost-b
 *
 * It reads files only: both hosts' console logs ($LAB/<h>/log/qemu/<guest>-console.log) and the
 * data disk on the destination ($LAB/<h>/lib/images/<guest>-data.img, raw). The guest's side of
 * the protocol is lab/guest/init:
 *   ZGUEST BOOTED <boot-id>   once per boot
 *   HB <n>                    every second; n counts from 1 and restarts only on a reboot
 *   record n                  "ZREC <n> <boot-id>\n" NUL-padded at sector n (512 bytes) of the
 *                             data disk, fsync'ed BEFORE "HB n" is printed
 * so every heartbeat in a log is a record that must be on the disk.
 * Exit codes: 0 proven, 1 not proven, 2 usage error.
 */
import {closeSync, openSync, readFileSync, readSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {parseArgs} from 'node:util'

export type LabHost = 'a' | 'b' | 'c'
export const LAB_HOSTS: readonly LabHost[] = ['a', 'b', 'c']

export type ConsoleEvent = {kind: 'boot'; bootId: string} | {kind: 'hb'; n: number; boot?: string} | {kind: 'dev'; dev: string; present: boolean}

/** A run of heartbeats n, n+1, n+2 ... printed on one host without interruption. */
export interface HeartbeatRun {
  first: number
  last: number
  /** set when the run starts right after a "ZGUEST BOOTED" line on this host (a fresh boot) */
  bootId?: string
  /** the boot tag printed with the heartbeats (first group of the boot id), when the guest prints one */
  boot?: string
}

export interface Heartbeats {
  events: ConsoleEvent[]
  runs: HeartbeatRun[]
  lastHeartbeat?: number
  /** boot id of the last "ZGUEST BOOTED" line in the log */
  lastBootId?: string
}

export interface DiskRecord {
  sector: number
  n: number
  bootId: string
}

export interface SurvivalReport {
  ok: boolean
  guest: string
  source: LabHost
  destination: LabHost
  bootId?: string
  lastHeartbeat: Partial<Record<LabHost, number | null>>
  /** last heartbeat on the source, first and last of the destination's latest run */
  sourceLast?: number
  destinationFirst?: number
  destinationLast?: number
  rebootedOnDestination: boolean
  /** records 1..recordsInOrder are present, in order, with the guest's boot id */
  recordsInOrder: number
  recordsRequired: number
  problems: string[]
}

const SECTOR = 512
const EVENT_RE = /(ZGUEST BOOTED (\S+)|HB (\d+)(?: ([0-9a-f]+))?|DEV (\S+) (present|absent))\s*$/

/** Console log text -> guest events (other lines, e.g. kernel messages, are ignored). */
export function parseConsole(text: string): ConsoleEvent[] {
  const events: ConsoleEvent[] = []
  for (const raw of text.split('\n')) {
    const m = EVENT_RE.exec(raw.replace(/\r/g, ''))
    if (!m) continue
    if (m[2] !== undefined) events.push({kind: 'boot', bootId: m[2]})
    else if (m[3] !== undefined) events.push({kind: 'hb', n: Number(m[3]), ...(m[4] === undefined ? {} : {boot: m[4]})})
    else events.push({kind: 'dev', dev: m[5], present: m[6] === 'present'})
  }
  return events
}

/**
 * Events -> runs of consecutive heartbeats. A run ends at a boot line, or when the next heartbeat
 * is not the previous one plus 1: in one host's log that means the guest was away (migrated out
 * and back in later) or rebooted.
 */
export function heartbeatRuns(events: ConsoleEvent[]): HeartbeatRun[] {
  const runs: HeartbeatRun[] = []
  let cur: HeartbeatRun | undefined
  let pendingBoot: string | undefined
  for (const e of events) {
    if (e.kind === 'boot') {
      cur = undefined
      pendingBoot = e.bootId
    } else if (e.kind === 'hb') {
      // a heartbeat of another boot (its tag: the boot id's first group) starts a new run even when
      // the numbers happen to follow on, e.g. the guest was restarted on the other host
      if (cur && e.n === cur.last + 1 && e.boot === cur.boot) {
        cur.last = e.n
      } else {
        cur = {first: e.n, last: e.n, ...(pendingBoot === undefined ? {} : {bootId: pendingBoot}), ...(e.boot === undefined ? {} : {boot: e.boot})}
        runs.push(cur)
        pendingBoot = undefined
      }
    }
  }
  return runs
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'latin1')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}

/** Heartbeats in one console log file (a missing file has none). */
export function readHeartbeats(consoleLog: string): Heartbeats {
  const events = parseConsole(readText(consoleLog))
  const runs = heartbeatRuns(events)
  const boots = events.filter((e): e is {kind: 'boot'; bootId: string} => e.kind === 'boot')
  return {events, runs, lastHeartbeat: runs.at(-1)?.last, lastBootId: boots.at(-1)?.bootId}
}

/** One 512-byte sector -> its record, or undefined if it holds none. */
export function parseRecord(sector: Buffer, index: number): DiskRecord | undefined {
  const text = sector.toString('latin1').replace(/\0+$/, '')
  const m = /^ZREC (\d+) (\S+)\n$/.exec(text)
  return m ? {sector: index, n: Number(m[1]), bootId: m[2]} : undefined
}

/**
 * Records from sector 1 on, up to the first sector that holds none (or `limit` records). Reads the
 * raw image in 64 KiB chunks; a missing image has no records.
 */
export function readRecords(image: string, limit = Number.POSITIVE_INFINITY): DiskRecord[] {
  let fd: number
  try {
    fd = openSync(image, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const records: DiskRecord[] = []
  const chunk = Buffer.alloc(128 * SECTOR)
  try {
    let sector = 1
    for (;;) {
      const got = readSync(fd, chunk, 0, chunk.length, sector * SECTOR)
      const whole = Math.floor(got / SECTOR)
      for (let i = 0; i < whole; i++, sector++) {
        const rec = parseRecord(chunk.subarray(i * SECTOR, (i + 1) * SECTOR), sector)
        if (!rec || records.length >= limit) return records
        records.push(rec)
      }
      if (whole < chunk.length / SECTOR) return records
    }
  } finally {
    closeSync(fd)
  }
}

/**
 * The verdict, from what was read (logs first, then the disk, so the disk holds at least every
 * record whose heartbeat is in the logs).
 */
export function judgeSurvival(input: {
  guest: string
  source: LabHost
  destination: LabHost
  src: Heartbeats
  dst: Heartbeats
  records: DiskRecord[]
  margin?: number
}): SurvivalReport {
  const {guest, source, destination, src, dst, records} = input
  const margin = input.margin ?? 2
  const problems: string[] = []
  const srcRun = src.runs.at(-1)
  const dstRun = dst.runs.at(-1)
  const report: SurvivalReport = {
    ok: false,
    guest,
    source,
    destination,
    lastHeartbeat: {[source]: src.lastHeartbeat ?? null, [destination]: dst.lastHeartbeat ?? null} as Partial<Record<LabHost, number | null>>,
    sourceLast: srcRun?.last,
    destinationFirst: dstRun?.first,
    destinationLast: dstRun?.last,
    rebootedOnDestination: false,
    recordsInOrder: 0,
    recordsRequired: Math.max(srcRun?.last ?? 0, dstRun?.last ?? 0),
    problems,
  }
  if (!srcRun) problems.push(`no heartbeat in zhost-${source}'s console log: the guest never ran there`)
  if (!dstRun) problems.push(`no heartbeat in zhost-${destination}'s console log: the guest is not running there`)
  if (srcRun && dstRun) {
    if (dstRun.boot !== undefined && srcRun.boot !== undefined && dstRun.boot !== srcRun.boot) {
      report.rebootedOnDestination = true
      problems.push(
        `the heartbeat on zhost-${destination} comes from another boot (${dstRun.boot}) than the one on zhost-${source} (${srcRun.boot}): it did not survive`,
      )
    } else if (dstRun.bootId !== undefined) {
      report.rebootedOnDestination = true
      problems.push(`the guest booted on zhost-${destination} (ZGUEST BOOTED ${dstRun.bootId}, heartbeat restarted at ${dstRun.first}): it did not survive`)
    } else if (dstRun.last <= srcRun.last) {
      problems.push(
        `zhost-${destination}'s heartbeat (HB ${dstRun.first}..${dstRun.last}) is not past zhost-${source}'s last (HB ${srcRun.last}): the guest is not running on zhost-${destination}`,
      )
    } else if (dstRun.first <= srcRun.last - margin || dstRun.first > srcRun.last + 1 + margin) {
      problems.push(
        `heartbeat did not continue: zhost-${source} ended at HB ${srcRun.last}, zhost-${destination} went on at HB ${dstRun.first} (allowed ${srcRun.last - margin + 1}..${srcRun.last + 1 + margin})`,
      )
    }
  }
  const bootId = runningBoot(dstRun?.boot ?? srcRun?.boot, [src, dst], records)
  report.bootId = bootId
  const inOrder = recordsInOrder(records, bootId)
  report.recordsInOrder = inOrder
  if (inOrder < report.recordsRequired) {
    const bad = records[inOrder]
    const why = bad ? `sector ${bad.sector} holds "ZREC ${bad.n} ${bad.bootId}"` : `sector ${inOrder + 1} holds no record`
    problems.push(`records 1..${report.recordsRequired} must be on zhost-${destination}'s disk; only 1..${inOrder} are in order (${why})`)
  }
  report.ok = problems.length === 0
  return report
}

/**
 * The boot the guest is running, from the boot its heartbeats name (`tag`, the id's first part):
 * the boot line of that boot in one of the logs, else a record of it on the disk (it booted on a
 * third host: a -> b -> c), else the tag itself (no record of it: the caller's check fails, naming
 * it). Heartbeats that name none (an older guest): the first log's last boot line, then the next's,
 * then the first record's. A log keeps the lines of earlier boots: a guest restarted on another host
 * leaves an older boot as this host's last one, so the last boot line alone is not the running boot.
 */
export function runningBoot(tag: string | undefined, logs: readonly Heartbeats[], records: readonly DiskRecord[]): string | undefined {
  if (tag === undefined) return logs.map((l) => l.lastBootId).find((id) => id !== undefined) ?? records[0]?.bootId
  const named = logs.flatMap((l) => l.events).find((e) => e.kind === 'boot' && e.bootId.startsWith(tag))
  return (named?.kind === 'boot' ? named.bootId : undefined) ?? records.find((r) => r.bootId.startsWith(tag))?.bootId ?? tag
}

/** How many records, from sector 1 on, are in order (record n in sector n) and of this boot. */
export function recordsInOrder(records: readonly DiskRecord[], bootId: string | undefined): number {
  let n = 0
  while (n < records.length && records[n].sector === n + 1 && records[n].n === n + 1 && records[n].bootId === bootId) n++
  return n
}

/** The lab's state directory: ZMIGRATE_LAB, else the default of lab/lib.sh (root's alone, not /tmp). */
export function labDir(): string {
  return process.env.ZMIGRATE_LAB || '/var/lib/zmigrate-lab'
}

export function hostOf(name: string): LabHost {
  const h = (
    {a: 'a', 'zhost-a': 'a', '127.0.0.2': 'a', b: 'b', 'zhost-b': 'b', '127.0.0.3': 'b', c: 'c', 'zhost-c': 'c', '127.0.0.4': 'c'} as Record<string, LabHost>
  )[name]
  if (!h) throw new Error(`unknown lab host '${name}' (use zhost-a, zhost-b or zhost-c)`)
  return h
}

export function consoleLogPath(lab: string, host: LabHost, guest: string): string {
  return join(lab, host, 'log', 'qemu', `${guest}-console.log`)
}

export function dataImagePath(lab: string, host: LabHost, guest: string): string {
  return join(lab, host, 'lib', 'images', `${guest}-data.img`)
}

/**
 * Read both console logs and the destination's data disk, and judge. With waitSeconds > 0 it
 * polls (every 0.5 s, bounded) until the proof holds: right after a migration the destination
 * may not have printed a heartbeat yet.
 */
export async function proveSurvival(opts: {
  guest?: string
  host: LabHost | string
  /** Where the guest ran before; default: the other host whose console shows the latest heartbeat. */
  from?: LabHost | string
  lab?: string
  margin?: number
  waitSeconds?: number
}): Promise<SurvivalReport> {
  const lab = opts.lab ?? labDir()
  const guest = opts.guest ?? 'zdemo'
  const destination = hostOf(opts.host)
  const source = opts.from !== undefined ? hostOf(opts.from) : previousHost(lab, guest, destination)
  const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000
  for (;;) {
    const src = readHeartbeats(consoleLogPath(lab, source, guest))
    const dst = readHeartbeats(consoleLogPath(lab, destination, guest))
    const wanted = Math.max(src.lastHeartbeat ?? 0, dst.lastHeartbeat ?? 0)
    const records = readRecords(dataImagePath(lab, destination, guest), wanted + 64)
    const report = judgeSurvival({guest, source, destination, src, dst, records, margin: opts.margin})
    if (report.ok || Date.now() >= deadline) return report
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** The host the guest ran on before `destination`: of the others, the one whose console log shows the latest heartbeat of the same boot. */
export function previousHost(lab: string, guest: string, destination: LabHost): LabHost {
  const beats = (h: LabHost) => readHeartbeats(consoleLogPath(lab, h, guest))
  const boot = beats(destination).runs.at(-1)?.boot
  // each log read once
  const others = LAB_HOSTS.filter((h) => h !== destination).map((host) => ({host, beats: beats(host)}))
  // of the hosts whose last heartbeats are of the boot the destination shows (a log keeps older
  // boots, whose heartbeat numbers can be higher), the latest; none of that boot: the latest of all
  const same = boot === undefined ? [] : others.filter((o) => o.beats.runs.at(-1)?.boot === boot)
  const pool = same.length > 0 ? same : others
  const last = (o: (typeof others)[number]) => o.beats.lastHeartbeat ?? -1
  return pool.reduce((best, o) => (last(o) > last(best) ? o : best), pool[0]).host
}

export function renderReport(r: SurvivalReport): string {
  const hb = (h: LabHost) => `zhost-${h} ${r.lastHeartbeat[h] == null ? 'none' : `HB ${r.lastHeartbeat[h]}`}`
  const lines = [
    `proof: ${r.guest} on zhost-${r.destination} (source zhost-${r.source}), boot ${r.bootId ?? 'unknown'}`,
    `  last heartbeat: ${hb(r.source)}, ${hb(r.destination)}`,
    `  heartbeat: source ended at ${r.sourceLast ?? '-'}, destination ran ${r.destinationFirst ?? '-'}..${r.destinationLast ?? '-'}` +
      (r.rebootedOnDestination ? ' after a REBOOT' : ''),
    `  records: ${r.recordsInOrder ? `1..${r.recordsInOrder}` : 'none'} present and in order (needed 1..${r.recordsRequired})`,
    ...r.problems.map((p) => `  PROBLEM: ${p}`),
    r.ok ? 'PROOF OK' : 'PROOF FAILED',
  ]
  return lines.join('\n')
}

async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        lab: {type: 'string'},
        from: {type: 'string'},
        margin: {type: 'string', default: '2'},
        wait: {type: 'string', default: '10'},
        json: {type: 'boolean', default: false},
        help: {type: 'boolean', short: 'h', default: false},
      },
    })
  } catch (error) {
    process.stderr.write(`lab-proof: ERROR: ${(error as Error).message}\n`)
    return 2
  }
  const {values, positionals} = parsed
  const usage = 'usage: lab/proof [--lab DIR] [--from HOST] [--margin N] [--wait SECONDS] [--json] <guest> <zhost-a|zhost-b|zhost-c>\n'
  if (values.help) {
    process.stdout.write(usage)
    return 0
  }
  if (positionals.length !== 2 || !/^\d+$/.test(values.margin) || !/^\d+$/.test(values.wait)) {
    process.stderr.write(usage)
    return 2
  }
  let report: SurvivalReport
  try {
    report = await proveSurvival({
      guest: positionals[0],
      host: positionals[1],
      from: values.from,
      lab: values.lab,
      margin: Number(values.margin),
      waitSeconds: Number(values.wait),
    })
  } catch (error) {
    process.stderr.write(`lab-proof: ERROR: ${(error as Error).message}\n`)
    return 2
  }
  process.stdout.write((values.json ? JSON.stringify(report, null, 2) : renderReport(report)) + '\n')
  return report.ok ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
