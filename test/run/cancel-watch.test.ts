// The running side of zmigrate cancel (src/run/cancel-watch.ts): a request for this run aborts its
// signal with who cancelled it — noticed by fs.watch at once, by the nudge signal, or by the poll
// when neither says anything — and a request for another run, or another guest, never does.
import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {CANCEL_NUDGE, guestCancelFile, isCancelledByUser, newCancelRequest, writeCancelRequest, type RunIdentity} from '../../src/run/cancel-request.js'
import {eitherSignal, watchCancelRequest, type CancelWatchOptions} from '../../src/run/cancel-watch.js'
import {lockDir} from '../../src/run/guest-lock.js'

const uuid = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b01'
const run: RunIdentity = {pid: process.pid, startTicks: 1, host: hostname(), since: '2026-12-01T10:00:00.000Z'}

function aborted(signal: AbortSignal, ms: number): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), {once: true})
  })
}

describe('watching for a cancel request', () => {
  let dir: string
  let file: string
  const stops: (() => Promise<void>)[] = []
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zm-watch-'))
    mkdirSync(lockDir(dir), {recursive: true})
    file = guestCancelFile(dir, uuid)
  })
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop()
    rmSync(dir, {recursive: true, force: true})
  })

  const watchFor = (more: Partial<CancelWatchOptions> = {}) => {
    const w = watchCancelRequest({file, run, matches: (t) => t.kind === 'guest' && t.uuid === uuid, ...more})
    stops.push(() => w.stop())
    return w
  }
  const ask = (target = {kind: 'guest' as const, uuid, name: 'web01'}, forRun = run) => writeCancelRequest(file, newCancelRequest(target, forRun))

  it('fs.watch sees the request at once (the poll an hour away): the signal aborts with who asked', async () => {
    const seen: string[] = []
    const w = watchFor({pollMs: 3_600_000, onRequest: (r) => seen.push(r.by.host)})
    await new Promise((r) => setTimeout(r, 50))
    await ask()
    expect(await aborted(w.signal, 2000)).to.equal(true)
    expect(isCancelledByUser(w.signal.reason)).to.equal(true)
    expect(w.signal.reason).to.deep.equal({kind: 'cancelled-by-user', by: `${w.request?.by.user}@${process.pid}`})
    expect(seen).to.deep.equal([hostname()])
  })

  it('without fs.watch, the poll finds it', async () => {
    const w = watchFor({fsWatch: false, pollMs: 50})
    await ask()
    expect(await aborted(w.signal, 2000)).to.equal(true)
  })

  it('without fs.watch and before the poll, the nudge signal makes it look now', async () => {
    const w = watchFor({fsWatch: false, pollMs: 3_600_000})
    await ask()
    expect(await aborted(w.signal, 300)).to.equal(false)
    process.kill(process.pid, CANCEL_NUDGE)
    expect(await aborted(w.signal, 2000)).to.equal(true)
  })

  it('a request already there when the run starts watching counts (it came while the run took the lock)', async () => {
    await ask()
    const w = watchFor({fsWatch: false, pollMs: 3_600_000})
    expect(await aborted(w.signal, 2000)).to.equal(true)
  })

  it('a request for another run (a PID reused, an earlier run of the guest) or another target never aborts it', async () => {
    const w = watchFor({pollMs: 50})
    await ask(undefined, {...run, since: '2026-11-30T10:00:00.000Z'})
    await ask(undefined, {...run, pid: run.pid + 1})
    await ask({kind: 'guest', uuid: '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b02', name: 'db01'})
    expect(await aborted(w.signal, 400)).to.equal(false)
    await ask()
    expect(await aborted(w.signal, 2000)).to.equal(true)
  })

  it('stop() ends the watching and removes a request for this run; one for another run stays', async () => {
    const w = watchFor({pollMs: 50})
    await ask()
    await aborted(w.signal, 2000)
    await w.stop()
    expect(readdirSync(lockDir(dir))).to.deep.equal([])
    const again = watchFor({pollMs: 50})
    await again.stop()
    await ask()
    await new Promise((r) => setTimeout(r, 200))
    expect(again.signal.aborted, 'stopped: it no longer looks').to.equal(false)
    const other = watchFor({pollMs: 50, run: {...run, since: '2026-11-30T10:00:00.000Z'}})
    await other.stop()
    expect(readdirSync(lockDir(dir))).to.deep.equal([`${uuid}.cancel`])
  })

  it('eitherSignal: a Ctrl-C or the cancel, each with its own reason', () => {
    const ctrlC = new AbortController()
    const cancel = new AbortController()
    const both = eitherSignal(ctrlC.signal, cancel.signal)
    cancel.abort({kind: 'cancelled-by-user', by: 'root@1'})
    expect(both.reason).to.deep.equal({kind: 'cancelled-by-user', by: 'root@1'})
    expect(eitherSignal(undefined, cancel.signal)).to.equal(cancel.signal)
  })
})
