// bin/run.js in a copy of bin/ beside a fake package root: never touches the real dist/.
import {expect} from 'chai'
import {execa} from 'execa'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {ExitCode} from '../src/exit-codes.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..')

describe('bin/run.js', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'zm-bin-'))
    mkdirSync(join(root, 'bin'))
    copyFileSync(join(REPO, 'bin', 'run.js'), join(root, 'bin', 'run.js'))
    writeFileSync(join(root, 'package.json'), '{"type": "module"}\n')
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  const run = (...args: string[]) => execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {reject: false, env: {ZMIGRATE_DEBUG: ''}})

  it('before a build: one line on stderr naming the fix, no stack, exit 70 (internal)', async () => {
    const r = await run('check', '--help')
    expect(r.exitCode).to.equal(ExitCode.INTERNAL)
    expect(r.stdout).to.equal('')
    expect(r.stderr).to.equal('zmigrate: not built yet: run npm ci && npm run build (or bin/dev.js to run the sources)')
  })

  it('after a build: hands over to the bundle', async () => {
    mkdirSync(join(root, 'dist', 'commands'), {recursive: true})
    writeFileSync(join(root, 'dist', 'commands', 'index.js'), 'export async function execute({dir}) { console.log(`executed from ${dir}`) }\n')
    const r = await run()
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stdout).to.equal(`executed from file://${join(root, 'bin', 'run.js')}`)
  })
})
