import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LocalTransport} from '../../src/hosts/local.js'
import {removeUnusedImage} from '../../src/run/host-ops.js'
import {migrationReport} from '../../src/run/report.js'
import {renderMigrationReport} from '../../src/report/migrate-text.js'
import {stepsOf} from '../support/plan-steps.js'
import {copiedImages, sourceImageRemovals} from '../../src/plan/source-images.js'
import {guest} from '../support/domain-xml.js'
import {emptyFacts, makeContext} from '../support/rule-harness.js'
import {domain, setup} from '../support/runner-setup.js'

const image = '/var/lib/libvirt/images/linux01.qcow2'

describe('what a disk copy leaves on the source (migration.source-images)', () => {
  it('keep (the default): the report says what was left where, with its size', async () => {
    const s = setup()
    expect(stepsOf(s.plan.steps, 'remove-copied-image')).to.deep.equal([])
    expect(s.plan.copiedImages).to.deep.equal([{target: 'vda', path: image, sizeBytes: 3 << 20}])
    const report = migrationReport(await s.apply())
    expect(report.sourceImages).to.deep.equal([
      {host: 'src', path: image, sizeBytes: 3 << 20, state: 'left', reason: 'the profile keeps source images (migration.source-images: keep)'},
    ])
    expect(renderMigrationReport(report)).to.include(`left on src: ${image} (3 MiB)`)
    expect(s.src.files.has(image)).to.equal(true)
  })

  it('remove: after verification, only the image this run copied', async () => {
    const s = setup({migration: {sourceImages: 'remove'}})
    const kinds = s.plan.steps.map((x) => x.kind)
    expect(kinds.slice(-2)).to.deep.equal(['verify', 'remove-copied-image'])
    expect(s.plan.steps.at(-1)?.undo).to.equal(undefined)
    const report = migrationReport(await s.apply())
    expect(report.outcome).to.equal('migrated')
    expect(report.sourceImages?.[0]).to.include({state: 'removed', path: image})
    expect(s.src.files.has(image)).to.equal(false)
    expect(s.world.log.at(-1)).to.equal(`src: remove-copied-image ${image}`)
  })

  it('a removal that fails leaves the image and never undoes the verified migration', async () => {
    const s = setup({migration: {sourceImages: 'remove'}})
    s.world.failWhen = (host, argv) =>
      host === 'src' && argv.includes(image) && argv.includes('qemu:///system') && argv.length === 2
        ? {exitCode: 3, stderr: `guest x names ${image}\n`}
        : undefined
    const j = await s.apply()
    expect(j.status).to.equal('succeeded')
    const report = migrationReport(j)
    expect(report.outcome).to.equal('migrated')
    expect(report.sourceImages?.[0]).to.include({state: 'left'})
    expect(report.sourceImages?.[0].reason).to.match(/names/)
    expect(s.dst.domains.get('linux01')?.state).to.equal('running')
    expect(s.world.log.some((l) => l.includes('--desturi qemu+ssh://src/'))).to.equal(false)
  })
})

describe('which copies may be removed (planning)', () => {
  it('never one another guest on the source names, as its disk or as a declared backing file', () => {
    const other = guest(
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/overlay.qcow2'/>
        <backingStore type='file'><format type='qcow2'/><source file='${image}'/><backingStore/></backingStore>
        <target dev='vda' bus='virtio'/></disk>`,
      {name: 'linux02'},
    ).xml.replace(/<uuid>[^<]*<\/uuid>/, '<uuid>0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a02</uuid>')
    const ctx = makeContext({
      domain,
      migration: {sourceImages: 'remove'},
      source: emptyFacts('src', {guests: [{name: 'linux02', uuid: '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a02', state: 'running', persistent: true, xml: other}]}),
    })
    const images = copiedImages(ctx, ['vda'])
    expect(images.map((i) => i.path)).to.deep.equal([image])
    expect(sourceImageRemovals(ctx, images)).to.deep.equal([])
    expect(sourceImageRemovals(makeContext({domain, migration: {sourceImages: 'remove'}}), images)).to.have.length(1)
  })
})

describe('removing a copied image on a host (the real script)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-srcimg-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const host = {t: new LocalTransport('here'), uri: 'test:///default', root: '/'}

  it('removes an image nothing uses', async () => {
    const file = join(dir, 'free.img')
    writeFileSync(file, 'x')
    await removeUnusedImage(host, file)
    expect(existsSync(file)).to.equal(false)
  })

  it('leaves an image a process holds open (a running QEMU keeps its backing files open)', async function () {
    this.timeout(20_000)
    const file = join(dir, 'held.img')
    writeFileSync(file, 'x')
    const holder = execa('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 30', 'sh', file], {reject: false})
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()))
    try {
      const e = await removeUnusedImage(host, file).catch((x) => x)
      expect(String(e?.message)).to.match(/a process holds .*held\.img open/)
      expect(existsSync(file)).to.equal(true)
    } finally {
      holder.kill()
      await holder
    }
  })
})
