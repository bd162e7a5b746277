/**
 * A scripted stand-in for two libvirt hosts, for unit tests of the runner's ordering, journal
 * and rollback logic (the lab tests do the same against real libvirtd). It understands exactly
 * the argv shapes src/run/host-ops.ts sends and records every command it was given.
 */
import {findChild, parseXmlFragment, serializeXml, type XmlNode} from '../../src/domain/xml-fragment.js'
import {MEASURE_SCRIPT} from '../../src/hosts/dirty-rate-measure.js'
import {domainSizeOf} from '../../src/hosts/parse-virsh.js'
import type {HostTransport, RunOptions, RunResult} from '../../src/hosts/transport.js'
import {matcherFor} from '../../src/plan/device-moves.js'
import {hasDevice} from '../../src/run/host-ops.js'
import {JOB_SAMPLER, SAMPLE_END} from '../../src/run/migrate-step.js'
import {FakeJob, measureScript, type FakeJobScript} from './fake-job.js'

export interface FakeDomain {
  state: string
  xml: XmlNode
  /** The running domain's ID (virsh resolves `--domain N` as an ID first). */
  id?: number
  /** `virsh domstate --reason`'s reason, e.g. 'post-copy failed'. */
  reason?: string
  /** What domdirtyrate-calc measures (MiB/s); unset: 0. A list: each measurement the next figure, round again. */
  dirtyRateMiB?: number | number[]
  /** Its RAM resident on the host (MiB), as its QEMU's smaps would say; unset: no QEMU pid file. */
  residentMiB?: number
}

export interface FakeHostState {
  name: string
  uri: string
  migrationUri: string
  domains: Map<string, FakeDomain>
  files: Set<string>
  dasdOnline: Map<string, boolean>
}

export type Failure = {exitCode?: number; stderr?: string}

export class FakeWorld {
  readonly hosts: Record<string, FakeHostState> = {}
  readonly log: string[] = []
  /** Return a failure for a command to make it fail (host, argv). */
  failWhen: (host: string, argv: readonly string[]) => Failure | undefined = () => undefined
  /** Set: `virsh migrate` is a job that runs over time (fake-job.ts); unset: it completes at once. */
  job?: FakeJobScript
  /** The running jobs, by host and guest name. */
  readonly jobs = new Map<string, FakeJob>()
  /** `domjobinfo --completed --rawstats` of the last job that ended, by host and guest name. */
  readonly lastJobs = new Map<string, string>()
  /** Each dirty-rate measurement started: host, guest name, seconds, mode. */
  readonly dirtyRateCalls: {host: string; guest: string; seconds: number; mode?: string}[] = []

  addHost(name: string, migrationUri: string): FakeHostState {
    const h: FakeHostState = {name, uri: 'qemu:///system', migrationUri, domains: new Map(), files: new Set(), dasdOnline: new Map()}
    this.hosts[name] = h
    return h
  }

  transport(name: string): HostTransport {
    return new FakeTransport(this, name)
  }

  byMigrationUri(uri: string): FakeHostState | undefined {
    return Object.values(this.hosts).find((h) => h.migrationUri === uri)
  }
}

const ok = (stdout = ''): RunResult => ({stdout, stderr: '', exitCode: 0})
const err = (stderr: string, exitCode = 1): RunResult => ({stdout: '', stderr: `error: ${stderr}\n`, exitCode})

function devicesOf(dom: FakeDomain): XmlNode {
  return findChild(dom.xml, 'devices')!
}

/** Readable log line: the virsh command, or what a fixed script does with its arguments. */
function describe(argv: readonly string[], inner: readonly string[], uri: string): string {
  if (argv[0] === 'sh') {
    const script = argv[2]
    if (script.includes('want=$2')) return `dasd-online=${inner[1]} ${inner.slice(2).join(' ')}`
    if (script.includes('/sys/bus/ccw/devices/$id/online')) return `dasd-state ${inner.slice(1).join(' ')}`
    if (script.includes('qemu-img create')) return `qemu-img create ${inner.join(' ')}`
    if (script.includes('-inum')) return `remove-copied-image ${inner[1]}`
    if (script === JOB_SAMPLER) return 'domjobinfo sampler'
    if (script === MEASURE_SCRIPT)
      // `calc:UUID:WINDOW`: each guest once
      return `dirty-rate ${[...new Set(inner.filter((a) => a.startsWith('calc:')).map((a) => a.split(':')[1]))].join(' ')}`
  }
  return inner.filter((a) => a !== '-c' && a !== uri && a !== 'virsh').join(' ')
}

/**
 * `--domain X` as virsh resolves it (vshLookupDomainBy): an ID of a running domain first, then a
 * UUID, then a name. Returns the domain's name (the map key).
 */
function lookupDomain(h: FakeHostState, token: string): string | undefined {
  const entries = [...h.domains.entries()]
  if (/^\d+$/.test(token)) {
    const byId = entries.find(([, d]) => d.id === Number(token) && d.state !== 'shut off')
    if (byId) return byId[0]
  }
  const byUuid = entries.find(([, d]) => findChild(d.xml, 'uuid')?.text?.trim() === token)
  if (byUuid) return byUuid[0]
  return h.domains.has(token) ? token : undefined
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag)
  return i >= 0 ? argv[i + 1] : undefined
}

class FakeTransport implements HostTransport {
  readonly kind = 'local' as const
  roundTrips = 0
  constructor(
    private world: FakeWorld,
    readonly hostName: string,
  ) {}

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.roundTrips++
    const h = this.world.hosts[this.hostName]
    // sh -c SCRIPT zmigrate ARGS…: the runner's fixed scripts; the interesting part follows 'zmigrate'
    const inner = argv[0] === 'sh' ? argv.slice(4) : argv
    const summary = `${this.hostName}: ${describe(argv, inner, h.uri)}`
    if (!/domjobinfo|dumpxml|domstate|dasd-state|^.*: test /.test(summary)) this.world.log.push(summary)
    const failure = this.world.failWhen(this.hostName, inner)
    if (failure) return {stdout: '', stderr: failure.stderr ?? 'error: injected failure\n', exitCode: failure.exitCode ?? 1}
    if (argv[0] === 'sh') return this.script(h, argv[2], inner, opts)
    if (argv[0] === 'test') return h.files.has(argv[2]) ? ok() : {stdout: '', stderr: '', exitCode: 1}
    if (argv[0] === 'rm') {
      h.files.delete(argv.at(-1)!)
      return ok()
    }
    if (argv[0] !== 'virsh') return err(`fake: unknown command ${argv[0]}`, 127)
    return this.virsh(h, argv, opts)
  }

  private virsh(h: FakeHostState, argv: readonly string[], opts: RunOptions = {}): RunResult | Promise<RunResult> {
    const cmd = argv[3]
    // domstats takes the guest as its operand
    const token = flagValue(argv, '--domain') ?? argv.at(-1)!
    const guest = lookupDomain(h, token) ?? token
    const dom = h.domains.get(guest)
    const job = this.world.jobs.get(`${h.name}/${guest}`)
    const missing = () => err(`failed to get domain '${guest}'`)
    switch (cmd) {
      case 'domstate':
        return dom ? ok(`${dom.state}${argv.includes('--reason') && dom.reason ? ` (${dom.reason})` : ''}\n\n`) : missing()
      case 'dumpxml':
        return dom ? ok(serializeXml(dom.xml)) : missing()
      case 'domjobinfo':
        if (!argv.includes('--completed')) return ok(job?.active ? job.sampleText() : 'type=0\n')
        return ok(this.world.lastJobs.get(`${h.name}/${guest}`) ?? 'type=3\ntime_elapsed=900\ndowntime=27\ndata_total=1048576\n')
      case 'migrate-setmaxdowntime':
        return ok()
      case 'migrate':
        return this.world.job ? this.runningMigration(h, guest, argv, opts) : this.migrate(h, guest, argv)
      case 'domjobabort':
        return job ? job.abort() : err('Requested operation is not valid: no job is active on the domain')
      case 'migrate-postcopy':
        return job ? job.switchToPostcopy() : err('Requested operation is not valid: domain is not being migrated')
      case 'suspend':
        if (!dom) return missing()
        if (job?.active) job.suspend()
        else Object.assign(dom, {state: 'paused', reason: 'user'})
        return ok('Domain suspended\n')
      case 'resume':
        if (!dom) return missing()
        Object.assign(dom, {state: 'running', reason: undefined})
        return ok('Domain resumed\n')
      case 'domdirtyrate-calc':
        if (!dom) return missing()
        if (dom.state !== 'running') return err('Requested operation is not valid: domain is not running')
        this.world.dirtyRateCalls.push({host: h.name, guest, seconds: Number(flagValue(argv, '--seconds')), mode: flagValue(argv, '--mode')})
        return ok("Start to calculate domain's memory dirty rate successfully.\n")
      case 'domstats': {
        if (!dom) return missing()
        const calls = this.world.dirtyRateCalls.filter((c) => c.host === h.name && c.guest === guest)
        const call = calls.at(-1)
        const rates = [dom.dirtyRateMiB ?? 0].flat()
        if (!call) return ok(`Domain: '${guest}'\n  dirtyrate.calc_status=0\n\n`)
        const lines = [
          'calc_status=2',
          `calc_period=${call.seconds}`,
          `megabytes_per_second=${rates[(calls.length - 1) % rates.length]}`,
          `calc_mode=${call.mode ?? 'page-sampling'}`,
        ]
        return ok(`Domain: '${guest}'\n${lines.map((l) => `  dirtyrate.${l}\n`).join('')}\n`)
      }
      default:
        return err(`fake: unknown virsh command ${cmd}`)
    }
  }

  /** `virsh migrate` as a job (world.job): it returns when the job ends. */
  private runningMigration(h: FakeHostState, guest: string, argv: readonly string[], opts: RunOptions): Promise<RunResult> {
    const dom = h.domains.get(guest)
    const to = this.world.byMigrationUri(flagValue(argv, '--desturi')!)
    if (!dom || !to || !this.world.job) return Promise.resolve(err(`failed to get domain '${guest}'`))
    const key = `${h.name}/${guest}`
    // one job per script: a migration back (a rollback's) completes at once
    const script = this.world.job
    this.world.job = undefined
    const job = new FakeJob(
      script,
      argv.includes('--postcopy'),
      {
        arrive: () => {
          to.domains.set(guest, {state: argv.includes('--suspend') ? 'paused' : 'running', xml: structuredClone(dom.xml)})
          if (argv.includes('--undefinesource')) h.domains.delete(guest)
          else dom.state = 'shut off'
        },
        pause: (reason) => Object.assign(dom, {state: 'paused', reason}),
        record: (stats) => this.world.lastJobs.set(key, stats),
      },
      opts.signal,
    )
    this.world.jobs.set(key, job)
    return job.done
  }

  /** The runner's progress sampler: a sample of the running job every few ms until it is stopped. */
  private async sampler(h: FakeHostState, inner: readonly string[], opts: RunOptions): Promise<RunResult> {
    const [uuid] = inner
    const guest = lookupDomain(h, uuid) ?? uuid
    while (!opts.signal?.aborted) {
      const job = this.world.jobs.get(`${h.name}/${guest}`)
      opts.onStdout?.(`${job?.active ? job.sampleText() : 'type: 0\n'}${SAMPLE_END}\n`)
      await new Promise((r) => setTimeout(r, 5))
    }
    return ok()
  }

  private migrate(h: FakeHostState, guest: string, argv: readonly string[]): RunResult {
    const dom = h.domains.get(guest)
    if (!dom) return err(`failed to get domain '${guest}'`)
    const to = this.world.byMigrationUri(flagValue(argv, '--desturi')!)
    if (!to) return err('fake: unknown destination URI')
    if (to === h) return err('internal error: Attempt to migrate guest to the same host')
    to.domains.set(guest, {state: argv.includes('--offline') ? 'shut off' : argv.includes('--suspend') ? 'paused' : dom.state, xml: structuredClone(dom.xml)})
    if (argv.includes('--undefinesource')) h.domains.delete(guest)
    else dom.state = 'shut off'
    return ok(`\nMigration: [100 %]\n`)
  }

  private script(h: FakeHostState, script: string, inner: readonly string[], opts: RunOptions): RunResult | Promise<RunResult> {
    if (script === JOB_SAMPLER) return this.sampler(h, inner, opts)
    if (script === MEASURE_SCRIPT)
      return measureScript(
        inner,
        async (command) => {
          const failure = this.world.failWhen(this.hostName, command)
          return failure ? {stdout: '', stderr: failure.stderr ?? 'error: injected failure\n', exitCode: failure.exitCode ?? 1} : this.virsh(h, command)
        },
        (name) => {
          const dom = h.domains.get(name)
          const memoryKiB = dom ? (domainSizeOf(serializeXml(dom.xml)).memoryKiB ?? 0) : 0
          if (dom?.residentMiB === undefined) return {stdout: `no QEMU pid file /run/libvirt/qemu/${name}.pid\n`, stderr: '', exitCode: 3}
          return {
            stdout: `7f0000000000-7f0010000000 rw-p 00000000 00:00 0\nSize: ${memoryKiB} kB\nRss: ${dom.residentMiB * 1024} kB\n`,
            stderr: '',
            exitCode: 0,
          }
        },
      )
    if (script.includes('--file "$f"')) {
      const [, , , action] = inner // virsh -c uri attach-device|detach-device
      const token = flagValue(inner, '--domain')!
      const dom = h.domains.get(lookupDomain(h, token) ?? token)
      if (!dom) return err(`failed to get domain '${token}'`)
      const device = parseXmlFragment(String(opts.stdin))
      const devices = devicesOf(dom)
      const match = matcherFor(String(opts.stdin))
      const ref = {kind: match.element, label: device.name, xml: String(opts.stdin), match}
      if (action === 'attach-device') {
        if (hasDevice(serializeXml(dom.xml), ref)) return err('fake: device already attached')
        devices.children.push(device)
      } else {
        const before = devices.children.length
        const probe = (c: XmlNode) => hasDevice(serializeXml({name: 'domain', attrs: {}, children: [{name: 'devices', attrs: {}, children: [c]}]}), ref)
        devices.children = devices.children.filter((c) => !probe(c))
        if (devices.children.length === before) return err('operation failed: matching device not found')
      }
      return ok('Device attached/detached successfully\n')
    }
    if (script.includes('/sys/bus/ccw/devices/$id/online') && script.includes('want')) {
      const [, want, ...ids] = inner
      const changed = ids.filter((id) => (h.dasdOnline.get(id) ?? false) !== (want === '1'))
      for (const id of ids) h.dasdOnline.set(id, want === '1')
      return ok(changed.map((c) => `${c}\n`).join(''))
    }
    if (script.includes('/sys/bus/ccw/devices/$id/online')) {
      const [, ...ids] = inner
      return ok(ids.map((id) => `${id} ${h.dasdOnline.get(id) ? 1 : 0}\n`).join(''))
    }
    if (script.includes('-inum')) {
      // remove a copied image unless a guest here names it (the fake has no processes)
      const [, path] = inner
      const user = [...h.domains.values()].find((d) => serializeXml(d.xml).includes(path))
      if (user) return err(`guest names ${path}`, 3)
      h.files.delete(path)
      return ok()
    }
    if (script.includes('qemu-img create')) {
      const [path] = inner
      if (h.files.has(path)) return err(`${path} already exists`, 17)
      h.files.add(path)
      return ok()
    }
    return err('fake: unknown script', 127)
  }

  async close(): Promise<void> {}
}
