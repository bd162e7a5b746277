// zmigrate status over a data dir with a migration in each state (src/app/status*.ts): in flight
// (a live holder process, spawned here and ended by PID), stale (its holder gone), interrupted,
// migrated, rolled back by a cancel; evacuations running and gone; each in-flight one's jobs from
// its hosts (a scripted transport answering the jobs script), an unreachable host as a column.
import {expect} from 'chai'
import type {ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {siteStatus} from '../../src/app/status.js'
import {HostAccessError} from '../../src/errors.js'
import {HostPool} from '../../src/hosts/connect.js'
import type {HostTransport, RunResult} from '../../src/hosts/transport.js'
import {statusReportSchema} from '../../src/report/status-report.js'
import {renderStatus} from '../../src/report/status-text.js'
import {JOBS_SCRIPT} from '../../src/run/guest-jobs.js'
import {deadHolder, liveHolder, plantLock, writeEvacuation, writeJournal, type Holder} from '../support/data-dir.js'
import {testProfile} from '../support/rule-harness.js'

const U = (n: number) => `0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b${String(n).padStart(2, '0')}`
const GiB = 2 ** 30
const OUTGOING = `type: 2\noperation: 5\ntime_elapsed: 8000\ndata_total: ${4 * GiB}\ndata_processed: ${GiB}\ndata_remaining: ${3 * GiB}\nmemory_bps: ${GiB / 10}\n`

/** Answers the jobs script as a host would: on src an outgoing job for each guest asked, on dst the refusal of an incoming one. */
function jobsHost(name: string, calls: string[]): HostTransport {
  return {
    hostName: name,
    kind: 'local',
    roundTrips: 0,
    async run(argv): Promise<RunResult> {
      calls.push(`${name}: ${argv.slice(4).join(' ')}`)
      if (argv[0] !== 'sh' || argv[2] !== JOBS_SCRIPT) return {stdout: '', stderr: 'unexpected command', exitCode: 127}
      const out = argv
        .slice(6)
        .map((u) =>
          name === 'src'
            ? `\n::zm-job:: ${u}\n${OUTGOING}\n::zm-rc:: 0\n`
            : `\n::zm-job:: ${u}\nerror: Operation not supported: migration statistics are available only on the source host\n::zm-rc:: 1\n`,
        )
      return {stdout: out.join(''), stderr: '', exitCode: 0}
    },
    async close() {},
  }
}

describe('zmigrate status over the data dir and the hosts’ jobs', function () {
  this.timeout(30_000)
  let data: string
  let live: Holder
  const children: ChildProcess[] = []
  const now = new Date('2026-12-01T10:10:00Z')
  const t = (min: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + min * 60_000)
  let files: Record<string, string>

  before(async () => {
    data = mkdtempSync(join(tmpdir(), 'zm-status-'))
    live = await liveHolder(children)
    const inFlight = await writeJournal(data, {name: 'web01', uuid: U(1), status: 'running', runningKind: 'migrate', at: t(8)})
    plantLock(data, U(1), {pid: live.pid, startTicks: live.startTicks, guest: 'web01', since: t(8).toISOString(), journal: inFlight.file})
    const stale = await writeJournal(data, {name: 'db01', uuid: U(2), status: 'running', runningKind: 'migrate', at: t(5)})
    plantLock(data, U(2), {pid: deadHolder().pid, startTicks: 1, guest: 'db01', since: t(5).toISOString(), journal: stale.file})
    const interrupted = await writeJournal(data, {name: 'app01', uuid: U(3), status: 'rolling-back', failed: {kind: 'migrate', error: 'x'}, at: t(1)})
    const migrated = await writeJournal(data, {name: 'mail01', uuid: U(4), status: 'succeeded', downtimeMs: 31, at: t(2), to: 'dst2'})
    const cancelled = await writeJournal(data, {
      name: 'log01',
      uuid: U(5),
      status: 'rolled-back',
      failed: {kind: 'migrate', error: 'cancelled by user (root@4242) during 05-migrate'},
      cancelledBy: 'root@4242',
      at: t(3),
    })
    const ctrlC = await writeJournal(data, {
      name: 'ctl01',
      uuid: U(6),
      status: 'rolled-back',
      failed: {kind: 'migrate', error: 'interrupted by signal during 05-migrate'},
      at: t(0),
    })
    const evac = await writeEvacuation(
      data,
      'src',
      [
        {name: 'web01', uuid: U(1), destination: 'dst', state: 'running', journal: inFlight.file},
        {name: 'new01', uuid: U(7), destination: 'dst', state: 'pending'},
      ],
      live,
    )
    const gone = await writeEvacuation(data, 'src9', [{name: 'old01', uuid: U(8), destination: 'dst', state: 'running'}], deadHolder())
    mkdirSync(join(data, 'journals'), {recursive: true})
    writeFileSync(join(data, 'journals', 'zz-damaged.json'), '{"formatVersion": 1,')
    files = {
      inFlight: inFlight.file,
      stale: stale.file,
      interrupted: interrupted.file,
      migrated: migrated.file,
      cancelled: cancelled.file,
      ctrlC: ctrlC.file,
      evac,
      gone,
    }
  })
  after(() => {
    live.stop()
    rmSync(data, {recursive: true, force: true})
  })

  const pool = (down: string[] = [], calls: string[] = []) =>
    new HostPool({
      connect: async (h) => {
        if (down.includes(h.name)) throw new HostAccessError(h.name, 'cannot reach 127.0.0.3:22: connection refused', {code: 'E_HOST_UNREACHABLE'})
        return jobsHost(h.name, calls)
      },
    })

  it('lists in flight, then stopped without finishing (with --resume), then the recent ones newest first, as the schema says', async () => {
    const calls: string[] = []
    const {report, exitCode} = await siteStatus({profile: testProfile(), dataDir: data, recent: 10, now}, pool([], calls))
    expect(exitCode).to.equal(0)
    statusReportSchema.strict().parse(report)
    expect(report.migrations.map((m) => [m.guest, m.state, m.inFlight])).to.deep.equal([
      ['web01', 'running', true],
      ['app01', 'interrupted', false],
      ['db01', 'stale', false],
      ['log01', 'rolled-back', false],
      ['mail01', 'migrated', false],
      ['ctl01', 'rolled-back', false],
    ])
    const [web, app, db, log, mail, ctl] = report.migrations
    expect(web.step).to.include({kind: 'migrate', phase: 'apply'})
    expect(web.holder).to.deep.include({pid: live.pid, alive: true})
    expect(web.evacuation).to.equal(files.evac)
    expect(db.remedy).to.match(/^the zmigrate run that held it \(PID \d+\) is gone: zmigrate migrate --resume /)
    expect(db.remedy).to.include(files.stale)
    expect(app.remedy).to.equal(`zmigrate stopped mid-run: zmigrate migrate --resume ${files.interrupted} finishes the migration or rolls it back`)
    expect(app.step).to.include({phase: 'undo'})
    expect([log.finishReason, log.cancelledBy, log.error]).to.deep.equal(['cancelled-by-user', 'root@4242', 'cancelled by user (root@4242) during 05-migrate'])
    expect([mail.finishReason, mail.to, mail.actual?.downtimeMs]).to.deep.equal(['completed', 'dst2', 31])
    expect(mail.actual?.migrationSeconds).to.equal(1)
    // a Ctrl-C (no one named) is a signal's interruption
    expect([ctl.finishReason, ctl.cancelledBy]).to.deep.equal(['interrupted', undefined])
    expect(report.notes).to.have.length(1)
    expect(report.notes[0]).to.include('zz-damaged.json')
    // one command per host of the migration in flight, for its guest only
    expect(calls.sort()).to.deep.equal([`dst: ${U(1)}`, `src: ${U(1)}`].map((c) => c.replace(': ', ': qemu:///system given ')))
  })

  it('each in-flight migration carries both hosts’ jobs, its progress and its ETA from the job’s rate', async () => {
    const {report} = await siteStatus({profile: testProfile(), dataDir: data, recent: 0, now}, pool())
    const [web] = report.migrations
    expect(web.jobs).to.deep.equal({
      source: {host: 'src', state: 'active', operation: 'migration-out'},
      destination: {
        host: 'dst',
        state: 'incoming',
        operation: 'migration-in',
        message: 'Operation not supported: migration statistics are available only on the source host',
      },
    })
    expect(web.progress).to.deep.equal({percent: 25, elapsedMs: 8000, dataTotal: 4 * GiB, dataProcessed: GiB, dataRemaining: 3 * GiB, memoryBps: GiB / 10})
    expect(web.eta).to.deep.equal({seconds: 30, from: 'job-rate'})
    // --recent 0: only what is in flight or needs a --resume
    expect(report.migrations.map((m) => m.guest)).to.deep.equal(['web01', 'app01', 'db01'])
  })

  it('a host that cannot be reached is a column, not a failure (exit 0); the HOST named unreachable is exit 3', async () => {
    const some = await siteStatus({profile: testProfile(), dataDir: data, recent: 1, now}, pool(['dst']))
    expect(some.exitCode).to.equal(0)
    expect(some.report.migrations[0].jobs?.destination).to.deep.equal({
      host: 'dst',
      state: 'unreachable',
      message: 'dst: cannot reach 127.0.0.3:22: connection refused',
    })
    expect(some.report.migrations[0].progress?.percent).to.equal(25)
    expect(some.report.hosts).to.deep.include({name: 'dst', reachable: false, error: 'dst: cannot reach 127.0.0.3:22: connection refused'})
    expect(renderStatus(some.report)).to.match(/^Host dst not asked: dst: cannot reach/m)
    const named = await siteStatus({profile: testProfile(), dataDir: data, target: 'dst', recent: 1, now}, pool(['dst']))
    expect(named.exitCode).to.equal(3)
    const other = await siteStatus({profile: testProfile(), dataDir: data, target: 'src', recent: 1, now}, pool(['dst']))
    expect(other.exitCode).to.equal(0)
  })

  it('HOST keeps the migrations from or to it (and its evacuations); GUEST, by name or UUID, that guest’s', async () => {
    const byHost = await siteStatus({profile: testProfile(), dataDir: data, target: 'src', recent: 10, now}, pool())
    expect(byHost.report.filter).to.deep.equal({host: 'src'})
    expect(byHost.report.migrations).to.have.length(6)
    expect(byHost.report.evacuations.map((e) => e.host)).to.deep.equal(['src'])
    const dst2 = await siteStatus(
      {profile: testProfile({hosts: {...testProfile().hosts, dst2: testProfile().hosts.dst}}), dataDir: data, target: 'dst2', recent: 10, now},
      pool(),
    )
    expect(dst2.report.migrations.map((m) => m.guest)).to.deep.equal(['mail01'])
    const byName = await siteStatus({profile: testProfile(), dataDir: data, target: 'log01', recent: 10, now}, pool())
    expect(byName.report.filter).to.deep.equal({guest: 'log01'})
    expect(byName.report.migrations.map((m) => m.guest)).to.deep.equal(['log01'])
    expect(byName.report.hosts).to.deep.equal([])
    const byUuid = await siteStatus({profile: testProfile(), dataDir: data, target: U(2).toUpperCase(), recent: 10, now}, pool())
    expect(byUuid.report.migrations.map((m) => m.guest)).to.deep.equal(['db01'])
    const nobody = await siteStatus({profile: testProfile(), dataDir: data, target: 'nobody', recent: 10, now}, pool())
    expect([nobody.exitCode, nobody.report.migrations.length]).to.deep.equal([0, 0])
  })

  it('evacuations: one whose process lives is running, one whose process is gone says how to resume it', async () => {
    const {report} = await siteStatus({profile: testProfile(), dataDir: data, recent: 10, now}, pool())
    const byHost = Object.fromEntries(report.evacuations.map((e) => [e.host, e]))
    expect(byHost.src).to.deep.include({state: 'running', guests: {running: 1, pending: 1}})
    expect(byHost.src.runner?.pid).to.equal(live.pid)
    expect(byHost.src9.state).to.equal('gone')
    expect(byHost.src9.remedy).to.equal(`its process is gone: zmigrate evacuate --resume ${files.gone}`)
  })

  it('the human table: in flight with step, progress and ETA; the ones to resume; evacuations; recent with reason', async () => {
    const {report} = await siteStatus({profile: testProfile(), dataDir: data, recent: 10, now}, pool())
    const text = renderStatus(report)
    expect(text).to.match(/^Site test, 2026-12-01 10:10:00 UTC \(data dir /)
    expect(text).to.match(
      /In flight \(1\):\n\s+GUEST\s+FROM -> TO\s+STARTED\s+STATE\s+STEP\s+PROGRESS\s+ETA\n\s+web01\s+src -> dst\s+10:08:00\s+running\s+\d\d-migrate\s+25%, 1 GiB of 4 GiB, 102.4 MiB\/s\s+30 s/,
    )
    expect(text).to.include('src: job migration-out; dst: incoming (statistics on the source)')
    expect(text).to.match(/Stopped without finishing \(2\): resume to finish or roll back\n\s+interrupted\s+app01/)
    expect(text).to.match(/evacuate src9: gone, since .*\n\s+its process is gone: zmigrate evacuate --resume /)
    expect(text).to.match(/log01\s+src -> dst\s+10:03:00\s+\S+\s+rolled-back\s+cancelled-by-user by root@4242/)
    expect(text).to.match(/mail01\s+src -> dst2\s+.*completed\s+1 s\s+31 ms/)
    expect(text).to.match(/^note: .*zz-damaged.json/m)
  })

  it('a lock left behind by a run that had ended (it died releasing it) shows the journal’s end, not a --resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zm-status-left-'))
    try {
      const j = await writeJournal(dir, {name: 'web01', uuid: U(1), status: 'succeeded', at: t(1)})
      plantLock(dir, U(1), {pid: deadHolder().pid, startTicks: 1, guest: 'web01', journal: j.file})
      const {report} = await siteStatus({profile: testProfile(), dataDir: dir, recent: 10, now}, pool())
      expect(report.migrations.map((m) => [m.guest, m.state, m.inFlight, m.finishReason, m.remedy])).to.deep.equal([
        ['web01', 'migrated', false, 'completed', undefined],
      ])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('what the runner records: its finish reason and who cancelled, the prediction (ETA from it when the job gives no rate)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zm-status-recorded-'))
    try {
      const edit = async (file: string, change: (j: Record<string, any>) => void) => {
        const j = JSON.parse(readFileSync(file, 'utf8'))
        change(j)
        writeFileSync(file, JSON.stringify(j))
      }
      const ended = await writeJournal(dir, {name: 'big01', uuid: U(1), status: 'rolled-back', failed: {kind: 'migrate', error: 'x'}, at: t(1)})
      await edit(ended.file, (j) =>
        Object.assign(j, {finishReason: 'max-total-exceeded', migration: {prediction: {basis: 'plan', result: {totalSeconds: 900, downtimeMs: 40}}}}),
      )
      const flying = await writeJournal(dir, {name: 'web01', uuid: U(2), status: 'running', runningKind: 'migrate', at: t(5)})
      await edit(flying.file, (j) => (j.plan.prediction = {kind: 'predicted', result: {totalSeconds: 600}}))
      plantLock(dir, U(2), {pid: live.pid, startTicks: live.startTicks, guest: 'web01', journal: flying.file})
      // the hosts answer without statistics (a libvirt driver without them)
      const bare = new HostPool({
        connect: async (h) => ({
          ...jobsHost(h.name, []),
          run: async (argv) => ({
            stdout: `\n::zm-job:: ${argv[6]}\nerror: this function is not supported by the connection driver: virDomainGetJobStats\n::zm-rc:: 1\n`,
            stderr: '',
            exitCode: 0,
          }),
        }),
      })
      const {report} = await siteStatus({profile: testProfile(), dataDir: dir, recent: 10, now}, bare)
      const [web, big] = report.migrations
      expect([big.finishReason, big.predicted]).to.deep.equal(['max-total-exceeded', {totalSeconds: 900, downtimeMs: 40}])
      expect(web.jobs?.source?.state).to.equal('unsupported')
      const elapsed = (now.getTime() - Date.parse(web.step?.startedAt ?? '')) / 1000
      expect(web.eta).to.deep.equal({seconds: Math.ceil(600 - elapsed), from: 'prediction'})
      expect(renderStatus(report)).to.match(/web01 .* \d+ min( \d+ s)? \(predicted\)/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('an empty data dir: nothing in flight, exit 0', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'zm-status-empty-'))
    try {
      const {report, exitCode} = await siteStatus({profile: testProfile(), dataDir: empty, recent: 10, now}, pool())
      expect([exitCode, report.migrations, report.evacuations, report.hosts]).to.deep.equal([0, [], [], []])
      expect(renderStatus(report)).to.include('In flight: none')
    } finally {
      rmSync(empty, {recursive: true, force: true})
    }
  })
})
