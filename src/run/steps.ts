/**
 * One handler per step kind: `run` does it and confirms it took effect; `isDone` tells,
 * after a crash, whether a step that was running had finished (for --resume).
 */
import type {ActionOf, DeviceRef, DeviceScope, StepAction} from '../plan/types.js'
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
import {parseJobInfo} from './jobinfo.js'
import {migrate} from './migrate-step.js'
import {otherRole as other, StepError, type StepEnv, type StepResult} from './step-env.js'
import {sleep} from './wait.js'

export {errorLine, StepError, type StepEnv, type StepResult} from './step-env.js'

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

/** libvirt's statistics of the migration that brought the guest here (downtime, bytes, bandwidth). */
async function completedMigrationStats(h: HostRef, guest: string): Promise<StepResult> {
  const completed = await virsh(h, ['domjobinfo', '--domain', guest, '--completed', '--rawstats'], {timeoutMs: 10_000}).catch(() => undefined)
  const stats = completed?.exitCode === 0 ? parseJobInfo(completed.stdout) : undefined
  if (!stats || stats.type !== 'Completed') return {}
  return {
    downtimeMs: stats.downtimeMs,
    dataTotal: stats.dataTotal,
    memoryBps: stats.memoryBps,
    migrationMs: stats.elapsedMs,
    ...(stats.iteration !== undefined ? {lastIteration: stats.iteration} : {}),
  }
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
