import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {acquireGuestLock, GuestLockedError, listLocks, lockDir, processStartTicks, readLock} from '../../src/run/guest-lock.js'

const uuid = 'c7a5fdbd-edaf-9455-926a-d65c16db1809'

/** The PID of a process that has ended (and so cannot hold a lock). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], {encoding: 'utf8'})
  return Number(r.stdout.trim())
}

function plantLock(dir: string, holder: Record<string, unknown>): string {
  mkdirSync(lockDir(dir), {recursive: true})
  const file = join(lockDir(dir), `${uuid}.lock`)
  writeFileSync(file, JSON.stringify({host: hostname(), since: '2026-12-01T10:00:00.000Z', guest: 'zdemo', ...holder}))
  return file
}

describe('the per-guest lock', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zm-lock-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('a second run on the same guest is refused with exit 6, naming the holder and its journal', async () => {
    const lock = await acquireGuestLock(dir, uuid, 'zdemo')
    await lock.setJournal('/var/lib/zmigrate/journals/j1.json')
    const e = await acquireGuestLock(dir, uuid, 'zdemo').catch((x) => x)
    expect(e).to.be.instanceOf(GuestLockedError)
    expect(e.exitCode).to.equal(6)
    expect(e.message).to.match(
      new RegExp(
        `zdemo is being migrated by another zmigrate run \\(PID ${process.pid} on ${hostname()}, since .*, journal /var/lib/zmigrate/journals/j1.json\\); nothing was changed`,
      ),
    )
    await lock.release()
    const again = await acquireGuestLock(dir, uuid, 'zdemo')
    await again.release()
    expect(readdirSync(lockDir(dir))).to.deep.equal([])
  })

  it('the lock is per guest UUID: another guest is not held up', async () => {
    const a = await acquireGuestLock(dir, uuid, 'zdemo')
    const b = await acquireGuestLock(dir, 'c7a5fdbd-edaf-9455-926a-d65c16db1810', 'zother')
    await Promise.all([a.release(), b.release()])
  })

  it('a lock whose holder is gone is stale and taken over', async () => {
    const file = plantLock(dir, {pid: deadPid()})
    const lock = await acquireGuestLock(dir, uuid, 'zdemo')
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).to.equal(process.pid)
    await lock.release()
  })

  it('a lock whose PID now belongs to another process (start time differs) is stale', async () => {
    const ticks = processStartTicks(process.pid)
    expect(ticks).to.be.a('number')
    plantLock(dir, {pid: process.pid, startTicks: ticks! - 1})
    const lock = await acquireGuestLock(dir, uuid, 'zdemo')
    await lock.release()
  })

  it('a lock held by a live process of this host is respected', async () => {
    plantLock(dir, {pid: 1, startTicks: processStartTicks(1)})
    const e = await acquireGuestLock(dir, uuid, 'zdemo').catch((x) => x)
    expect(e).to.be.instanceOf(GuestLockedError)
    expect(e.message).to.match(/PID 1 /)
  })

  it('a lock from another host cannot be checked, so it holds (the remedy says how to clear it)', async () => {
    const file = plantLock(dir, {pid: deadPid(), host: 'zlpar9'})
    const e = await acquireGuestLock(dir, uuid, 'zdemo').catch((x) => x)
    expect(e).to.be.instanceOf(GuestLockedError)
    expect(e.remedy).to.include(`remove ${file}`)
  })

  it('release removes only its own lock', async () => {
    const lock = await acquireGuestLock(dir, uuid, 'zdemo')
    const file = join(lockDir(dir), `${uuid}.lock`)
    writeFileSync(file, JSON.stringify({pid: 1, host: hostname(), since: 'x', guest: 'zdemo'}))
    await lock.release()
    expect(existsSync(file)).to.equal(true)
  })

  it('of two runs racing for one stale lock, exactly one wins', async () => {
    for (let round = 0; round < 60; round++) {
      plantLock(dir, {pid: deadPid()})
      const results = await Promise.allSettled([acquireGuestLock(dir, uuid, 'a'), acquireGuestLock(dir, uuid, 'b'), acquireGuestLock(dir, uuid, 'c')])
      const won = results.filter((r) => r.status === 'fulfilled')
      expect(won, `round ${round}`).to.have.length(1)
      for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(GuestLockedError)
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireGuestLock>>>).value.release()
    }
  })

  it('status and cancel read every lock with its state: held by a live process, stale, or written elsewhere; the lock names its holder', async () => {
    const lock = await acquireGuestLock(dir, uuid, 'zdemo')
    expect(lock.holder).to.deep.include({pid: process.pid, startTicks: processStartTicks(process.pid), host: hostname(), guest: 'zdemo'})
    const other = 'c7a5fdbd-edaf-9455-926a-d65c16db1810'
    const far = 'c7a5fdbd-edaf-9455-926a-d65c16db1811'
    mkdirSync(lockDir(dir), {recursive: true})
    writeFileSync(join(lockDir(dir), `${other}.lock`), JSON.stringify({pid: deadPid(), host: hostname(), since: 'x', guest: 'zold'}))
    writeFileSync(join(lockDir(dir), `${far}.lock`), JSON.stringify({pid: 1, host: 'zlpar9', since: 'x', guest: 'zfar'}))
    writeFileSync(join(lockDir(dir), 'not-a-uuid.lock'), '{}')
    writeFileSync(join(lockDir(dir), `${uuid}.cancel`), '{}')
    const locks = await listLocks(dir)
    expect(locks.map((l) => [l.uuid, l.holder.guest, l.state]).sort()).to.deep.equal([
      [uuid, 'zdemo', 'held'],
      [other, 'zold', 'stale'],
      [far, 'zfar', 'elsewhere'],
    ])
    expect((await readLock(dir, uuid.toUpperCase()))?.state).to.equal('held')
    expect(await readLock(dir, 'c7a5fdbd-edaf-9455-926a-d65c16db1899')).to.equal(undefined)
    await lock.release()
  })
})
