import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {holdLab} from './support/lab-hold.js'

describe('one lab-using test run per machine (test/support/lab-hold.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-labhold-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('a second run waits, saying for whom, until the first ends, then holds the lab', async function () {
    this.timeout(30_000)
    const file = join(dir, 'wait.lock')
    const holder = execa(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./test/support/lab-hold.ts').then(async (m) => { await m.holdLab({file: ${JSON.stringify(file)}}); console.log('held'); setTimeout(() => process.exit(0), 2500) })`,
      ],
      {reject: false},
    )
    await new Promise<void>((resolve) => holder.stdout!.on('data', (c: Buffer) => String(c).includes('held') && resolve()))
    const said: string[] = []
    const started = Date.now()
    await holdLab({file, log: (l) => said.push(l)})
    expect(Date.now() - started).to.be.greaterThan(1000)
    expect(said[0]).to.match(new RegExp(`waiting for the lab: another test run holds it \\(PID ${holder.pid}`))
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).to.equal(process.pid)
    await holder
  })

  it('a lock left by a run that died is taken over at once', async () => {
    const file = join(dir, 'stale.lock')
    const dead = (await execa('sh', ['-c', 'echo $$'])).stdout.trim()
    writeFileSync(file, JSON.stringify({pid: Number(dead), argv: 'mocha (died)'}))
    await holdLab({file, log: () => undefined})
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).to.equal(process.pid)
  })

  it('refuses clearly when the holder does not end in time', async () => {
    const file = join(dir, 'busy.lock')
    writeFileSync(file, JSON.stringify({pid: 1, argv: 'init'}))
    const e = await holdLab({file, timeoutMs: 50, log: () => undefined}).catch((x) => x)
    expect(String(e?.message)).to.match(/the lab is held by another test run \(PID 1: init\)/)
    expect(existsSync(file)).to.equal(true)
  })
})
