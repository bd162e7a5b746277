/**
 * bench/predict — in the lab, how well zmigrate's migration model (src/predict/precopy.ts) predicts
 * a live migration of zdemo (256 MiB RAM, its data disk copied) by `zmigrate migrate`, for each
 * dirty rate D (zdemo restarted with zm.dirty=D: it rewrites D MiB of its RAM per second) and each
 * bandwidth cap BW (profile migration.bandwidth: virsh migrate --bandwidth). Each run's report
 * (migrate.json `prediction`) holds the prediction zmigrate made with what it measured right before
 * virsh migrate (the dirty rate as the highest of DIRTY_WINDOWS windows of DIRTY_SECONDS, in page-sampling mode for the lab's TCG guest, and
 * the RAM its QEMU has resident; the lab profile's setup-seconds) and what happened; the bench
 * prints, per run, predicted against measured total time (virsh migrate start to end), passes and
 * downtime, then the median absolute error of the total time (the report's totalErrorPercent) and
 * of the downtime (ms), and the false converges: runs the model said converge that did not
 * complete. Target: median total-time error <= 20 %, and no false converge.
 *
 * Every migration runs under max-total (MAX_TOTAL s) with on-limit cancel, so one that does not
 * converge ends by itself (cancelled, rolled back: zdemo stays where it was). The model knows the
 * limit, so for such a case it predicts "cancelled (max-total)" (without a limit it would say
 * "never"): a run cancelled by max-total as predicted is a correct prediction, with no total-time
 * error. A run predicted not to converge that migrated is counted apart (and has an error).
 * zm.dirty rewrites its D MiB with other bytes in a loop that sleeps 1 s between passes; under TCG
 * a pass of 32 MiB takes about as long again, so the rate the guest really writes is below D.
 *
 *   npm run bench:predict                        (builds first; DIRTY="0 8 32" MiB/s x BW="16 64" MiB/s, ROUNDS=1)
 *   DIRTY="0 64" BW="32" ROUNDS=3 npm run bench:predict
 *   JSON=1 npm run bench:predict                 (stdout: the rows and the summary as one JSON document)
 * Also MAX_TOTAL (default 120 s), DIRTY_SECONDS and DIRTY_WINDOWS (profile dirty-rate-seconds and
 * dirty-rate-windows, default 1 and 3).
 * ROUNDS migrations per case, each from where zdemo runs to the other of zhost-a/zhost-b; zdemo goes
 * back where it started at the end (untimed, the lab profile) and runs with zm.dirty=0 again.
 * Exit 1 only when the run broke (lab/up failed, a migration failed otherwise than by its limit or
 * timed out, zdemo could not be restored); a missed target is printed, not an exit code.
 */
import {execa} from 'execa'
import {rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {performance} from 'node:perf_hooks'
import type {MigrationReport} from '../src/run/report.js'
import {setDirty} from '../test/support/lab-guest.js'
import {lab, LAB, labProfile, other, REPO, whereIs, type LabHostName} from '../test/support/lab-cli.js'

const MiB = 1024 * 1024

function wholeNumbers(name: string, fallback: string, min: number, max: number): number[] {
  const raw = process.env[name] ?? fallback
  const xs = raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < min || x > max)) throw new Error(`${name}='${raw}': whole numbers from ${min} to ${max}`)
  return xs
}

// zdemo has 256 MiB of RAM and keeps its zm.dirty buffer in it
const DIRTY = wholeNumbers('DIRTY', '0 8 32', 0, 128)
const BW = wholeNumbers('BW', '16 64', 1, 100_000)
const [ROUNDS] = wholeNumbers('ROUNDS', '1', 1, 100)
const [MAX_TOTAL] = wholeNumbers('MAX_TOTAL', '120', 10, 3600)
const [DIRTY_SECONDS] = wholeNumbers('DIRTY_SECONDS', '1', 1, 60)
const [DIRTY_WINDOWS] = wholeNumbers('DIRTY_WINDOWS', '3', 1, 10)
/** The zmigrate process: max-total, plus the measurement, checks and steps before and a rollback after. */
const CHILD_TIMEOUT_MS = (MAX_TOTAL + 60) * 1000
/** After the timeout's SIGTERM zmigrate aborts the job and rolls back (its own grace for virsh migrate is 30 s). */
const CHILD_KILL_AFTER_MS = 60_000
const TARGET_PERCENT = 20
const JSON_OUT = Boolean(process.env.JSON)
const DATA_DIR = join(LAB, 'bench-journals')

/** What the model predicts that completes the migration (post-copy and suspend need a timeout or on-limit this bench does not set). */
const COMPLETES = new Set(['converges', 'postcopy', 'suspended'])
/** How a migration ended by its own limit (on-limit cancel) ends: rolled back, exit 1. */
const LIMIT_REASONS = new Set(['max-total-exceeded', 'max-downtime-exceeded'])

type Comparison = NonNullable<MigrationReport['prediction']>

interface Row {
  /** zm.dirty: MiB the guest rewrites per second. */
  dirtyMiB: number
  /** migration.bandwidth, MiB/s. */
  bandwidthMiB: number
  round: number
  from: LabHostName
  to: LabHostName
  /** The whole zmigrate command, on the bench's clock. */
  wallSeconds: number
  exitCode: number
  outcome: MigrationReport['outcome']
  finishReason: MigrationReport['finishReason']
  /** When a limit ended it: how long the migration had run then. */
  limitElapsedSeconds?: number
  basis?: Comparison['basis']
  /** The dirty rate zmigrate measured right before virsh migrate (MiB/s): the highest window. */
  measuredDirtyMiB?: number
  /** Each window's rate (MiB/s), when there were several. */
  windowsMiB?: number[]
  /** Why there is no measured rate (the prediction then assumed 0). */
  dirtyRateNote?: string
  predicted?: Comparison['predicted']
  actual?: Comparison['actual']
  totalErrorPercent?: number
  /** actual - predicted downtime, ms. */
  downtimeErrorMs?: number
  /**
   * ok: completed as predicted, or cancelled by its limit as predicted; false-converge: predicted
   * to complete, did not; missed-converge: predicted not to, migrated; no-prediction: the report has none.
   */
  verdict: 'ok' | 'false-converge' | 'missed-converge' | 'no-prediction'
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2
}
const sec = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)} s`)
const msec = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x)} ms`)
const signed = (x: number | undefined, unit: string, digits = 1) => (x === undefined ? '-' : `${x > 0 ? '+' : ''}${x.toFixed(digits)} ${unit}`)
const caseName = (r: Pick<Row, 'dirtyMiB' | 'bandwidthMiB' | 'round'>) => `D=${r.dirtyMiB} BW=${r.bandwidthMiB}${ROUNDS > 1 ? ` #${r.round}` : ''}`
const log = (line: string) => process.stderr.write(`bench/predict: ${line}\n`)

/** The lab profile with the bench's migration settings, in a temp file (host roots made absolute). */
function benchProfile(bandwidthMiB: number): string {
  return labProfile(
    (d) =>
      (d.migration = {
        ...d.migration,
        bandwidth: bandwidthMiB,
        'dirty-rate-seconds': DIRTY_SECONDS,
        'dirty-rate-windows': DIRTY_WINDOWS,
        'max-total': MAX_TOTAL,
        'on-limit': 'cancel',
      }),
  )
}

async function zmigrateMigrate(from: LabHostName, to: LabHostName, profile: string): Promise<Migrated> {
  const t0 = performance.now()
  const r = await execa(process.execPath, [join(REPO, 'bin/run.js'), 'migrate', 'zdemo', '--from', from, '--to', to, '--profile', profile, '--yes', '--json'], {
    reject: false,
    timeout: CHILD_TIMEOUT_MS,
    forceKillAfterDelay: CHILD_KILL_AFTER_MS,
    cwd: REPO,
    env: {ZMIGRATE_DATA_DIR: DATA_DIR, NO_COLOR: '1'},
  })
  const wallSeconds = (performance.now() - t0) / 1000
  const run = {exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, stdout: String(r.stdout), stderr: String(r.stderr)}
  return {...judgeRun(run, `zmigrate migrate zdemo --from ${from} --to ${to}`), from, to, wallSeconds}
}

interface Migrated {
  report: MigrationReport
  exitCode: number
  from: LabHostName
  to: LabHostName
  wallSeconds: number
}

/**
 * The report of one `zmigrate migrate --json` (NDJSON: progress events, then the report as the
 * last line), when the run ended as a bench run may: migrated (exit 0), or cancelled by its limit
 * and rolled back (exit 1). Anything else is a broken run: thrown, with the end of its output.
 */
function judgeRun(
  r: {exitCode?: number; signal?: string; timedOut: boolean; stdout: string; stderr: string},
  command: string,
): Pick<Migrated, 'report' | 'exitCode'> {
  let report: MigrationReport | undefined
  try {
    const doc = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '')
    if (doc?.formatVersion === 1 && typeof doc.outcome === 'string' && typeof doc.finishReason === 'string') report = doc as MigrationReport
  } catch {
    report = undefined
  }
  const exit = r.exitCode ?? r.signal ?? 'none'
  const tail = `${r.stderr.trim().split('\n').slice(-5).join('\n')}\n${r.stdout.slice(-1500)}`
  if (r.timedOut) throw new Error(`${command} did not end within ${CHILD_TIMEOUT_MS / 1000} s (killed)\n${tail}`)
  if (!report) throw new Error(`${command} (exit ${exit}) printed no migration report\n${tail}`)
  const completed = r.exitCode === 0 && report.outcome === 'migrated'
  const limited = r.exitCode === 1 && report.outcome === 'rolled-back' && LIMIT_REASONS.has(report.finishReason)
  if (!completed && !limited)
    throw new Error(`${command} failed: exit ${exit}, outcome ${report.outcome}, finish reason ${report.finishReason}, journal ${report.journal}\n${tail}`)
  return {report, exitCode: r.exitCode ?? -1}
}

async function runOnce(dirtyMiB: number, bandwidthMiB: number, round: number, profile: string): Promise<Row> {
  const from = await whereIs()
  if (!from) throw new Error('zdemo runs on no lab host')
  const row = toRow(dirtyMiB, bandwidthMiB, round, await zmigrateMigrate(from, other(from), profile))
  const ended = row.outcome === 'migrated' ? `migrated in ${sec(row.actual?.migrateSeconds)}` : `${row.finishReason} after ${sec(row.limitElapsedSeconds)}`
  log(`${caseName(row)} ${row.from} -> ${row.to}: ${ended}; predicted ${predictedText(row)}; measured dirty rate ${dirtyText(row)}`)
  if (row.verdict === 'false-converge') log(`FALSE CONVERGE: ${caseName(row)}: the model said ${predictedText(row)}, the migration ended ${row.finishReason}`)
  if (row.verdict === 'no-prediction') log(`NO PREDICTION in the report of ${caseName(row)} (the profile gives a bandwidth: zmigrate should have predicted)`)
  return row
}

/** One run's row: the report's prediction comparison, and the verdict on it. */
function toRow(dirtyMiB: number, bandwidthMiB: number, round: number, m: Migrated): Row {
  const {report} = m
  const p = report.prediction
  const rate = p?.dirtyRate
  const predicted = p?.predicted
  const actual = p?.actual
  const completes = predicted !== undefined && COMPLETES.has(predicted.outcome)
  const migrated = report.outcome === 'migrated'
  return {
    dirtyMiB,
    bandwidthMiB,
    round,
    from: m.from,
    to: m.to,
    wallSeconds: m.wallSeconds,
    exitCode: m.exitCode,
    outcome: report.outcome,
    finishReason: report.finishReason,
    ...(report.limit ? {limitElapsedSeconds: report.limit.elapsedMs / 1000} : {}),
    ...(p ? {basis: p.basis, predicted, actual} : {}),
    ...(rate?.kind === 'measured' ? {measuredDirtyMiB: rate.bytesPerSecond / MiB} : {}),
    ...(rate?.kind === 'measured' && rate.windowBytesPerSecond ? {windowsMiB: rate.windowBytesPerSecond.map((w) => w / MiB)} : {}),
    ...(rate?.kind === 'not-measurable' ? {dirtyRateNote: `not measurable (${rate.reason}: ${rate.detail})`} : {}),
    ...(rate?.kind === 'not-measured' ? {dirtyRateNote: 'not measured'} : {}),
    ...(p?.totalErrorPercent !== undefined ? {totalErrorPercent: p.totalErrorPercent} : {}),
    ...(predicted?.downtimeMs !== undefined && actual?.downtimeMs !== undefined ? {downtimeErrorMs: actual.downtimeMs - predicted.downtimeMs} : {}),
    verdict: !p ? 'no-prediction' : completes && !migrated ? 'false-converge' : !completes && migrated ? 'missed-converge' : 'ok',
  }
}

function predictedText(r: Row): string {
  const p = r.predicted
  if (!p) return 'nothing'
  if (COMPLETES.has(p.outcome)) return `${p.outcome} in ${sec(p.totalSeconds)}`
  return `${p.outcome}${p.endedBy ? ` (${p.endedBy})` : ''}${p.totalSeconds !== undefined ? ` at ${sec(p.totalSeconds)}` : ''}`
}

const dirtyText = (r: Row) =>
  r.measuredDirtyMiB !== undefined
    ? `${r.measuredDirtyMiB.toFixed(0)} MiB/s${r.windowsMiB ? ` (${r.windowsMiB.map((w) => w.toFixed(0)).join('/')})` : ''}`
    : (r.dirtyRateNote ?? '-')

function summarize(rows: Row[], complete: boolean) {
  const totalErrors = rows.flatMap((r) => (r.totalErrorPercent === undefined ? [] : [Math.abs(r.totalErrorPercent)]))
  const downtimeErrors = rows.flatMap((r) => (r.downtimeErrorMs === undefined ? [] : [Math.abs(r.downtimeErrorMs)]))
  const falseConverges = rows.filter((r) => r.verdict === 'false-converge')
  const medianTotal = median(totalErrors)
  return {
    runs: rows.length,
    medianAbsTotalErrorPercent: totalErrors.length > 0 ? medianTotal : undefined,
    totalErrorRuns: totalErrors.length,
    medianAbsDowntimeErrorMs: downtimeErrors.length > 0 ? median(downtimeErrors) : undefined,
    downtimeErrorRuns: downtimeErrors.length,
    falseConverges: falseConverges.length,
    missedConverges: rows.filter((r) => r.verdict === 'missed-converge').length,
    noPrediction: rows.filter((r) => r.verdict === 'no-prediction').length,
    notMeasured: rows.filter((r) => r.measuredDirtyMiB === undefined).length,
    /** Judged only on a complete run: every case ran. */
    targetMet: complete && totalErrors.length > 0 && medianTotal <= TARGET_PERCENT && falseConverges.length === 0,
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ')
  return rows.map((r) => line(r).trimEnd()).join('\n')
}

function print(rows: Row[], complete: boolean) {
  const s = summarize(rows, complete)
  if (JSON_OUT) {
    process.stdout.write(
      JSON.stringify({complete, maxTotalSeconds: MAX_TOTAL, dirtyRateSeconds: DIRTY_SECONDS, dirtyRateWindows: DIRTY_WINDOWS, rows, summary: s}, null, 2) +
        '\n',
    )
    return
  }
  const head = [
    'case',
    'move',
    'dirty rate',
    'predicted',
    'passes',
    'downtime',
    '|',
    'ended',
    'total',
    'last pass',
    'downtime',
    '|',
    'total error',
    'downtime diff',
    'verdict',
  ]
  const body = rows.map((r) => [
    caseName(r),
    `${r.from} -> ${r.to}`,
    dirtyText(r),
    predictedText(r),
    String(r.predicted?.iterations ?? '-'),
    msec(r.predicted?.downtimeMs),
    '|',
    r.outcome === 'migrated' ? 'migrated' : r.finishReason,
    r.outcome === 'migrated' ? sec(r.actual?.migrateSeconds) : `${sec(r.limitElapsedSeconds)} (limit)`,
    String(r.actual?.lastIteration ?? '-'),
    msec(r.actual?.downtimeMs),
    '|',
    signed(r.totalErrorPercent, '%'),
    signed(r.downtimeErrorMs, 'ms', 0),
    r.verdict === 'ok' ? 'ok' : r.verdict.toUpperCase(),
  ])
  console.log(
    `zdemo (256 MiB RAM, data disk copied), zmigrate migrate with bandwidth BW MiB/s, max-total ${MAX_TOTAL} s (on-limit cancel), dirty rate the highest of ${DIRTY_WINDOWS} windows of ${DIRTY_SECONDS} s before virsh migrate`,
  )
  console.log(
    `predicted: the model with that rate (passes: complete pre-copy passes); measured: virsh migrate start to end, libvirt's last memory_iteration and downtime`,
  )
  if (!complete) console.log('INCOMPLETE: the bench broke before every case ran (see the error below); the figures are those of the runs that ended')
  console.log(table([head, ...body]))
  console.log('')
  const pct = (x: number | undefined) => (x === undefined ? 'no run with both figures' : `${x.toFixed(1)} %`)
  console.log(
    `median |total time error|: ${pct(s.medianAbsTotalErrorPercent)} over ${s.totalErrorRuns} of ${s.runs} runs (runs predicted and ended by max-total have none)`,
  )
  console.log(
    `median |downtime difference|: ${s.medianAbsDowntimeErrorMs === undefined ? 'no run with both figures' : msec(s.medianAbsDowntimeErrorMs)} over ${s.downtimeErrorRuns} runs`,
  )
  console.log(`false converges (predicted to complete, did not): ${s.falseConverges}`)
  for (const r of rows.filter((x) => x.verdict === 'false-converge'))
    console.log(
      `  !!! FALSE CONVERGE ${caseName(r)} ${r.from} -> ${r.to}: predicted ${predictedText(r)}, ended ${r.finishReason} after ${sec(r.limitElapsedSeconds)}`,
    )
  if (s.missedConverges > 0) console.log(`predicted not to converge but migrated: ${s.missedConverges}`)
  if (s.noPrediction > 0) console.log(`runs whose report has no prediction: ${s.noPrediction}`)
  if (s.notMeasured > 0) console.log(`runs without a dirty rate measured before virsh migrate (the prediction assumed 0): ${s.notMeasured}`)
  console.log(
    `target (median total time error <= ${TARGET_PERCENT} %, no false converge): ${!complete ? 'not judged (the bench broke)' : s.targetMet ? 'MET' : 'MISSED'}${complete && s.totalErrorRuns === 0 ? ' (no total time error to judge)' : ''}`,
  )
}

async function main(): Promise<number> {
  const up = await lab('up')
  if (up.exitCode !== 0) {
    log(`lab/up failed (${up.exitCode}): ${up.stderr.trim()}`)
    return 1
  }
  const home = await whereIs()
  if (!home) {
    log('zdemo runs on no lab host after lab/up')
    return 1
  }
  const rows: Row[] = []
  /** The temp profiles by bandwidth (0: the lab profile as it is, for the way home). */
  const profiles = new Map<number, string>()
  let broken: unknown
  /** The zm.dirty zdemo runs with, once known to be set. */
  let dirtyNow: number | undefined
  try {
    for (const dirtyMiB of DIRTY) {
      dirtyNow = undefined
      await setDirty(dirtyMiB)
      dirtyNow = dirtyMiB
      for (const bandwidthMiB of BW) {
        const profile = profiles.get(bandwidthMiB) ?? benchProfile(bandwidthMiB)
        profiles.set(bandwidthMiB, profile)
        for (let round = 1; round <= ROUNDS; round++) rows.push(await runOnce(dirtyMiB, bandwidthMiB, round, profile))
      }
    }
  } catch (error) {
    broken = error
  }
  // leave zdemo as lab/up made it: zm.dirty=0, running, where it started (unless the run broke: then where it is, for a human to look)
  const cleanup: string[] = []
  try {
    if (dirtyNow !== 0) await setDirty(0)
  } catch (error) {
    cleanup.push(`restoring zm.dirty=0: ${(error as Error).message}`)
  }
  try {
    const at = await whereIs()
    if (!at) cleanup.push('zdemo runs on no lab host at the end')
    else if (at !== home && !broken) {
      const plain = labProfile()
      profiles.set(0, plain)
      const r = await execa(process.execPath, [join(REPO, 'bin/run.js'), 'migrate', 'zdemo', '--from', at, '--to', home, '--profile', plain, '--yes'], {
        reject: false,
        timeout: CHILD_TIMEOUT_MS,
        forceKillAfterDelay: CHILD_KILL_AFTER_MS,
        cwd: REPO,
        env: {ZMIGRATE_DATA_DIR: DATA_DIR, NO_COLOR: '1'},
      })
      if (r.exitCode !== 0) cleanup.push(`moving zdemo home (${at} -> ${home}): exit ${r.exitCode ?? r.signal}: ${String(r.stderr).trim().split('\n').at(-1)}`)
    } else if (at !== home) cleanup.push(`zdemo left on ${at} (it started on ${home})`)
  } catch (error) {
    cleanup.push(`moving zdemo home: ${(error as Error).message}`)
  }
  for (const file of profiles.values()) rmSync(dirname(file), {recursive: true, force: true})
  print(rows, !broken)
  if (broken) log(`BROKEN RUN: ${broken instanceof Error ? broken.message : String(broken)}`)
  for (const c of cleanup) log(`cleanup: ${c}`)
  return broken || cleanup.length > 0 ? 1 : 0
}

process.exitCode = await main()
