// zmigrate status and zmigrate cancel through the built CLI over real SSH (one sshd per host,
// recorded trees, libvirt's test driver; test/support/test-driver-site.ts moves guests between
// the hosts' node files, slowly when a hook says so, and answers virsh domjobinfo while it does):
// a second CLI process sees the migration in flight with its progress and ETA, cancels it, and
// the run rolls back and reports "cancelled by user"; an evacuation is cancelled as a whole.
import {expect} from 'chai'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse, stringify} from 'yaml'
import {cancelReportSchema} from '../../src/report/cancel-report.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import {statusReportSchema} from '../../src/report/status-report.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {startCli, zm} from '../support/lab-cli.js'
import {freePort} from '../support/sshd.js'
import {lastJson} from '../support/ndjson.js'
import {DB01, SITE_TREES, startSite, WEB01, type TestSite, type World} from '../support/test-driver-site.js'

/** What libvirt's --rawstats prints for a migration a third of the way through 3 GiB at 100 MiB/s. */
const JOB = [
  'type: 2',
  'operation: 5',
  'time_elapsed: 10000',
  `data_total: ${3 * 2 ** 30}`,
  `data_processed: ${2 ** 30}`,
  `data_remaining: ${2 * 2 ** 30}`,
  `memory_total: ${3 * 2 ** 30}`,
  `memory_processed: ${2 ** 30}`,
  `memory_remaining: ${2 * 2 ** 30}`,
  `memory_bps: ${100 * 2 ** 20}`,
  'memory_iteration: 1',
  '',
].join('\n')

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe('zmigrate status and cancel (built CLI, real SSH)', function () {
  this.timeout(120_000)
  let site: TestSite
  // a failed assertion must not leave a run sleeping in its migration
  const running: ReturnType<typeof startCli>[] = []
  before(async () => (site = await startSite(SITE_TREES)))
  afterEach(() => running.splice(0).forEach((c) => c.kill('SIGKILL')))
  after(async () => site?.stop())

  /** The world's profile with one host's port pointing where nothing listens. */
  async function withHostDown(w: World, host: string): Promise<string> {
    const doc = parse(readFileSync(w.profile, 'utf8'))
    doc.hosts[host].port = await freePort()
    const file = join(w.dir, `${host}-down.yaml`)
    writeFileSync(file, stringify(doc))
    return file
  }

  /** web01 migrating from zlpar1 to `to`, slowly (a minute), its source answering domjobinfo with JOB: once it has begun. */
  async function slowMigration(w: World, to: string) {
    const started = join(w.dir, 'web01.started')
    w.onMigrate(WEB01.uuid, {started, sleepMs: 60_000, job: JOB})
    const child = startCli(['migrate', 'web01', '--from', 'zlpar1', '--to', to, '--yes', '--json', '--profile', w.profile], w.env)
    running.push(child)
    await until('the migration to start', () => existsSync(started))
    // wrapped: the run is a promise of its end, which an async function would wait for
    return {child}
  }

  it('status shows the migration in flight (step, both hosts’ jobs, progress, ETA); cancel from a second process rolls it back: "cancelled by user"', async () => {
    const w = site.world({zlpar1: [WEB01]})
    const {child} = await slowMigration(w, 'zlpar2')

    const st = await zm(['status', '--json', '--profile', w.profile], w.env)
    expect(st.exitCode, st.stderr).to.equal(0)
    const report = statusReportSchema.strict().parse(JSON.parse(st.stdout))
    expect(report.migrations).to.have.length(1)
    const m = report.migrations[0]
    expect([m.guest, m.uuid, m.from, m.to, m.state, m.inFlight]).to.deep.equal(['web01', WEB01.uuid, 'zlpar1', 'zlpar2', 'running', true])
    expect(m.step).to.include({kind: 'migrate', phase: 'apply'})
    expect(m.holder?.alive).to.equal(true)
    expect(m.jobs?.source).to.deep.equal({host: 'zlpar1', state: 'active', operation: 'migration-out'})
    expect(m.jobs?.destination).to.include({host: 'zlpar2', state: 'incoming', operation: 'migration-in'})
    expect(m.progress).to.include({percent: 33, dataTotal: 3 * 2 ** 30, memoryBps: 100 * 2 ** 20})
    expect(m.eta).to.deep.equal({seconds: 21, from: 'job-rate'})
    expect(report.hosts.map((h) => [h.name, h.reachable]).sort()).to.deep.equal([
      ['zlpar1', true],
      ['zlpar2', true],
    ])

    const human = await zm(['status', 'web01', '--profile', w.profile], w.env)
    expect(human.exitCode, human.stderr).to.equal(0)
    expect(human.stdout).to.match(/In flight \(1\):/)
    expect(human.stdout).to.match(/web01\s+zlpar1 -> zlpar2\s+\S+\s+running\s+\d\d-migrate\s+33%, 1 GiB of 3 GiB.*21 s/)
    expect(human.stdout).to.include('zlpar2: incoming (statistics on the source)')

    const c = await zm(['cancel', 'web01', '--json'], w.env)
    expect(c.exitCode, c.stderr + c.stdout).to.equal(0)
    const cancel = cancelReportSchema.strict().parse(JSON.parse(c.stdout))
    expect([cancel.outcome, cancel.ok, cancel.signal, cancel.finishReason]).to.deep.equal(['rolled-back', true, 'signalled', 'cancelled-by-user'])
    expect(cancel.target).to.deep.equal({kind: 'guest', guest: 'web01', uuid: WEB01.uuid})
    expect(cancel.waitedSeconds).to.be.below(30)
    expect(cancel.message).to.match(/was cancelled and rolled back; the guest runs on zlpar1/)

    const r = await child
    expect(r.exitCode, String(r.stderr)).to.equal(1)
    const run = migrationReportSchema.strict().parse(lastJson(String(r.stdout)))
    expect(run.outcome).to.equal('rolled-back')
    const failed = run.steps.find((s) => s.state === 'failed')
    expect(failed?.kind).to.equal('migrate')
    expect(failed?.error).to.match(new RegExp(`^cancelled by user \\(root@${cancel.request?.by.split('@')[1]}\\) during \\d\\d-migrate`))
    // the aliases set online on zlpar2 for it were set offline again
    expect(run.undo.map((u) => u.state)).to.deep.equal(['done'])
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01'])
    expect(w.guestsOn('zlpar2')).to.deep.equal([])
    expect(existsSync(join(w.dataDir, 'locks', `${WEB01.uuid}.cancel`)), 'the request is gone with the run').to.equal(false)

    const ended = statusReportSchema.parse(JSON.parse((await zm(['status', '--json', '--profile', w.profile], w.env)).stdout))
    expect(ended.migrations.map((x) => [x.guest, x.state, x.inFlight, x.finishReason, x.cancelledBy])).to.deep.equal([
      ['web01', 'rolled-back', false, 'cancelled-by-user', cancel.request?.by],
    ])
    expect(ended.hosts).to.deep.equal([])
  })

  it('cancel with nothing running exits 1; a name nobody knows too; without GUEST it is a usage error (2)', async () => {
    const w = site.world({zlpar1: [WEB01]})
    const none = await zm(['cancel', 'web01'], w.env)
    expect(none.exitCode).to.equal(1)
    expect(none.stdout).to.include('no zmigrate run')
    expect((await zm(['cancel'], w.env)).exitCode).to.equal(2)
    expect((await zm(['cancel', 'web01', '--evacuation', 'zlpar1'], w.env)).exitCode).to.equal(2)
  })

  it('cancel --evacuation HOST stops new starts and cancels the guest in flight; the evacuation reports it (exit 1)', async () => {
    const w = site.world({zlpar1: [WEB01, DB01]})
    const started = join(w.dir, 'first.started')
    for (const g of [WEB01, DB01]) w.onMigrate(g.uuid, {started, sleepMs: 60_000, job: JOB})
    const child = startCli(['evacuate', 'zlpar1', '--to', 'zlpar3', '--max', '1', '--yes', '--json', '--profile', w.profile], w.env)
    running.push(child)
    await until('the first migration to start', () => existsSync(started))

    const st = statusReportSchema.parse(JSON.parse((await zm(['status', 'zlpar1', '--json', '--profile', w.profile], w.env)).stdout))
    expect(st.evacuations.map((e) => [e.purpose, e.host, e.state, e.guests])).to.deep.equal([['evacuate', 'zlpar1', 'running', {running: 1, pending: 1}]])
    expect(st.migrations.filter((m) => m.inFlight)).to.have.length(1)

    const c = await zm(['cancel', '--evacuation', 'zlpar1', '--json'], w.env)
    expect(c.exitCode, c.stderr + c.stdout).to.equal(0)
    const cancel = cancelReportSchema.strict().parse(JSON.parse(c.stdout))
    expect(cancel.outcome).to.equal('stopped')
    expect(cancel.guests?.map((g) => [g.name, g.outcome])).to.deep.equal([['db01', 'rolled-back']])

    const r = await child
    expect(r.exitCode, String(r.stderr)).to.equal(1)
    const evac = evacuationReportSchema.strict().parse(lastJson(String(r.stdout)))
    expect(evac.status).to.equal('stopped')
    expect(evac.stopReason).to.match(/^cancelled by user \(root@\d+\)$/)
    expect(evac.guests.map((g) => [g.name, g.outcome])).to.deep.equal([
      ['db01', 'rolled-back'],
      ['web01', 'not-attempted'],
    ])
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01', 'db01'])
    expect(w.guestsOn('zlpar3')).to.deep.equal([])
    // nothing left to cancel
    expect((await zm(['cancel', '--evacuation', 'zlpar1'], w.env)).exitCode).to.equal(1)
  })

  it('status: a HOST named that cannot be reached exits 3; one reached with nothing on it exits 0', async () => {
    const w = site.world({zlpar1: [WEB01]})
    const down = await withHostDown(w, 'zlpar4')
    const r = await zm(['status', 'zlpar4', '--json', '--profile', down], w.env)
    expect(r.exitCode, r.stderr).to.equal(3)
    const report = statusReportSchema.strict().parse(JSON.parse(r.stdout))
    expect(report.hosts.map((h) => [h.name, h.reachable])).to.deep.equal([['zlpar4', false]])
    expect(report.hosts[0].error).to.be.a('string')
    const human = await zm(['status', 'zlpar4', '--profile', down], w.env)
    expect(human.exitCode).to.equal(3)
    expect(human.stdout).to.match(/^Host zlpar4 not asked: /m)
    const up = await zm(['status', 'zlpar1', '--json', '--profile', w.profile], w.env)
    expect(up.exitCode, up.stderr).to.equal(0)
    expect(statusReportSchema.parse(JSON.parse(up.stdout)).hosts).to.deep.equal([{name: 'zlpar1', reachable: true}])
  })

  it('status: a destination that cannot be reached is a column of the migration in flight, not a failure (exit 0)', async () => {
    const w = site.world({zlpar1: [WEB01]})
    const {child} = await slowMigration(w, 'zlpar3')
    try {
      const down = await withHostDown(w, 'zlpar3')
      const r = await zm(['status', '--json', '--profile', down], w.env)
      expect(r.exitCode, r.stderr).to.equal(0)
      const [m] = statusReportSchema.parse(JSON.parse(r.stdout)).migrations
      expect(m.jobs?.source).to.include({state: 'active'})
      expect(m.jobs?.destination).to.include({host: 'zlpar3', state: 'unreachable'})
      expect(m.progress?.percent).to.equal(33)
    } finally {
      const c = await zm(['cancel', 'web01', '--json'], w.env)
      expect(c.exitCode, c.stdout).to.equal(0)
      await child
    }
  })
})
