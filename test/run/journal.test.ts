/**
 * Where saveJournal writes and what it refuses: zmigrate runs as root, and `migrate --resume`
 * acts on what the journal says, so the journal directory must be the user's alone.
 */
import {expect} from 'chai'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {InputError} from '../../src/errors.js'
import type {Plan} from '../../src/plan/types.js'
import {journalDir, loadJournal, newJournal, saveJournal} from '../../src/run/journal.js'
import {setup} from '../support/runner-setup.js'

const plan: Plan = setup().plan

const made: string[] = []
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix))
  made.push(d)
  return d
}
const dataDir = () => tempDir('zm-journal-safety-')

async function refusal(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e, 'saveJournal should have refused').to.be.instanceOf(InputError)
  const err = e as InputError
  expect(err.code).to.equal('E_UNSAFE_DIR')
  expect(err.exitCode).to.equal(2)
  expect(err.message).not.to.include('\n')
  return err
}

describe('saveJournal: a private journal directory, atomic writes', () => {
  after(() => made.forEach((d) => rmSync(d, {recursive: true, force: true})))

  it('refuses a journal directory that group or others can write, naming it, its mode and the remedy', async () => {
    const dir = dataDir()
    mkdirSync(journalDir(dir))
    chmodSync(journalDir(dir), 0o770)
    const journal = newJournal(plan, dir)
    const e = await refusal(saveJournal(journal))
    expect(e.message).to.equal(
      `${journalDir(dir)}: journal directory is writable by group or others (mode 0770): another user could replace or plant files in it`,
    )
    expect(e.remedy).to.include(`chmod 700 ${journalDir(dir)}`)
    expect(existsSync(journal.file)).to.equal(false)
  })

  it('refuses a journal directory that is a symlink, even to a directory of ours', async () => {
    const dir = dataDir()
    const elsewhere = tempDir('zm-journal-elsewhere-')
    symlinkSync(elsewhere, journalDir(dir))
    const e = await refusal(saveJournal(newJournal(plan, dir)))
    expect(e.message).to.include('is a symbolic link').and.include(elsewhere)
    expect(readdirSync(elsewhere)).to.deep.equal([])
  })

  it('refuses a journal directory owned by another user', async function () {
    if (process.getuid?.() !== 0) this.skip() // only root can give a directory away
    const dir = dataDir()
    mkdirSync(journalDir(dir), {mode: 0o700})
    chownSync(journalDir(dir), 65534, 65534)
    const e = await refusal(saveJournal(newJournal(plan, dir)))
    expect(e.message).to.include('belongs to uid 65534, not to this user (uid 0)')
  })

  it('writes the journal 0600 in a 0700 directory, tightening one of ours that others could read', async () => {
    const dir = dataDir()
    mkdirSync(journalDir(dir))
    chmodSync(journalDir(dir), 0o755)
    const journal = newJournal(plan, dir)
    await saveJournal(journal)
    await saveJournal(journal)
    expect(statSync(journalDir(dir)).mode & 0o777).to.equal(0o700)
    expect(statSync(journal.file).mode & 0o777).to.equal(0o600)
    expect(readdirSync(journalDir(dir))).to.deep.equal([`${journal.id}.json`])
    expect((await loadJournal(journal.file)).id).to.equal(journal.id)
  })

  it('never writes through a symlink planted at a predictable temp name', async () => {
    const dir = dataDir()
    const journal = newJournal(plan, dir)
    mkdirSync(journalDir(dir), {mode: 0o700})
    const victim = join(tempDir('zm-victim-'), 'shadow')
    writeFileSync(victim, 'root:x:0:0\n')
    // what the journal's temp file used to be called
    symlinkSync(victim, `${journal.file}.${process.pid}.tmp`)
    await saveJournal(journal)
    expect(readFileSync(victim, 'utf8')).to.equal('root:x:0:0\n')
    expect(JSON.parse(readFileSync(journal.file, 'utf8')).id).to.equal(journal.id)
  })

  it('a failed save leaves no temp file behind (the journal name is taken by a directory)', async () => {
    const dir = dataDir()
    const journal = newJournal(plan, dir)
    mkdirSync(journal.file, {recursive: true, mode: 0o700})
    writeFileSync(join(journal.file, 'keep'), '')
    const e = await saveJournal(journal).then(
      () => undefined,
      (x: unknown) => x,
    )
    expect((e as NodeJS.ErrnoException)?.code).to.be.oneOf(['EISDIR', 'ENOTEMPTY', 'EEXIST'])
    expect(readdirSync(journalDir(dir))).to.deep.equal([`${journal.id}.json`])
    expect(lstatSync(journal.file).isDirectory()).to.equal(true)
  })
})
