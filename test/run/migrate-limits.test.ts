// The runner's limits, cancels and finish reasons against the fake libvirt's migration job
// (test/support/fake-job.ts): what zmigrate sends while virsh migrate runs, how the run ends, and
// where the guest is afterwards.
import {expect} from 'chai'
import {rmSync} from 'node:fs'
import {migrationExitCode} from '../../src/app/exit-status.js'
import {ExitCode} from '../../src/exit-codes.js'
import {loadJournal} from '../../src/run/journal.js'
import {migrationReport} from '../../src/run/report.js'
import {domain, setup} from '../support/runner-setup.js'

const MiB = 1024 * 1024
/** Runs f once the migration job is running (the steps before it take their time). */
const whenMigrating = (s: ReturnType<typeof setup>, f: () => void) => {
  const poll = setInterval(() => {
    if (s.world.jobs.get('src/linux01')?.active) {
      clearInterval(poll)
      setTimeout(f, 30)
    }
  }, 5)
}
const aborts = (log: string[]) => log.filter((l) => l === `src: domjobabort --domain ${domain.uuid}`)
/** A job that keeps finding the same 200 MiB dirty: QEMU's expected downtime stays at 3.2 s a pass. */
const stuck = (n: number) => ({memory_iteration: n, downtime: 3200, memory_remaining: 200 * MiB, memory_bps: 64 * MiB, data_remaining: 200 * MiB})

describe('migration limits, cancels and finish reasons (fake libvirt job)', function () {
  this.timeout(10_000)
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))
  const world = (opts: Parameters<typeof setup>[0]) => {
    const s = setup(opts)
    dirs.push(s.dir)
    return s
  }

  it('max-total exceeded: domjobabort, the run rolls back, max-total-exceeded, the guest still runs on the source', async () => {
    const s = world({migration: {limits: {maxTotalSeconds: 1, onLimit: 'cancel'}}})
    s.world.job = {sample: (n) => ({memory_iteration: 0, data_remaining: 1000 * MiB - n})}
    const j = await s.apply()
    expect(aborts(s.world.log)).to.have.length(1)
    expect(j.status).to.equal('rolled-back')
    expect(j.finishReason).to.equal('max-total-exceeded')
    expect(j.migration?.limit).to.include({limit: 'max-total', action: 'cancel', sent: true}) // its domjobabort went through (the stop below)
    expect(j.migration?.stop).to.include({by: 'max-total', sent: true})
    expect(s.src.domains.get('linux01')?.state).to.equal('running')
    expect(s.dst.domains.has('linux01')).to.equal(false)
    const report = migrationReport(j)
    expect(report).to.include({outcome: 'rolled-back', finishReason: 'max-total-exceeded'})
    expect(report.limit?.detail).to.match(/longer than max-total 1 s/)
    expect(report.steps.find((x) => x.kind === 'migrate')?.error).to.match(/on-limit cancel aborted the migration.*canceled by client/)
    expect(migrationExitCode(report.outcome)).to.equal(ExitCode.BLOCKED)
    expect((await loadJournal(j.file)).finishReason).to.equal('max-total-exceeded')
  })

  it('max-downtime exceeded: pre-copy stuck above the limit pass after pass is cancelled with its reason', async () => {
    const s = world({migration: {limits: {maxDowntimeMs: 500, onLimit: 'cancel'}}})
    s.world.job = {sample: stuck}
    const j = await s.apply()
    expect(aborts(s.world.log)).to.have.length(1)
    expect(j.status).to.equal('rolled-back')
    expect(j.finishReason).to.equal('max-downtime-exceeded')
    expect(j.migration?.limit?.detail).to.match(/about 3200 ms, more than max-downtime 500 ms, and 3 passes/)
    expect(s.src.domains.get('linux01')?.state).to.equal('running')
    expect(migrationReport(j).finishReason).to.equal('max-downtime-exceeded')
  })

  it('max-downtime is not exceeded while pre-copy still shrinks what is left', async () => {
    const s = world({migration: {limits: {maxDowntimeMs: 500, onLimit: 'cancel'}}})
    // halves every pass: 3200, 1600, 800, … ms; completes by itself
    s.world.job = {sample: (n) => ({memory_iteration: n, downtime: 3200 / 2 ** n}), endsAfterMs: 400}
    const j = await s.apply()
    expect(aborts(s.world.log)).to.deep.equal([])
    expect(j.status).to.equal('succeeded')
    expect(j.finishReason).to.equal('completed')
  })

  it('on-limit postcopy: migrate-postcopy is sent and the migration completes in post-copy', async () => {
    const s = world({migration: {postcopyAfterSeconds: 600, limits: {maxTotalSeconds: 1, onLimit: 'postcopy'}}})
    s.world.job = {sample: () => ({memory_iteration: 0})}
    const j = await s.apply()
    expect(s.world.log).to.include(`src: migrate-postcopy --domain ${domain.uuid}`)
    expect(aborts(s.world.log)).to.deep.equal([])
    expect(j.status).to.equal('succeeded')
    expect(j.finishReason).to.equal('completed')
    expect(j.migration?.limit).to.include({limit: 'max-total', action: 'postcopy', sent: true})
    expect(s.dst.domains.get('linux01')?.state).to.equal('running')
  })

  it('on-limit postcopy that then fails: postcopy-failed (no rollback can undo post-copy)', async () => {
    const s = world({migration: {postcopyAfterSeconds: 600, limits: {maxTotalSeconds: 1, onLimit: 'postcopy'}}})
    s.world.job = {sample: () => ({memory_iteration: 0}), postcopyFails: {stderr: 'error: internal error: connection closed\n', errmsg: 'connection closed'}}
    const j = await s.apply()
    expect(j.finishReason).to.equal('postcopy-failed')
    expect(migrationReport(j).finishReason).to.equal('postcopy-failed')
  })

  it('on-limit suspend: the guest is paused so that pre-copy finishes, and arrives running', async () => {
    const s = world({migration: {limits: {maxTotalSeconds: 1, onLimit: 'suspend'}}})
    s.world.job = {sample: () => ({memory_iteration: 0})}
    const j = await s.apply()
    expect(s.world.log).to.include(`src: suspend --domain ${domain.uuid}`)
    expect(j.finishReason).to.equal('completed')
    expect(s.dst.domains.get('linux01')?.state).to.equal('running')
  })

  it('a job that fails on its own: failed, and zmigrate sent no abort', async () => {
    const s = world({migration: {limits: {maxTotalSeconds: 60, onLimit: 'cancel'}}})
    s.world.job = {
      endsAfterMs: 50,
      fails: {stderr: "error: operation failed: job 'migration out' failed: unexpectedly failed\n", errmsg: 'unexpectedly failed'},
    }
    const j = await s.apply()
    expect(aborts(s.world.log)).to.deep.equal([])
    expect(j.migration?.stop).to.equal(undefined)
    expect(j.status).to.equal('rolled-back')
    expect(j.finishReason).to.equal('failed')
  })

  it('a job whose connection to the destination broke: destination-lost', async () => {
    const s = world({})
    s.world.job = {
      endsAfterMs: 50,
      fails: {stderr: 'error: internal error: connection closed due to keepalive timeout\n', errmsg: 'connection closed due to keepalive timeout'},
    }
    const j = await s.apply()
    expect(j.finishReason).to.equal('destination-lost')
  })

  it('a destination that no longer answers after the failure: destination-lost', async () => {
    const s = world({})
    s.world.job = {endsAfterMs: 50, fails: {stderr: 'error: operation failed: migration failed\n', errmsg: 'migration failed'}}
    s.world.failWhen = (host, argv) => (host === 'dst' && argv[3] === 'domstate' ? {stderr: 'error: failed to connect to the hypervisor\n'} : undefined)
    const j = await s.apply()
    expect(j.finishReason).to.equal('destination-lost')
  })

  it('someone ran virsh domjobabort from another shell: cancelled-by-user, though zmigrate sent nothing', async () => {
    const s = world({})
    s.world.job = {sample: () => ({memory_iteration: 0})}
    whenMigrating(s, () => s.world.jobs.get('src/linux01')?.abort())
    const j = await s.apply()
    expect(aborts(s.world.log)).to.deep.equal([])
    expect(j.finishReason).to.equal('cancelled-by-user')
    expect(j.cancelledBy).to.equal(undefined)
  })

  it('zmigrate cancel (the AbortSignal with a cancel request): domjobabort, rolled back, cancelled-by-user and who', async () => {
    const s = world({})
    s.world.job = {sample: () => ({memory_iteration: 0})}
    const cancel = new AbortController()
    whenMigrating(s, () => cancel.abort({kind: 'cancelled-by-user', by: 'root@admin1 (pid 4242)'}))
    const j = await s.apply(s.journal, {signal: cancel.signal})
    expect(aborts(s.world.log)).to.have.length(1)
    expect(j.status).to.equal('rolled-back')
    expect(j.finishReason).to.equal('cancelled-by-user')
    expect(j.cancelledBy).to.equal('root@admin1 (pid 4242)')
    expect(j.migration?.stop).to.include({by: 'user', sent: true})
    expect(s.src.domains.get('linux01')?.state).to.equal('running')
    const report = migrationReport(j)
    expect(report).to.include({finishReason: 'cancelled-by-user', cancelledBy: 'root@admin1 (pid 4242)'})
    expect(migrationExitCode(report.outcome)).to.equal(ExitCode.BLOCKED)
  })

  it('Ctrl-C (a plain abort): domjobabort, rolled back, interrupted', async () => {
    const s = world({})
    s.world.job = {sample: () => ({memory_iteration: 0})}
    const ctrlC = new AbortController()
    whenMigrating(s, () => ctrlC.abort())
    const j = await s.apply(s.journal, {signal: ctrlC.signal})
    expect(aborts(s.world.log)).to.have.length(1)
    expect(j.status).to.equal('rolled-back')
    expect(j.finishReason).to.equal('interrupted')
    expect(j.cancelledBy).to.equal(undefined)
  })

  it('a cancel request before the migration starts: nothing is migrated, cancelled-by-user', async () => {
    const s = world({})
    const cancel = new AbortController()
    cancel.abort({kind: 'cancelled-by-user', by: 'ops'})
    const j = await s.apply(s.journal, {signal: cancel.signal})
    expect(s.world.log.some((l) => l.includes(' migrate '))).to.equal(false)
    expect(j.finishReason).to.equal('cancelled-by-user')
  })

  it('a successful run records completed', async () => {
    const s = world({})
    const j = await s.apply()
    expect(j.finishReason).to.equal('completed')
    expect(migrationReport(j).finishReason).to.equal('completed')
  })

  it('a failure before the migration: failed, the guest untouched on the source', async () => {
    const s = world({})
    s.world.failWhen = (host, argv) => (host === 'dst' && argv[1] === '1' ? {stderr: 'chzdev: no such device'} : undefined)
    const j = await s.apply()
    expect(j.finishReason).to.equal('failed')
    expect(s.src.domains.get('linux01')?.state).to.equal('running')
  })
})
