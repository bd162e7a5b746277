// The set-up every lab suite shares: the lab held for this test run (one lab per machine) and up,
// the guests on their home hosts when the suite needs them there, and a data directory per test.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {lab, sendHome} from './lab-cli.js'
import {holdLab} from './lab-hold.js'

/** In a describe: before its tests, hold the lab, bring it up and (home) send every guest home. */
export function useLab(opts: {home?: boolean} = {}): void {
  before(async function () {
    this.timeout(45 * 60_000)
    await holdLab()
    const up = await lab('up')
    if (up.exitCode !== 0) throw new Error(`lab/up failed:\n${up.stdout}\n${up.stderr}`)
    if (opts.home) await sendHome()
  })
}

export interface DataDir {
  /** This test's directory. */
  path(): string
  /** The CLI's env for it: ZMIGRATE_DATA_DIR. */
  env(): Record<string, string>
}

/** In a describe: a zmigrate data directory of its own for each test (journals, locks), removed after it. */
export function dataDirPerTest(name: string): DataDir {
  let dir = ''
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), `zm-e2e-${name}-`))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))
  return {path: () => dir, env: () => ({ZMIGRATE_DATA_DIR: dir})}
}
