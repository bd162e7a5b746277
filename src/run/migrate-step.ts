/**
 * The migrate step: `virsh migrate` on the source, its progress from domjobinfo, and what
 * zmigrate does while it runs.
 *
 * Before: when the plan could predict (a bandwidth is known) and the guest runs, its dirty rate is
 * measured right then (hosts/dirty-rate-measure.ts, dirty-bitmap mode) and the plan's scenario is
 * predicted again with it; the journal keeps both, the report compares them with what happened.
 *
 * While it runs (migrate-watch.ts): the limits (run/limits.ts) and a cancel. A limit exceeded does
 * what on-limit says; a cancel (zmigrate cancel's request on the AbortSignal, or a plain signal:
 * Ctrl-C, SIGTERM) sends domjobabort and lets virsh migrate end on its own, killing it only if it
 * has not after ABORT_GRACE_MS. Whatever zmigrate sent is recorded before it is sent, so a job
 * that failed on its own (no stop recorded) is told apart from one zmigrate aborted.
 *
 * After a failure, the evidence for the finish reason: where the guest is (and whether each host
 * answers), how libvirt says the job ended (domjobinfo --completed on the source: type, errmsg),
 * whether it had switched to post-copy (domstate --reason). A cancel that left the guest paused on
 * the source (it was suspended to finish) resumes it: the guest runs on the source as before.
 *
 * The way back (a rollback's migrate) runs here too, without measurement, limits or notes.
 */
import {measureGuests} from '../hosts/dirty-rate-measure.js'
import type {DirtyRateFact, ResidentMemoryFact} from '../hosts/facts-types.js'
import {modelRates} from '../hosts/measured-rate.js'
import {migrateArgv} from '../plan/migrate-options.js'
import type {ActionOf} from '../plan/types.js'
import {predictMigration} from '../predict/precopy.js'
import {formatBytes, formatDuration} from '../units.js'
import {domainState, failureText, virsh, type HostRef} from './host-ops.js'
import {domainStateReason, inPostcopy, lastJob, steerJob} from './job-control.js'
import {etaSeconds, parseJobInfo, type JobStats} from './jobinfo.js'
import type {MigrationRecord} from './journal.js'
import {MigrationWatch} from './migrate-watch.js'
import {MAX_PENDING_SAMPLE_CHARS, SampleStream} from './sample-stream.js'
import {otherRole, StepError, type StepEnv, type StepResult} from './step-env.js'
import {sleep} from './wait.js'

/**
 * Samples `domjobinfo` every interval through ONE long-lived virsh session on the source (commands
 * on its stdin), instead of a new ssh command and virsh process per sample: on a busy host each of
 * those costs CPU that the migration itself needs. The guest is named by UUID, a safe token.
 */
export const JOB_SAMPLER = 'while :; do printf "domjobinfo --domain %s --rawstats\\necho ::zm-sample::\\n" "$1" || exit 0; sleep "$3"; done | virsh -q -c "$2"'
export const SAMPLE_END = '::zm-sample::'

export async function migrate(action: ActionOf<'migrate'>, env: StepEnv): Promise<StepResult> {
  const opts = action.migrate
  const from = env.hosts[action.host]
  const to = env.hosts[otherRole(action.host)]
  const forward = action.host === 'source'
  const note = forward ? (env.note ?? (() => undefined)) : () => undefined
  if (forward && opts.mode === 'live') await measureAndPredict(from, env, note)
  if (env.signal?.aborted)
    throw new StepError(`interrupted by signal before virsh migrate started`, {finish: {sourceAnswered: true, destinationAnswered: true}})
  const kill = new AbortController()
  const started = Date.now()
  const migration = from.t.run(['virsh', '-c', from.uri, ...migrateArgv(env.domain, opts)], {signal: kill.signal})
  const watch = new MigrationWatch({from, env, migrate: opts, started, note, kill, limits: forward ? opts.limits : undefined})
  let prev: JobStats | undefined
  let prevAt = 0
  let downtimeSet = opts.maxDowntimeMs === undefined
  const onSample = (stats: JobStats) => {
    if (stats.type === 'None' || stats.type === undefined) return
    const now = Date.now()
    env.emit({type: 'progress', step: 'migrate', stats, etaSeconds: etaSeconds(prev, stats, now - prevAt)})
    prev = stats
    prevAt = now
    if (!downtimeSet) {
      downtimeSet = true // once: a failure here must not stop the migration
      void virsh(from, ['migrate-setmaxdowntime', '--domain', env.domain, '--downtime', String(opts.maxDowntimeMs)], {timeoutMs: 5000}).catch(() => undefined)
    }
    watch.sample(stats)
  }
  const sampler = sample(from, env, onSample)
  const result = await migration.finally(() => {
    watch.end()
    sampler.stop()
  })
  await sampler.done
  const wallMs = Date.now() - started
  if (watch.lastIteration !== undefined) note({lastIteration: watch.lastIteration})
  if (result.exitCode === 0) return {wallMs, ...(watch.lastIteration !== undefined ? {lastIteration: watch.lastIteration} : {})}
  const answered = async (h: HostRef) => domainState(h, env.domain).catch(() => 'unknown')
  const location = {source: await answered(from), destination: await answered(to)}
  const job = location.source === 'unknown' ? undefined : await lastJob(from, env.domain)
  const postcopyStarted =
    watch.postcopyStarted || (location.source !== 'unknown' && inPostcopy(await domainStateReason(from, env.domain))) || timedOutIntoPostcopy(opts, wallMs)
  if (postcopyStarted) note({postcopyStarted})
  if (watch.stoppedBy && location.source === 'paused' && env.guestState === 'running' && !postcopyStarted) {
    // cancelled after it was paused to finish: the guest runs on the source as before the migration
    const resumed = await steerJob(from, 'resume', env.domain).catch(() => undefined)
    if (resumed?.exitCode === 0) location.source = 'running'
  }
  const why = watch.stopText()
  throw new StepError(
    `${from.t.hostName}: ${why ? `${why}; ` : ''}virsh migrate failed: ${failureText(result)} (guest now: ${from.t.hostName} ${location.source}, ${to.t.hostName} ${location.destination})`,
    {
      guestLocation: location,
      finish: {
        job: {type: job?.type, errmsg: job?.errmsg ?? failureText(result)},
        ...(watch.stoppedBy ? {stoppedBy: watch.stoppedBy} : {}),
        sourceAnswered: location.source !== 'unknown',
        destinationAnswered: location.destination !== 'unknown',
        postcopyStarted,
      },
    },
  )
}

/** virsh's own --timeout-postcopy switched it once the migration had run that long. */
function timedOutIntoPostcopy(opts: ActionOf<'migrate'>['migrate'], wallMs: number): boolean {
  return opts.postcopy && opts.timeoutAction === 'postcopy' && opts.timeoutSeconds !== undefined && wallMs > opts.timeoutSeconds * 1000
}

/**
 * The dirty rate now and the plan's scenario predicted with it; only when the plan could predict
 * (a bandwidth is known) and the guest runs. A measurement that fails leaves the plan's prediction.
 */
async function measureAndPredict(from: HostRef, env: StepEnv, note: (patch: Partial<MigrationRecord>) => void): Promise<void> {
  const plan = env.prediction
  if (plan?.kind !== 'predicted') return
  let dirtyRate: DirtyRateFact | undefined
  let residentMemory: ResidentMemoryFact | undefined
  if (env.guestState === 'running') {
    // as the plan says to measure this guest (older plans: dirty-bitmap, no resident size)
    const target = {uuid: env.domain, name: env.guest, mode: plan.measure?.dirtyRateMode, memoryKiB: plan.measure?.memoryKiB}
    const measured = (await measureGuests(from.t, from.uri, [target], env.dirtyRate, {signal: env.signal})).get(env.domain.toLowerCase())
    dirtyRate = measured?.dirtyRate
    residentMemory = measured?.residentMemory
  }
  const measured = dirtyRate?.kind === 'measured' ? dirtyRate : undefined
  const resident = residentMemory?.kind === 'measured' ? residentMemory : undefined
  // the rates measured now replace the plan's, its average with them (or none)
  const {averageDirtyBytesPerSecond: plannedAverage, ...unmeasured} = plan.scenario
  const scenario = {
    ...unmeasured,
    ...(measured ? modelRates(measured) : plannedAverage !== undefined ? {averageDirtyBytesPerSecond: plannedAverage} : {}),
    // the RAM resident now; the plan's scenario had at most the guest's size
    ...(resident ? {ramBytes: Math.min(plan.scenario.ramBytes, resident.bytes)} : {}),
  }
  const prediction =
    measured || resident
      ? {
          basis: 'measured-before-migrate' as const,
          dirtyRate: measured ?? plan.dirtyRate,
          ...(resident ? {residentMemory: resident} : {}),
          ramBytes: scenario.ramBytes,
          result: predictMigration(scenario),
        }
      : {basis: 'plan' as const, dirtyRate: plan.dirtyRate, ramBytes: plan.scenario.ramBytes, result: plan.result}
  note({...(dirtyRate ? {dirtyRate} : {}), ...(residentMemory ? {residentMemory} : {}), prediction})
  const r = prediction.result
  const planned = plan.dirtyRate.kind === 'measured' ? `${formatBytes(plan.dirtyRate.bytesPerSecond)}/s (the plan's)` : 'not measured (assumed 0)'
  const rate = measured ? `${formatBytes(measured.bytesPerSecond)}/s (measured now)` : planned
  const ram = `${formatBytes(scenario.ramBytes)} of RAM to send${resident ? ' (resident now)' : ''}`
  const end =
    r.outcome === 'converges' || r.outcome === 'postcopy'
      ? `about ${formatDuration(r.totalSeconds ?? 0)}${r.iterations !== undefined ? `, ${r.iterations} passes` : ''}${r.downtimeMs !== undefined ? `, downtime about ${Math.round(r.downtimeMs)} ms` : ''}${r.outcome === 'postcopy' ? ' (post-copy)' : ''}`
      : `${r.outcome === 'never' ? 'does not converge' : r.outcome}${r.endedBy ? ` (${r.endedBy})` : ''}`
  env.emit({type: 'notice', message: `${env.guest}: dirty rate ${rate}, ${ram}; predicted: ${end}`})
}

/** The progress sampler (JOB_SAMPLER) on the source until stop(); its failures only cost progress. */
function sample(from: HostRef, env: StepEnv, onSample: (stats: JobStats) => void): {stop: () => void; done: Promise<void>} {
  const stopping = new AbortController()
  const samples = new SampleStream(SAMPLE_END)
  let noted = false
  const seconds = String(Math.max(0.2, env.progressIntervalMs / 1000))
  const done = sleep(Math.min(env.progressIntervalMs, 500), stopping.signal).then(async () => {
    if (stopping.signal.aborted) return
    await from.t
      .run(['sh', '-c', JOB_SAMPLER, 'zmigrate', env.domain, from.uri, seconds], {
        signal: stopping.signal,
        keepStdout: false,
        onStdout: (chunk) => {
          const {samples: complete, dropped} = samples.push(chunk)
          for (const part of complete) onSample(parseJobInfo(part))
          if (dropped && !noted) {
            noted = true
            env.emit({
              type: 'notice',
              message: `${from.t.hostName}: the progress sampler printed ${formatBytes(MAX_PENDING_SAMPLE_CHARS)} without a sample end; progress is skipped until it does`,
            })
          }
        },
      })
      .catch(() => undefined)
  })
  return {stop: () => stopping.abort(), done}
}
