/**
 * One handler per step kind: `run` does it and confirms it took effect; `isDone` tells,
 * after a crash, whether a step that was running had finished (for --resume).
 */
import {oneLine, ZmigrateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {migrateArgv} from '../plan/migrate-options.js'
import type {ActionOf, DeviceRef, DeviceScope, PlanHostRole, StepAction} from '../plan/types.js'
import {formatBytes} from '../units.js'
import type {EventSink} from './events.js'
import {
  createImage,
  dasdOnlineStates,
  domainState,
  failureText,
  hasDevice,
  liveXml,
  pathExists,
  removeImage,
  removeUnusedImage,
  setDasdOnline,
  virsh,
  virshWithFile,
  type HostRef,
} from './host-ops.js'
import {etaSeconds, parseJobInfo, type JobStats} from './jobinfo.js'
import {sleep} from './wait.js'
import {MAX_PENDING_SAMPLE_CHARS, SampleStream} from './sample-stream.js'

export interface StepEnv {
  /** The guest's name, for messages. */
  guest: string
  /**
   * The guest's UUID, the only way steps name it to virsh: `--domain X` resolves X as an ID
   * first, then a UUID, then a name, so a guest named '1' would be whichever guest has ID 1.
   */
  domain: string
  hosts: Record<PlanHostRole, HostRef>
  emit: EventSink
  signal?: AbortSignal
  /** Seconds to wait for a detached device to disappear. */
  detachTimeoutSeconds: number
  /** How often to sample domjobinfo during a migration. */
  progressIntervalMs: number
}

export class StepError extends ZmigrateError {
  /** Where the guest was found after a failed migration. */
  readonly guestLocation?: {source: string; destination: string}
  constructor(message: string, opts: {remedy?: string; guestLocation?: {source: string; destination: string}} = {}) {
    super(message, {exitCode: ExitCode.BLOCKED, code: 'E_STEP', remedy: opts.remedy})
    this.guestLocation = opts.guestLocation
  }
}

const other = (role: PlanHostRole): PlanHostRole => (role === 'source' ? 'destination' : 'source')

const scopeFlags = (scope: DeviceScope): string[] => scope.map((s) => `--${s}`)

async function deviceIsPresent(h: HostRef, domain: string, device: DeviceRef, scope: DeviceScope): Promise<boolean> {
  return hasDevice(await liveXml(h, domain, !scope.includes('live')), device)
}

async function waitForDevice(h: HostRef, env: StepEnv, device: DeviceRef, scope: DeviceScope, present: boolean, timeoutSeconds: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000
  for (;;) {
    if ((await deviceIsPresent(h, env.domain, device, scope)) === present) return true
    if (Date.now() >= deadline || env.signal?.aborted) return false
    await sleep(250, env.signal)
  }
}

export type StepResult = Record<string, unknown>

/** An error as the one line a journal and a report show. */
export const errorLine = (error: unknown): string => oneLine(String((error as Error)?.message ?? error))

export async function runAction(action: StepAction, env: StepEnv): Promise<StepResult> {
  const h = env.hosts[action.host]
  switch (action.kind) {
    case 'set-dasd-online':
    case 'set-dasd-offline': {
      const changed = await setDasdOnline(h, action.busIds, action.kind === 'set-dasd-online')
      return {changed}
    }
    case 'create-image': {
      await createImage(h, action.image)
      return {created: true, path: action.image.path}
    }
    case 'remove-image': {
      await removeImage(h, action.image.path)
      return {removed: action.image.path}
    }
    case 'detach-device': {
      const {device} = action
      const r = await virshWithFile(h, ['detach-device', '--domain', env.domain, ...scopeFlags(action.scope)], device.xml)
      if (r.exitCode !== 0) throw new StepError(`${h.t.hostName}: detach of ${device.label} failed: ${failureText(r)}`)
      // virsh returns once the request is sent; the guest must release the device (IBM: set it offline in the guest first)
      if (!(await waitForDevice(h, env, device, action.scope, false, env.detachTimeoutSeconds))) {
        throw new StepError(`${h.t.hostName}: ${device.label} is still attached to ${env.guest} after ${env.detachTimeoutSeconds} s`, {
          remedy: 'Release the device inside the guest (e.g. chccwdev -d for a DASD, unmount, close tape devices), then retry with zmigrate migrate --resume.',
        })
      }
      return {}
    }
    case 'attach-device': {
      const {device} = action
      const r = await virshWithFile(h, ['attach-device', '--domain', env.domain, ...scopeFlags(action.scope)], device.xml)
      if (r.exitCode !== 0) throw new StepError(`${h.t.hostName}: attach of ${device.label} failed: ${failureText(r)}`)
      if (!(await waitForDevice(h, env, device, action.scope, true, 30)))
        throw new StepError(`${h.t.hostName}: ${device.label} does not appear in ${env.guest}'s XML after attach`)
      return {}
    }
    case 'migrate':
      return migrate(action, env)
    case 'verify':
      return verify(action, env)
    case 'remove-copied-image':
      await removeUnusedImage(h, action.image.path)
      return {removed: action.image.path}
  }
}

/**
 * Samples `domjobinfo` every interval through ONE long-lived virsh session on the source (commands
 * on its stdin), instead of a new ssh command and virsh process per sample: on a busy host each of
 * those costs CPU that the migration itself needs. The guest is named by UUID, a safe token.
 */
const JOB_SAMPLER = 'while :; do printf "domjobinfo --domain %s --rawstats\\necho ::zm-sample::\\n" "$1" || exit 0; sleep "$3"; done | virsh -q -c "$2"'

async function migrate(action: ActionOf<'migrate'>, env: StepEnv): Promise<StepResult> {
  const opts = action.migrate
  const from = env.hosts[action.host]
  const to = env.hosts[other(action.host)]
  const started = Date.now()
  const migration = from.t.run(['virsh', '-c', from.uri, ...migrateArgv(env.domain, opts)], {signal: env.signal})
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
  }
  const stopSampling = new AbortController()
  const samples = new SampleStream('::zm-sample::')
  let noted = false
  const seconds = String(Math.max(0.2, env.progressIntervalMs / 1000))
  const sampler = sleep(Math.min(env.progressIntervalMs, 500), stopSampling.signal).then(() =>
    stopSampling.signal.aborted
      ? undefined
      : from.t
          .run(['sh', '-c', JOB_SAMPLER, 'zmigrate', env.domain, from.uri, seconds], {
            signal: stopSampling.signal,
            keepStdout: false,
            onStdout: (chunk) => {
              const {samples: done, dropped} = samples.push(chunk)
              for (const part of done) onSample(parseJobInfo(part))
              if (dropped && !noted) {
                noted = true
                env.emit({
                  type: 'notice',
                  message: `${from.t.hostName}: the progress sampler printed ${formatBytes(MAX_PENDING_SAMPLE_CHARS)} without a sample end; progress is skipped until it does`,
                })
              }
            },
          })
          .catch(() => undefined),
  )
  const result = await migration.finally(() => stopSampling.abort())
  await sampler
  const wallMs = Date.now() - started
  if (result.exitCode !== 0) {
    const location = {source: await domainState(from, env.domain).catch(() => 'unknown'), destination: await domainState(to, env.domain).catch(() => 'unknown')}
    throw new StepError(
      `${from.t.hostName}: virsh migrate failed: ${failureText(result)} (guest now: ${from.t.hostName} ${location.source}, ${to.t.hostName} ${location.destination})`,
      {guestLocation: location},
    )
  }
  // the destination keeps the completed job's statistics until read: verify reads them, so the
  // migration step ends when virsh does
  return {wallMs}
}

/** libvirt's statistics of the migration that brought the guest here (downtime, bytes, bandwidth). */
async function completedMigrationStats(h: HostRef, guest: string): Promise<StepResult> {
  const completed = await virsh(h, ['domjobinfo', '--domain', guest, '--completed', '--rawstats'], {timeoutMs: 10_000}).catch(() => undefined)
  const stats = completed?.exitCode === 0 ? parseJobInfo(completed.stdout) : undefined
  if (!stats || stats.type !== 'Completed') return {}
  return {downtimeMs: stats.downtimeMs, dataTotal: stats.dataTotal, memoryBps: stats.memoryBps, migrationMs: stats.elapsedMs}
}

async function verify(action: ActionOf<'verify'>, env: StepEnv): Promise<StepResult> {
  const {expect} = action
  const on = env.hosts[expect.guestOn]
  const off = env.hosts[other(expect.guestOn)]
  const problems: string[] = []
  const [state, stats] = await Promise.all([domainState(on, env.domain), expect.state === 'shut off' ? {} : completedMigrationStats(on, env.domain)])
  if (state !== expect.state) problems.push(`${env.guest} is ${state} on ${on.t.hostName} (expected ${expect.state})`)
  const left = await domainState(off, env.domain)
  if (expect.sourceState === 'absent' ? left !== 'absent' : left !== 'absent' && left !== 'shut off') {
    problems.push(`${env.guest} is ${left} on ${off.t.hostName} (expected ${expect.sourceState})`)
  }
  if (state !== 'absent' && expect.devices.length > 0) {
    const xml = await liveXml(on, env.domain, expect.state === 'shut off')
    for (const d of expect.devices) if (!hasDevice(xml, d)) problems.push(`${d.label} missing on ${on.t.hostName}`)
  }
  if (problems.length > 0) throw new StepError(`verification failed: ${problems.join('; ')}`)
  return {state, sourceState: left, ...stats}
}

/** After a crash: had this action taken effect? */
export async function isDone(action: StepAction, env: StepEnv): Promise<boolean> {
  const h = env.hosts[action.host]
  switch (action.kind) {
    case 'set-dasd-online':
    case 'set-dasd-offline': {
      const states = await dasdOnlineStates(h, action.busIds)
      return action.busIds.every((id) => states[id] === (action.kind === 'set-dasd-online'))
    }
    case 'create-image':
      return pathExists(h, action.image.path)
    case 'remove-image':
      return !(await pathExists(h, action.image.path))
    case 'detach-device':
      return !(await deviceIsPresent(h, env.domain, action.device, action.scope))
    case 'attach-device':
      return deviceIsPresent(h, env.domain, action.device, action.scope)
    case 'migrate': {
      const to = env.hosts[other(action.host)]
      const [here, there] = [await domainState(h, env.domain), await domainState(to, env.domain)]
      const arrived = action.migrate.mode === 'offline' ? there !== 'absent' : there === 'running' || there === 'paused'
      return arrived && (here === 'absent' || here === 'shut off')
    }
    case 'verify':
      return false
    case 'remove-copied-image':
      return !(await pathExists(h, action.image.path))
  }
}

/** When the runner found a migration job still in flight on resume, wait for it to end. */
export async function waitForMigrationJob(action: StepAction, env: StepEnv, timeoutMs: number): Promise<void> {
  const h = env.hosts[action.host]
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const r = await virsh(h, ['domjobinfo', '--domain', env.domain, '--rawstats'], {timeoutMs: 5000}).catch(() => undefined)
    const type = r?.exitCode === 0 ? parseJobInfo(r.stdout).type : 'None'
    if (type === 'None' || type === undefined) return
    await sleep(1000, env.signal)
  }
}
