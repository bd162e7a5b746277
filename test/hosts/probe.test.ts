// probeHost over the real LocalTransport: hostile paths are data, /dev paths come from the tree.
import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PROBE_SCRIPT} from '../../src/hosts/collect-script.js'
import {probeHost} from '../../src/hosts/facts.js'
import {RecordingTransport, fixtureTree, hostFor} from './support.js'

describe('probeHost (local transport)', function () {
  this.timeout(30_000)
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'zmigrate-probe-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('hostile file names are probed literally: spaces, quotes, $(…), backticks, ;', async () => {
    const names = [`a b.qcow2`, `it's "q".qcow2`, `$(touch pwned).qcow2`, '`touch pwned`;rm -rf x.qcow2', `--help`, ` lead and trail `]
    for (const n of names) await execa('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(dir, n), '64M'])
    const t = new RecordingTransport('dst')
    const paths = names.map((n) => path.join(dir, n))
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {paths, cpuXmls: []})
    expect(t.roundTrips).to.equal(1)
    expect(t.calls[0].argv).to.deep.equal(['sh', '-c', PROBE_SCRIPT])
    expect([...r.paths.keys()]).to.deep.equal(paths)
    for (const p of paths) {
      const probe = r.paths.get(p)!
      expect(probe, p).to.deep.include({path: p, exists: true, fileType: 'regular'})
      expect(probe.image, p).to.deep.include({format: 'qcow2', virtualSizeBytes: 64 * 1024 * 1024})
      expect(probe.sizeBytes, p).to.be.greaterThan(0)
      expect(probe.freeBytes, p).to.be.greaterThan(0)
      expect(probe.error, p).to.equal(undefined)
    }
    expect(readdirSync(dir).sort()).to.deep.equal([...names].sort())
    expect(existsSync(path.join(process.cwd(), 'pwned'))).to.equal(false)
  })

  it('a missing image reports its closest existing parent and that file system’s free space', async () => {
    mkdirSync(path.join(dir, 'images'), {recursive: true})
    const missing = path.join(dir, 'images', 'no such dir', `$(id)`, 'guest.qcow2')
    const r = await probeHost(new RecordingTransport('dst'), hostFor('dst', fixtureTree('lpar-dst')), {paths: [missing], cpuXmls: []})
    expect(r.paths.get(missing)).to.deep.include({exists: false, fileType: 'missing', existingParent: path.join(dir, 'images')})
    expect(r.paths.get(missing)?.freeBytes).to.be.greaterThan(0)
  })

  it('/dev paths are read under the root: block devices with kernel name and size from sysfs', async () => {
    const host = hostFor('dst', fixtureTree('lpar-dst'))
    const paths = ['/dev/disk/by-path/ccw-0.0.7502', '/dev/mapper/mpathb', '/dev/disk/by-id/nvme-SAMSUNG_MZWLJ3T8HBLS-00007_S4WANA0R400123', '/dev/disk/by-path/ccw-0.0.7503', '/dev/mapper/36005076305ffc1ae00000000000021d6']
    const r = await probeHost(new RecordingTransport('dst'), host, {paths, cpuXmls: []})
    expect(r.paths.get(paths[0])).to.deep.equal({path: paths[0], exists: true, fileType: 'block', kernelName: 'dasde', sizeBytes: 14424480 * 512})
    expect(r.paths.get(paths[1])).to.deep.include({exists: true, fileType: 'block', kernelName: 'dm-0', sizeBytes: 100 * 1024 ** 3})
    expect(r.paths.get(paths[2])).to.deep.include({exists: true, fileType: 'block', kernelName: 'nvme0n1'})
    // offline base: udev made no by-path link; WWID-named map absent under user_friendly_names
    expect(r.paths.get(paths[3])).to.deep.equal({path: paths[3], exists: false, fileType: 'missing', existingParent: '/dev/disk/by-path'})
    expect(r.paths.get(paths[4])).to.deep.include({exists: false, fileType: 'missing', existingParent: '/dev/mapper'})
  })

  it('paths that would break the framing are not sent; relative paths are refused', async () => {
    const t = new RecordingTransport('dst')
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {paths: ['/tmp/a\nb', 'images/x.qcow2', '/'], cpuXmls: []})
    expect(r.paths.get('/tmp/a\nb')).to.deep.include({exists: false, error: 'path contains a line break or NUL byte; zmigrate does not probe such paths'})
    expect(r.paths.get('images/x.qcow2')).to.deep.include({exists: false, error: 'not an absolute path'})
    expect(r.paths.get('/')).to.deep.include({exists: true, fileType: 'directory'})
    expect(t.calls[0].stdin).to.not.include('a\nb')
    expect(t.calls[0].stdin).to.not.include('images/x.qcow2')
  })

  it('CPU XML goes over stdin; an unsupported comparison is an error with libvirt’s reason', async () => {
    const cpu = `<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>gen15a</model>\n  <feature policy='require' name='vxpdeh'/>\n</cpu>`
    const t = new RecordingTransport('dst')
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {paths: [], cpuXmls: [cpu, `${cpu}\n`]})
    expect(t.roundTrips).to.equal(1)
    expect(t.calls[0].stdin).to.include(cpu)
    expect(r.cpu).to.deep.equal([
      {result: 'error', detail: 'this function is not supported by the connection driver: virConnectCompareHypervisorCPU'},
      {result: 'error', detail: 'this function is not supported by the connection driver: virConnectCompareHypervisorCPU'},
    ])
  })

  it('cleans up its temporary CPU files', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'zmigrate-tmpdir-'))
    const saved = process.env.TMPDIR
    process.env.TMPDIR = tmp
    try {
      await probeHost(new RecordingTransport('dst'), hostFor('dst', fixtureTree('lpar-dst')), {paths: [], cpuXmls: ['<cpu/>']})
      expect(readdirSync(tmp)).to.deep.equal([])
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
      rmSync(tmp, {recursive: true, force: true})
    }
  })
})
