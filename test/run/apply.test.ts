import {expect} from 'chai'
import {readFileSync, rmSync} from 'node:fs'
import {applyJournal} from '../../src/run/apply.js'
import {loadJournal, saveJournal} from '../../src/run/journal.js'
import {migrationReport} from '../../src/run/report.js'
import {domain, setup} from '../support/runner-setup.js'

describe('applying a plan (runner ordering, journal, rollback)', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))

  it('runs every step in order and ends with the guest and its devices on the destination', async () => {
    const s = setup()
    dirs.push(s.dir)
    const j = await s.apply()
    expect(j.status).to.equal('succeeded')
    expect(s.world.log).to.deep.equal([
      'dst: dasd-online=1 0.0.7500',
      'dst: qemu-img create /var/lib/libvirt/images/linux01.qcow2 qcow2 1073741824',
      `src: detach-device --domain ${domain.uuid} --live --config`,
      `src: detach-device --domain ${domain.uuid} --live --config`,
      `src: migrate --live --persistent --undefinesource --copy-storage-all --migrate-disks vda --domain ${domain.uuid} --desturi qemu+ssh://dst/system`,
      `dst: attach-device --domain ${domain.uuid} --live --config`,
      `dst: attach-device --domain ${domain.uuid} --live --config`,
    ])
    const xml = JSON.stringify(s.dst.domains.get('linux01')!.xml)
    expect(xml).to.include('aaaaaaaa-ad44-41d0-b1b7-bae47de48627').and.not.include('90c6c135')
    expect(s.src.domains.has('linux01')).to.equal(false)
    const report = migrationReport(j)
    expect(report.outcome).to.equal('migrated')
    expect(report.downtimeMs).to.equal(27)
  })

  it('writes the journal after each step, readable from disk', async () => {
    const s = setup()
    dirs.push(s.dir)
    await s.apply()
    const onDisk = await loadJournal(s.journal.file)
    expect(onDisk.status).to.equal('succeeded')
    expect(onDisk.steps.every((x) => x.state === 'done')).to.equal(true)
    expect(JSON.parse(readFileSync(s.journal.file, 'utf8')).plan.guest.name).to.equal('linux01')
  })

  it('a failed migration undoes completed steps in reverse order and leaves the guest on the source with its devices', async () => {
    const s = setup()
    dirs.push(s.dir)
    s.world.failWhen = (host, argv) =>
      host === 'src' && argv[3] === 'migrate' ? {stderr: "error: operation failed: job 'migration out' failed: Unable to write to socket"} : undefined
    const j = await s.apply()
    expect(j.status).to.equal('rolled-back')
    expect(s.world.log.slice(5)).to.deep.equal([
      `src: attach-device --domain ${domain.uuid} --live --config`,
      `src: attach-device --domain ${domain.uuid} --live --config`,
      'dst: rm -f -- /var/lib/libvirt/images/linux01.qcow2',
      'dst: dasd-online=0 0.0.7500',
    ])
    // re-attached in reverse detach order: vdc (detached last) first
    const report = migrationReport(j)
    expect(report.outcome).to.equal('rolled-back')
    expect(report.steps.find((x) => x.kind === 'migrate')!.error).to.match(/Unable to write to socket/)
    expect(report.undo.map((u) => u.state)).to.deep.equal(['done', 'done', 'done', 'done'])
    const srcXml = JSON.stringify(s.src.domains.get('linux01')!.xml)
    expect(srcXml).to.include('90c6c135').and.include('s.img')
    expect(s.dst.files.has('/var/lib/libvirt/images/linux01.qcow2')).to.equal(false)
    expect(s.dst.dasdOnline.get('0.0.7500')).to.equal(false)
  })

  it('a failure after the migration migrates back and restores the source', async () => {
    const s = setup()
    dirs.push(s.dir)
    let attaches = 0
    s.world.failWhen = (host, argv) =>
      host === 'dst' && argv[3] === 'attach-device' && ++attaches === 2 ? {stderr: 'error: internal error: no free mdev'} : undefined
    const j = await s.apply()
    expect(j.status).to.equal('rolled-back')
    expect(s.world.log.slice(6)).to.deep.equal([
      `dst: attach-device --domain ${domain.uuid} --live --config`,
      `dst: detach-device --domain ${domain.uuid} --live --config`,
      `dst: migrate --live --persistent --undefinesource --copy-storage-all --migrate-disks vda --domain ${domain.uuid} --desturi qemu+ssh://src/system`,
      `src: attach-device --domain ${domain.uuid} --live --config`,
      `src: attach-device --domain ${domain.uuid} --live --config`,
      'dst: rm -f -- /var/lib/libvirt/images/linux01.qcow2',
      'dst: dasd-online=0 0.0.7500',
    ])
    expect(s.src.domains.get('linux01')?.state).to.equal('running')
    expect(s.dst.domains.has('linux01')).to.equal(false)
  })

  it('an undo that fails leaves rollback-incomplete with instructions for a human', async () => {
    const s = setup()
    dirs.push(s.dir)
    s.world.failWhen = (host, argv) =>
      host === 'src' && argv[3] === 'migrate'
        ? {stderr: 'error: migration failed'}
        : host === 'src' && argv[3] === 'attach-device'
          ? {stderr: 'error: mdev busy'}
          : undefined
    const j = await s.apply()
    expect(j.status).to.equal('rollback-incomplete')
    const report = migrationReport(j)
    expect(report.outcome).to.equal('rollback-incomplete')
    expect(report.manual).to.have.length(2)
    expect(report.manual[0]).to.match(/re-attach .* to linux01 \(UUID [0-9a-f-]{36}\) on src: the device XML is in the journal/)
    // the other undos still ran
    expect(s.dst.files.has('/var/lib/libvirt/images/linux01.qcow2')).to.equal(false)
  })

  it('removes only images it created and sets offline only DASDs it set online', async () => {
    const s = setup()
    dirs.push(s.dir)
    s.dst.dasdOnline.set('0.0.7500', true) // already online: nothing to undo there
    s.world.failWhen = (host, argv) => (host === 'src' && argv[3] === 'migrate' ? {stderr: 'error: boom'} : undefined)
    const j = await s.apply()
    expect(j.undo.find((u) => u.action.kind === 'set-dasd-offline')!.state).to.equal('not-needed')
    expect(s.dst.dasdOnline.get('0.0.7500')).to.equal(true)
    expect(s.world.log).to.not.include('dst: dasd-online=0 0.0.7500')
  })

  it('resume: a step that completed before zmigrate died is confirmed, not repeated', async () => {
    const s = setup()
    dirs.push(s.dir)
    // simulate a crash during the first detach: the device is already gone, the journal says running
    s.journal.steps[0].state = 'done'
    s.journal.steps[1].state = 'done'
    s.dst.dasdOnline.set('0.0.7500', true)
    s.dst.files.add('/var/lib/libvirt/images/linux01.qcow2')
    const devs = s.src.domains.get('linux01')!.xml.children.find((c) => c.name === 'devices')!
    devs.children = devs.children.filter((c) => c.name !== 'hostdev')
    s.journal.steps[2].state = 'running'
    await saveJournal(s.journal)
    const resumed = await loadJournal(s.journal.file)
    const j = await s.apply(resumed)
    expect(j.status).to.equal('succeeded')
    expect(s.events.some((e) => e.type === 'step-skipped' && e.step === resumed.steps[2].id)).to.equal(true)
    expect(s.world.log.filter((l) => l.includes('detach-device'))).to.have.length(1)
  })

  it('an aborted run (Ctrl-C) rolls back what it did', async () => {
    const s = setup()
    dirs.push(s.dir)
    const controller = new AbortController()
    const hosts = {
      source: {t: s.world.transport('src'), uri: 'qemu:///system', root: '/'},
      destination: {t: s.world.transport('dst'), uri: 'qemu:///system', root: '/'},
    }
    const j = await applyJournal(s.journal, {
      hosts,
      signal: controller.signal,
      detachTimeoutSeconds: 1,
      emit: (e) => {
        if (e.type === 'step-done' && e.step.includes('create-image')) controller.abort()
      },
    })
    expect(j.status).to.equal('rolled-back')
    expect(j.steps.find((x) => x.state === 'failed')!.error).to.match(/interrupted/)
    expect(s.dst.files.size).to.equal(0)
  })
})
