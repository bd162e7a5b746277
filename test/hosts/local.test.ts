import {expect} from 'chai'
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {OutputLimitError} from '../../src/errors.js'
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

  it('stops a command that prints past its stdout limit, with its group, and says so', async function () {
    this.timeout(10_000)
    const dir = mkdtempSync(join(tmpdir(), 'zm-local-'))
    const t = new LocalTransport('here')
    const started = Date.now()
    // 2 MB in one go, then the group would go on to leave a file behind if it were not killed
    const script = 'head -c 2000000 /dev/zero; sleep 1; touch "$1/survivor"'
    const error = await t.run(['sh', '-c', script, 'zm', dir], {maxStdoutBytes: 1024 * 1024}).then(
      () => expect.fail('expected an OutputLimitError'),
      (e: unknown) => e,
    )
    expect(error).to.be.instanceOf(OutputLimitError)
    const e = error as OutputLimitError
    expect(e).to.include({code: 'E_OUTPUT_LIMIT', exitCode: 1, stream: 'stdout', limitBytes: 1024 * 1024})
    expect(e.message).to.equal('here: sh -c head -c 2000000 /dev/zero; sleep 1; touch "$1/survivor… printed more than 1 MiB on stdout; zmigrate stopped it')
    expect(Date.now() - started).to.be.below(1000)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(existsSync(join(dir, 'survivor')), 'the command kept running').to.equal(false)
  })

  it('caps stderr separately, and streams stdout uncapped when it is not kept', async () => {
    const t = new LocalTransport('here')
    const tooChatty = t.run(['sh', '-c', 'head -c 300000 /dev/zero >&2'], {maxStderrBytes: 100_000})
    expect(await tooChatty.catch((e: unknown) => (e as OutputLimitError).stream)).to.equal('stderr')
    let streamed = 0
    const r = await t.run(['head', '-c', '3000000', '/dev/zero'], {maxStdoutBytes: 1000, keepStdout: false, onStdout: (c) => (streamed += c.length)})
    expect(r).to.include({stdout: '', exitCode: 0})
    expect(streamed).to.equal(3_000_000)
  })
})
