// The cancel request (src/run/cancel-request.ts): its reason and type guard, the atomic file, and
// the signal sent only to the process the lock records (PID and start time), never a reused PID.
import {expect} from 'chai'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  abortMessage,
  CANCEL_NUDGE,
  cancelledByUser,
  guestCancelFile,
  isCancelledByUser,
  newCancelRequest,
  nudgeRun,
  readCancelRequest,
  removeCancelRequest,
  writeCancelRequest,
  type RunIdentity,
} from '../../src/run/cancel-request.js'
import {lockDir, processStartTicks} from '../../src/run/guest-lock.js'

const uuid = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b01'

/** A child that says each time it gets the nudge; ended by its PID. */
async function listener(): Promise<{child: ChildProcess; heard: () => number; run: RunIdentity}> {
  const child = spawn(
    process.execPath,
    ['-e', `process.on('${CANCEL_NUDGE}', () => console.log('nudged')); console.log('ready'); setInterval(() => {}, 1000)`],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  let out = ''
  child.stdout?.on('data', (d) => (out += String(d)))
  for (let i = 0; i < 200 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25))
  const pid = child.pid ?? 0
  return {
    child,
    heard: () => out.split('\n').filter((l) => l === 'nudged').length,
    run: {pid, startTicks: processStartTicks(pid), host: hostname(), since: new Date().toISOString()},
  }
}

const deadPid = () => Number(spawnSync('sh', ['-c', 'echo $$'], {encoding: 'utf8'}).stdout.trim())
const settle = () => new Promise((r) => setTimeout(r, 300))

describe('the cancel request', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zm-cancel-'))
    mkdirSync(lockDir(dir), {recursive: true})
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  describe('the abort reason', () => {
    it('isCancelledByUser is true for {kind: cancelled-by-user, by} only; a Ctrl-C (no reason: an AbortError) is not', () => {
      const plain = new AbortController()
      plain.abort()
      expect(isCancelledByUser(plain.signal.reason)).to.equal(false)
      expect(isCancelledByUser(cancelledByUser('root@4242'))).to.equal(true)
      expect(cancelledByUser('root@4242')).to.deep.equal({kind: 'cancelled-by-user', by: 'root@4242'})
      for (const r of [undefined, null, 'cancelled-by-user', {kind: 'cancelled-by-user'}, {kind: 'max-total', by: 'x'}, {kind: 'cancelled-by-user', by: 7}])
        expect(isCancelledByUser(r), JSON.stringify(r)).to.equal(false)
    })

    it('a step aborted by zmigrate cancel says who; by Ctrl-C, the signal', () => {
      const byUser = new AbortController()
      byUser.abort(cancelledByUser('admin@77'))
      const ctrlC = new AbortController()
      ctrlC.abort()
      expect(abortMessage(byUser.signal)).to.equal('cancelled by user (admin@77)')
      expect(abortMessage(ctrlC.signal)).to.equal('interrupted by signal')
    })
  })

  describe('the file', () => {
    const run: RunIdentity = {pid: 4242, startTicks: 99, host: hostname(), since: '2026-12-01T10:00:00.000Z'}

    it('is written atomically, 0600, beside the lock, and reads back as written; no temp file is left', async () => {
      const file = guestCancelFile(dir, uuid.toUpperCase())
      expect(file).to.equal(join(lockDir(dir), `${uuid}.cancel`))
      const request = newCancelRequest({kind: 'guest', uuid, name: 'web01'}, run, new Date('2026-12-01T10:05:00Z'))
      await writeCancelRequest(file, request)
      expect(lstatSync(file).mode & 0o777).to.equal(0o600)
      expect(readdirSync(lockDir(dir))).to.deep.equal([`${uuid}.cancel`])
      expect(await readCancelRequest(file)).to.deep.equal(request)
      expect(request.by).to.deep.include({pid: process.pid, host: hostname()})
      expect(request.run).to.deep.equal(run)
    })

    it('replaces a symlink planted at its name instead of writing through it', async () => {
      const file = guestCancelFile(dir, uuid)
      const victim = join(dir, 'victim')
      writeFileSync(victim, 'precious\n')
      symlinkSync(victim, file)
      await writeCancelRequest(file, newCancelRequest({kind: 'guest', uuid, name: 'web01'}, run))
      expect(readFileSync(victim, 'utf8')).to.equal('precious\n')
      expect(lstatSync(file).isSymbolicLink()).to.equal(false)
    })

    it('is not read through a symlink, nor when damaged or of another shape', async () => {
      const file = guestCancelFile(dir, uuid)
      const real = join(dir, 'real.json')
      writeFileSync(real, JSON.stringify(newCancelRequest({kind: 'guest', uuid, name: 'web01'}, run)))
      symlinkSync(real, file)
      expect(await readCancelRequest(file)).to.equal(undefined)
      rmSync(file)
      writeFileSync(file, '{"formatVersion": 1, "kind": "cancel-request"')
      expect(await readCancelRequest(file)).to.equal(undefined)
      writeFileSync(file, JSON.stringify({...newCancelRequest({kind: 'guest', uuid, name: 'web01'}, run), run: {pid: -1}}))
      expect(await readCancelRequest(file)).to.equal(undefined)
      expect(await readCancelRequest(join(dir, 'absent'))).to.equal(undefined)
    })

    it('is removed only for the run it names', async () => {
      const file = guestCancelFile(dir, uuid)
      await writeCancelRequest(file, newCancelRequest({kind: 'guest', uuid, name: 'web01'}, run))
      await removeCancelRequest(file, {...run, since: '2026-12-01T11:00:00.000Z'})
      expect(readdirSync(lockDir(dir))).to.have.length(1)
      await removeCancelRequest(file, run)
      expect(readdirSync(lockDir(dir))).to.deep.equal([])
    })

    it('one another user could have written is ignored (zmigrate runs as root and acts on it)', async function () {
      if (process.getuid?.() !== 0) this.skip()
      const file = guestCancelFile(dir, uuid)
      await writeCancelRequest(file, newCancelRequest({kind: 'guest', uuid, name: 'web01'}, run))
      chmodSync(file, 0o644)
      spawnSync('chown', ['65534', file])
      expect(await readCancelRequest(file)).to.equal(undefined)
    })
  })

  describe('the signal to the run', () => {
    const children: ChildProcess[] = []
    afterEach(() => children.splice(0).forEach((c) => c.pid && process.kill(c.pid, 'SIGKILL')))

    it('goes to the recorded process, verified by PID and start time', async () => {
      const l = await listener()
      children.push(l.child)
      expect(l.run.startTicks).to.be.a('number')
      expect(nudgeRun(l.run)).to.equal('signalled')
      await settle()
      expect(l.heard()).to.equal(1)
    })

    it('never to a reused PID: the same PID with another start time is another process', async () => {
      const l = await listener()
      children.push(l.child)
      expect(nudgeRun({...l.run, startTicks: (l.run.startTicks ?? 0) - 1})).to.equal('reused')
      await settle()
      expect(l.heard()).to.equal(0)
    })

    it('not without a start time to check it by, not to a process that is gone, not to another host', async () => {
      const l = await listener()
      children.push(l.child)
      const {startTicks: _ignored, ...noTicks} = l.run
      expect(nudgeRun(noTicks)).to.equal('unverifiable')
      expect(nudgeRun({...l.run, host: 'zlpar9'})).to.equal('elsewhere')
      expect(nudgeRun({...l.run, pid: deadPid()})).to.equal('gone')
      await settle()
      expect(l.heard()).to.equal(0)
    })

    it('says when it is not allowed to signal (another user’s process)', () => {
      const run = {pid: 1234, startTicks: 5, host: hostname(), since: '2026-12-01T10:00:00.000Z'}
      const eperm = Object.assign(new Error('kill EPERM'), {code: 'EPERM'})
      const probe = {
        startTicks: () => 5,
        exists: () => true,
        kill: () => {
          throw eperm
        },
      }
      expect(nudgeRun(run, probe)).to.equal('not-permitted')
      expect(nudgeRun(run, {...probe, startTicks: () => 6})).to.equal('reused')
    })
  })
})
