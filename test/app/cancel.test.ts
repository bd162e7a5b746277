// zmigrate cancel (src/app/cancel.ts, cancel-evacuation.ts) against a data dir whose runs are
// played here: the lock names a live process (spawned here, ended by PID), and when the request
// appears the "run" ends its journal as the runner would — rolled back, completed anyway, needing
// a human, or killed — and lets the guest go. Every outcome has its exit code.
import {expect} from 'chai'
import type {ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cancelEvacuation} from '../../src/app/cancel-evacuation.js'
import {cancelGuest} from '../../src/app/cancel.js'
import {UsageError} from '../../src/errors.js'
import {cancelReportSchema} from '../../src/report/cancel-report.js'
import {renderCancel} from '../../src/report/cancel-text.js'
import {evacuationCancelFile, guestCancelFile, readCancelRequest} from '../../src/run/cancel-request.js'
import {loadEvacuationJournal} from '../../src/run/evacuation-journal.js'
import {lockDir} from '../../src/run/guest-lock.js'
import {writeFileAtomic} from '../../src/atomic-file.js'
import {deadHolder, liveHolder, plantLock, writeEvacuation, writeJournal, type Holder} from '../support/data-dir.js'

const U = (n: number) => `0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b${String(n).padStart(2, '0')}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function seen(file: string, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (existsSync(file)) return true
  return false
}

describe('zmigrate cancel', function () {
  this.timeout(30_000)
  let data: string
  const children: ChildProcess[] = []
  beforeEach(() => (data = mkdtempSync(join(tmpdir(), 'zm-cancel-app-'))))
  afterEach(() => {
    children.splice(0).forEach((c) => c.kill('SIGKILL'))
    rmSync(data, {recursive: true, force: true})
  })

  /** web01 being migrated by `holder`, its journal running at the migrate step. */
  async function migrating(holder: Holder, n = 1, name = 'web01') {
    const j = await writeJournal(data, {name, uuid: U(n), status: 'running', runningKind: 'migrate', at: new Date()})
    plantLock(data, U(n), {pid: holder.pid, startTicks: holder.startTicks, guest: name, journal: j.file})
    return j
  }

  /** The run: once its request is there, it ends the journal so and lets the guest go. */
  async function runEnds(n: number, end: (j: Record<string, any>) => void, opts: {kill?: Holder} = {}) {
    const file = guestCancelFile(data, U(n))
    if (!(await seen(file))) throw new Error('no cancel request came')
    const request = await readCancelRequest(file)
    const lockFile = join(lockDir(data), `${U(n)}.lock`)
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'))
    expect(request?.run).to.deep.include({pid: lock.pid, since: lock.since})
    const j = JSON.parse(readFileSync(lock.journal, 'utf8'))
    end(j)
    await writeFileAtomic(lock.journal, JSON.stringify(j))
    if (opts.kill) opts.kill.stop()
    else {
      unlinkSync(file)
      unlinkSync(lockFile)
    }
  }

  it('the run rolls back: exit 0, the request said who asked, the holder was signalled (a process not watching is unharmed)', async () => {
    const holder = await liveHolder(children)
    await migrating(holder)
    const [result] = await Promise.all([
      cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 10, pollMs: 20}),
      runEnds(1, (j) => {
        j.status = 'rolled-back'
        j.events.push({at: new Date().toISOString(), type: 'cancel-requested', message: 'cancelled by user', data: {by: 'root@1'}})
        j.failedStep = j.steps[2].id
        j.steps[2] = {...j.steps[2], state: 'failed', error: 'cancelled by user (root@1) during 03-migrate'}
      }),
    ])
    expect(result.exitCode).to.equal(0)
    const r = cancelReportSchema.strict().parse(result.report)
    expect([r.outcome, r.ok, r.signal, r.finishReason]).to.deep.equal(['rolled-back', true, 'signalled', 'cancelled-by-user'])
    expect(r.target).to.deep.equal({kind: 'guest', guest: 'web01', uuid: U(1)})
    expect(r.message).to.equal('web01: the migration src -> dst was cancelled and rolled back; the guest runs on src')
    expect(r.run?.pid).to.equal(holder.pid)
    expect(r.request?.by).to.match(/^\S+@\d+$/)
    // SIGURG's default is to ignore it: the holder (sleep) lives on
    expect(() => process.kill(holder.pid, 0)).to.not.throw()
    expect(renderCancel(r)).to.match(/asked PID \d+ on \S+ \(signalled it\); waited [\d.]+ s/)
  })

  it('too late: the migration had been verified and stands — exit 1, completed, saying how to move it back', async () => {
    const holder = await liveHolder(children)
    await migrating(holder)
    const [result] = await Promise.all([cancelGuest({dataDir: data, guest: U(1), waitSeconds: 10, pollMs: 20}), runEnds(1, (j) => (j.status = 'succeeded'))])
    expect([result.exitCode, result.report.outcome, result.report.finishReason]).to.deep.equal([1, 'completed', 'completed'])
    expect(result.report.message).to.include('zmigrate migrate web01 --from dst --to src moves it back')
  })

  it('the rollback needs a human: exit 4 with what to do', async () => {
    const holder = await liveHolder(children)
    await migrating(holder)
    const [result] = await Promise.all([
      cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 10, pollMs: 20}),
      runEnds(1, (j) => {
        j.status = 'rollback-incomplete'
        j.undo = [{stepId: j.steps[0].id, action: j.plan.steps[0].undo, state: 'failed', error: 'x', manual: 'set DASD 0.0.7500 offline on dst'}]
      }),
    ])
    expect([result.exitCode, result.report.outcome, result.report.manual]).to.deep.equal([4, 'rollback-incomplete', ['set DASD 0.0.7500 offline on dst']])
  })

  it('the run is killed before it finishes: exit 130 with its --resume; the request it left is removed', async () => {
    const holder = await liveHolder(children)
    const j = await migrating(holder)
    const [result] = await Promise.all([
      cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 10, pollMs: 20}),
      runEnds(1, (x) => (x.status = 'rolling-back'), {kill: holder}),
    ])
    expect([result.exitCode, result.report.outcome]).to.deep.equal([130, 'interrupted'])
    expect(result.report.remedy).to.equal(`zmigrate migrate --resume ${j.file} finishes the rollback (or the migration)`)
    expect(existsSync(guestCancelFile(data, U(1)))).to.equal(false)
  })

  it('the run ends before it wrote a journal: exit 0, nothing changed', async () => {
    const holder = await liveHolder(children)
    plantLock(data, U(1), {pid: holder.pid, startTicks: holder.startTicks, guest: 'web01'})
    const go = (async () => {
      if (!(await seen(guestCancelFile(data, U(1))))) throw new Error('no request')
      unlinkSync(join(lockDir(data), `${U(1)}.lock`))
    })()
    const [result] = await Promise.all([cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 10, pollMs: 20}), go])
    expect([result.exitCode, result.report.outcome]).to.deep.equal([0, 'cancelled-before-start'])
  })

  it('still running after --wait: exit 6, the request stands for the run to act on', async () => {
    const holder = await liveHolder(children)
    await migrating(holder)
    const result = await cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 0, pollMs: 20})
    expect([result.exitCode, result.report.outcome]).to.deep.equal([6, 'still-running'])
    expect((await readCancelRequest(guestCancelFile(data, U(1))))?.target).to.deep.equal({kind: 'guest', uuid: U(1), name: 'web01'})
  })

  it('nothing to cancel (exit 1): a name nobody knows, a guest whose last migration ended, a stale lock (with its --resume)', async () => {
    expect((await cancelGuest({dataDir: data, guest: 'nobody', waitSeconds: 1})).report).to.deep.include({outcome: 'nothing-to-cancel'})
    await writeJournal(data, {name: 'mail01', uuid: U(4), status: 'succeeded', at: new Date()})
    const ended = await cancelGuest({dataDir: data, guest: 'mail01', waitSeconds: 1})
    expect([ended.exitCode, ended.report.message]).to.deep.equal([1, 'no zmigrate run holds mail01 now; its last migration (src -> dst) ended migrated'])
    const j = await migrating(deadHolder(), 2, 'db01')
    const stale = await cancelGuest({dataDir: data, guest: 'db01', waitSeconds: 1})
    expect([stale.exitCode, stale.report.outcome]).to.deep.equal([1, 'nothing-to-cancel'])
    expect(stale.report.remedy).to.include(`zmigrate migrate --resume ${j.file}`)
    expect(existsSync(guestCancelFile(data, U(2))), 'nothing asked of a process that is gone').to.equal(false)
  })

  it('a reused PID (same PID, another start time) is not the run: nothing is asked or signalled', async () => {
    const holder = await liveHolder(children)
    await migrating({...holder, startTicks: (holder.startTicks ?? 0) + 1})
    const r = await cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 1})
    expect([r.exitCode, r.report.outcome]).to.deep.equal([1, 'nothing-to-cancel'])
    expect(existsSync(guestCancelFile(data, U(1)))).to.equal(false)
  })

  it('a name two guests being migrated share is refused (exit 2) listing their UUIDs; a UUID picks one', async () => {
    const a = await liveHolder(children)
    const b = await liveHolder(children)
    await migrating(a, 1, 'web01')
    await migrating(b, 2, 'web01')
    const e = await cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 0}).catch((x) => x)
    expect(e).to.be.instanceOf(UsageError)
    expect(e.exitCode).to.equal(2)
    expect(e.message).to.include(U(1)).and.include(U(2))
    const one = await cancelGuest({dataDir: data, guest: U(2), waitSeconds: 0})
    expect([one.report.outcome, one.report.target]).to.deep.equal(['still-running', {kind: 'guest', guest: 'web01', uuid: U(2)}])
  })

  it('a run on another host is named and left alone (exit 3): its process cannot be verified from here', async () => {
    const j = await writeJournal(data, {name: 'web01', uuid: U(1), status: 'running', at: new Date()})
    plantLock(data, U(1), {pid: 4242, host: 'zlpar9', guest: 'web01', journal: j.file})
    const r = await cancelGuest({dataDir: data, guest: 'web01', waitSeconds: 5})
    expect([r.exitCode, r.report.outcome, r.report.remedy]).to.deep.equal([3, 'held-elsewhere', `Run zmigrate cancel ${U(1)} on zlpar9.`])
    expect(existsSync(guestCancelFile(data, U(1)))).to.equal(false)
  })

  describe('--evacuation', () => {
    it('stops it: the request for its process, and each guest in flight as it ended (exit 0)', async () => {
      const runner = await liveHolder(children)
      const file = await writeEvacuation(
        data,
        'src',
        [
          {name: 'web01', uuid: U(1), destination: 'dst', state: 'running'},
          {name: 'db01', uuid: U(2), destination: 'dst', state: 'pending'},
        ],
        runner,
      )
      const go = (async () => {
        if (!(await seen(evacuationCancelFile(file)))) throw new Error('no request')
        const e = await loadEvacuationJournal(file)
        const request = await readCancelRequest(evacuationCancelFile(file))
        expect(request?.target).to.deep.equal({kind: 'evacuation', id: e.id, host: 'src'})
        Object.assign(e.guests[0], {state: 'rolled-back'})
        Object.assign(e.guests[1], {state: 'not-attempted'})
        Object.assign(e, {status: 'stopped', stopReason: 'cancelled by user (root@1)'})
        const {file: f, ...doc} = e
        await writeFileAtomic(f, JSON.stringify(doc))
      })()
      const [result] = await Promise.all([cancelEvacuation({dataDir: data, evacuation: 'src', waitSeconds: 10, pollMs: 20}), go])
      expect(result.exitCode).to.equal(0)
      const r = cancelReportSchema.strict().parse(result.report)
      expect([r.outcome, r.signal]).to.deep.equal(['stopped', 'signalled'])
      expect(r.guests).to.deep.equal([{name: 'web01', uuid: U(1), outcome: 'rolled-back'}])
      expect(r.message).to.equal('the evacuation of src was cancelled: no more guests start; those in flight: web01 rolled-back (cancelled by user (root@1))')
      expect(existsSync(evacuationCancelFile(file))).to.equal(false)
    })

    it('nothing to cancel (exit 1): its process is gone (with its --resume), it ended, none recorded; two running refuse HOST (exit 2)', async () => {
      const gone = await writeEvacuation(data, 'src', [{name: 'web01', uuid: U(1), destination: 'dst', state: 'running'}], deadHolder())
      const r = await cancelEvacuation({dataDir: data, evacuation: gone, waitSeconds: 1})
      expect([r.exitCode, r.report.outcome, r.report.remedy]).to.deep.equal([
        1,
        'nothing-to-cancel',
        `zmigrate evacuate --resume ${gone} continues it; the guests it left in flight resume from their journals.`,
      ])
      const done = await writeEvacuation(data, 'src2', [], undefined, 'finished')
      expect((await cancelEvacuation({dataDir: data, evacuation: done, waitSeconds: 1})).report.message).to.equal(
        'the evacuation of src2 is not running (finished); nothing to cancel',
      )
      expect((await cancelEvacuation({dataDir: data, evacuation: 'nowhere', waitSeconds: 1})).exitCode).to.equal(1)
      const [a, b] = [await liveHolder(children), await liveHolder(children)]
      await writeEvacuation(data, 'src3', [], a)
      await writeEvacuation(data, 'src3', [], b)
      const e = await cancelEvacuation({dataDir: data, evacuation: 'src3', waitSeconds: 0}).catch((x) => x)
      expect([e instanceof UsageError, e.exitCode]).to.deep.equal([true, 2])
    })
  })
})
