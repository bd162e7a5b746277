import {expect} from 'chai'
import {readdirSync, rmSync} from 'node:fs'
import {dirname} from 'node:path'
import {JournalWriteError, type JournalStore} from '../../src/run/journal-store.js'
import {loadJournal, saveJournal, type Journal} from '../../src/run/journal.js'
import {migrationReport} from '../../src/run/report.js'
import {setup} from '../support/runner-setup.js'

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'})

/** Writes the journal until `full(journal)` says the disk is full, then fails every write. */
function fillingStore(full: (j: Journal) => boolean): JournalStore & {failures: number} {
  const store = {
    failures: 0,
    async save(j: Journal) {
      if (full(j)) {
        store.failures++
        throw enospc()
      }
      await saveJournal(j)
    },
  }
  return store
}

const migrated = (j: Journal) => j.steps.some((r) => r.id.endsWith('-migrate') && r.state === 'done')
const noDelays = {journalRetryDelaysMs: [1, 1, 1]}

describe('a journal that cannot be written (data dir full)', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))

  it('after the migration succeeded: stops with exit 4, undoes nothing, the guest runs on the destination with its disk', async () => {
    const s = setup()
    dirs.push(s.dir)
    const store = fillingStore(migrated)
    const error = await s.apply(s.journal, {store, ...noDelays}).catch((e) => e)
    expect(error).to.be.instanceOf(JournalWriteError)
    expect(error.exitCode).to.equal(4)
    expect(error.message).to.match(
      /cannot write the journal .*ENOSPC.*stopped without undoing anything \(done: 01-set-dasd-online, 02-create-image-vda, 03-detach-.*, 05-migrate\)/,
    )
    expect(error.remedy).to.include(`zmigrate migrate --resume ${s.journal.file}`)
    expect(store.failures).to.equal(4) // the first attempt and three retries
    // nothing was undone: the image the guest now runs from is still there, the guest is on dst
    expect(s.world.log.some((l) => l.startsWith('dst: rm ') || l.includes('--desturi qemu+ssh://src/'))).to.equal(false)
    expect(s.dst.files.has('/var/lib/libvirt/images/linux01.qcow2')).to.equal(true)
    expect(s.dst.domains.get('linux01')?.state).to.equal('running')
    expect(s.src.domains.has('linux01')).to.equal(false)
    expect(readdirSync(dirname(s.journal.file)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([])
  })

  it('--resume once the data dir has room confirms the migration on the hosts and completes', async () => {
    const s = setup()
    dirs.push(s.dir)
    await s.apply(s.journal, {store: fillingStore(migrated), ...noDelays}).catch(() => undefined)
    const onDisk = await loadJournal(s.journal.file)
    expect(onDisk.steps.find((r) => r.id.endsWith('-migrate'))?.state).to.equal('running') // the last write that got through
    const before = s.world.log.length
    const resumed = await s.apply(onDisk)
    expect(resumed.status).to.equal('succeeded')
    expect(migrationReport(resumed).outcome).to.equal('migrated')
    const after = s.world.log.slice(before)
    expect(after.some((l) => l.includes(' migrate '))).to.equal(false) // confirmed, not repeated
    expect(after.filter((l) => l.includes('attach-device'))).to.have.length(2)
    expect(s.events.some((e) => e.type === 'step-skipped' && e.step.endsWith('-migrate'))).to.equal(true)
  })

  it('before the first step: exit 2, nothing changed on either host', async () => {
    const s = setup()
    dirs.push(s.dir)
    const error = await s.apply(s.journal, {store: fillingStore(() => true), ...noDelays}).catch((e) => e)
    expect(error).to.be.instanceOf(JournalWriteError)
    expect(error.exitCode).to.equal(2)
    expect(error.message).to.match(/no step done/)
    expect(s.world.log).to.deep.equal([])
  })

  it('a step that fails while the journal cannot be written is not rolled back blind: exit 4', async () => {
    const s = setup()
    dirs.push(s.dir)
    s.world.failWhen = (host, argv) => (host === 'src' && argv[3] === 'migrate' ? {stderr: 'error: boom'} : undefined)
    const error = await s.apply(s.journal, {store: fillingStore((j) => j.status === 'rolling-back'), ...noDelays}).catch((e) => e)
    expect(error).to.be.instanceOf(JournalWriteError)
    expect(error.exitCode).to.equal(4)
    expect(s.world.log.some((l) => l.startsWith('dst: rm ') || l.includes('attach-device'))).to.equal(false)
  })

  it('a write that fails once and then succeeds costs a retry, not the migration', async () => {
    const s = setup()
    dirs.push(s.dir)
    let failed = false
    const flaky: JournalStore = {
      async save(j) {
        if (migrated(j) && !failed) {
          failed = true
          throw enospc()
        }
        await saveJournal(j)
      },
    }
    const j = await s.apply(s.journal, {store: flaky, ...noDelays})
    expect(failed).to.equal(true)
    expect(j.status).to.equal('succeeded')
  })
})
