import {expect} from 'chai'
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LocalTransport} from '../../src/hosts/local.js'

describe('LocalTransport', () => {
  it('passes argv literally, stdin through, and the exit code back', async () => {
    const t = new LocalTransport('here')
    const r = await t.run(['sh', '-c', 'cat; printf "%s" "$1"; exit 3', 'zm', '$(echo no) ; x'], {stdin: 'in:'})
    expect(r).to.include({stdout: 'in:$(echo no) ; x', exitCode: 3})
    expect(t.roundTrips).to.equal(1)
  })

  it('a timeout ends the whole pipeline, not only its shell', async function () {
    this.timeout(10_000)
    const dir = mkdtempSync(join(tmpdir(), 'zm-local-'))
    const t = new LocalTransport('here')
    const started = Date.now()
    // the right-hand side would create the file after 1.5 s if it survived the kill
    const r = await t.run(['sh', '-c', 'while :; do sleep 0.1; done | (sleep 1.5; touch "$1/survivor")', 'zm', dir], {timeoutMs: 300})
    expect(r.timedOut).to.equal(true)
    expect(Date.now() - started).to.be.below(1500)
    await new Promise((resolve) => setTimeout(resolve, 1800))
    expect(existsSync(join(dir, 'survivor'))).to.equal(false)
  })

  it('an abort ends the command group', async () => {
    const t = new LocalTransport('here')
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 200)
    const r = await t.run(['sh', '-c', 'sleep 5 | cat'], {signal: ac.signal})
    expect(r.exitCode).to.not.equal(0)
  })
})
