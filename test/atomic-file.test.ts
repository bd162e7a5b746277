/**
 * The pieces of src/atomic-file.ts a caller cannot observe through saveJournal or writePlan: the
 * temp file is opened exclusively and never through a symlink, and named beside the target.
 */
import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {openNew, tempPathFor} from '../src/atomic-file.js'

describe('atomic files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-atomic-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('openNew refuses a name a symlink holds (dangling or not) and writes nothing through it', async () => {
    const victim = join(dir, 'victim')
    writeFileSync(victim, 'keep\n')
    symlinkSync(victim, join(dir, 'link'))
    symlinkSync(join(dir, 'would-be-created'), join(dir, 'dangling'))
    for (const name of ['link', 'dangling']) {
      const e = await openNew(join(dir, name), 0o600).then(
        (fh) => fh.close(),
        (x: unknown) => x,
      )
      expect((e as NodeJS.ErrnoException)?.code, name).to.equal('EEXIST')
    }
    expect(readFileSync(victim, 'utf8')).to.equal('keep\n')
    expect(existsSync(join(dir, 'would-be-created'))).to.equal(false)
  })

  it('openNew refuses an existing regular file', async () => {
    writeFileSync(join(dir, 'taken'), 'x')
    const e = await openNew(join(dir, 'taken'), 0o600).then(
      (fh) => fh.close(),
      (x: unknown) => x,
    )
    expect((e as NodeJS.ErrnoException)?.code).to.equal('EEXIST')
  })

  it('temp names are hidden, beside the target, and differ every time', () => {
    const target = join(dir, 'j.json')
    const names = new Set(Array.from({length: 50}, () => tempPathFor(target)))
    expect(names.size).to.equal(50)
    for (const n of names) {
      expect(dirname(n)).to.equal(dir)
      expect(n).to.match(/\/\.j\.json\.[0-9a-f]{16}\.tmp$/)
    }
  })
})
