// probeHost over the real LocalTransport: hostile paths are data, /dev paths come from the tree,
// images are read as the format their XML declares.
import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PROBE_SCRIPT} from '../../src/hosts/probe-script.js'
import {probeHost} from '../../src/hosts/facts.js'
import type {ProbeTarget} from '../../src/hosts/facts-types.js'
import {RecordingTransport, fixtureTree, hostFor} from './support.js'

const as = (format: string, paths: readonly string[]): ProbeTarget[] => paths.map((path) => ({path, format}))

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
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {targets: as('qcow2', paths), cpuXmls: []})
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
    const r = await probeHost(new RecordingTransport('dst'), hostFor('dst', fixtureTree('lpar-dst')), {targets: as('qcow2', [missing]), cpuXmls: []})
    expect(r.paths.get(missing)).to.deep.include({exists: false, fileType: 'missing', existingParent: path.join(dir, 'images')})
    expect(r.paths.get(missing)?.freeBytes).to.be.greaterThan(0)
  })

  it('/dev paths are read under the root: block devices with kernel name and size from sysfs', async () => {
    const host = hostFor('dst', fixtureTree('lpar-dst'))
    const paths = [
      '/dev/disk/by-path/ccw-0.0.7502',
      '/dev/mapper/mpathb',
      '/dev/disk/by-id/nvme-SAMSUNG_MZWLJ3T8HBLS-00007_S4WANA0R400123',
      '/dev/disk/by-path/ccw-0.0.7503',
      '/dev/mapper/36005076305ffc1ae00000000000021d6',
    ]
    const r = await probeHost(new RecordingTransport('dst'), host, {targets: as('raw', paths), cpuXmls: []})
    expect(r.paths.get(paths[0])).to.deep.equal({path: paths[0], exists: true, fileType: 'block', kernelName: 'dasde', sizeBytes: 14424480 * 512})
    expect(r.paths.get(paths[1])).to.deep.include({exists: true, fileType: 'block', kernelName: 'dm-0', sizeBytes: 100 * 1024 ** 3})
    expect(r.paths.get(paths[2])).to.deep.include({exists: true, fileType: 'block', kernelName: 'nvme0n1'})
    // offline base: udev made no by-path link; WWID-named map absent under user_friendly_names
    expect(r.paths.get(paths[3])).to.deep.equal({path: paths[3], exists: false, fileType: 'missing', existingParent: '/dev/disk/by-path'})
    expect(r.paths.get(paths[4])).to.deep.include({exists: false, fileType: 'missing', existingParent: '/dev/mapper'})
  })

  it('device-mapper nodes report their DM UUID: a multipath map names its WWID', async () => {
    const host = hostFor('dst', fixtureTree('lpar-dst'))
    const paths = ['/dev/mapper/mpathb', '/dev/disk/by-id/dm-uuid-mpath-36005076305ffc1ae00000000000021d5', '/dev/disk/by-path/ccw-0.0.7502']
    const r = await probeHost(new RecordingTransport('dst'), host, {targets: as('raw', paths), cpuXmls: []})
    expect(r.paths.get(paths[0])).to.deep.include({fileType: 'block', kernelName: 'dm-0', dmUuid: 'mpath-36005076305ffc1ae00000000000021d6'})
    expect(r.paths.get(paths[1])).to.deep.include({fileType: 'block', kernelName: 'dm-1', dmUuid: 'mpath-36005076305ffc1ae00000000000021d5'})
    // a DASD is no device-mapper device
    expect(r.paths.get(paths[2])?.dmUuid).to.equal(undefined)
  })

  it('a device node outside /dev is named by its major:minor', async function () {
    if (process.getuid?.() !== 0) this.skip() // mknod needs root
    const sys = readdirSync('/sys/dev/block').find((mm) => /^7:\d+$/.test(mm)) ?? readdirSync('/sys/dev/block')[0]
    if (!sys) this.skip()
    const [major, minor] = sys.split(':')
    const node = path.join(dir, 'acc1-blk')
    await execa('mknod', [node, 'b', major, minor])
    const r = await probeHost(new RecordingTransport('src'), hostFor('src', '/'), {targets: [{path: node, format: 'raw'}], cpuXmls: []})
    expect(r.paths.get(node)).to.deep.include({exists: true, fileType: 'block', kernelName: path.basename(realpathSync(`/sys/dev/block/${sys}`))})
  })

  it('boot files are probed without a format: type and size, never qemu-img', async () => {
    // a kernel image that happens to start with a qcow2 header is still only a file to have
    const kernel = path.join(dir, 'vmlinuz-as-qcow2')
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', kernel, '1G'])
    const missing = path.join(dir, 'boot', 'initrd.img')
    const t = new RecordingTransport('dst')
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {targets: [{path: kernel}, {path: missing}], cpuXmls: []})
    expect(r.paths.get(kernel)).to.deep.include({exists: true, fileType: 'regular'})
    expect(r.paths.get(kernel)?.image).to.equal(undefined)
    expect(r.paths.get(kernel)?.error).to.equal(undefined)
    expect(r.paths.get(missing)).to.deep.include({exists: false, fileType: 'missing', existingParent: dir})
    expect(t.calls[0].stdin).to.include(`\n\n${kernel}\n`)
  })

  it('a path probed as a boot file and as a disk image is probed once, as the image', async () => {
    const img = path.join(dir, 'shared-path.raw')
    await execa('qemu-img', ['create', '-q', '-f', 'raw', img, '2M'])
    const r = await probeHost(new RecordingTransport('dst'), hostFor('dst', fixtureTree('lpar-dst')), {
      targets: [{path: img}, {path: img, format: 'raw'}, {path: img}],
      cpuXmls: [],
    })
    expect(r.paths.get(img)).to.deep.include({
      exists: true,
      fileType: 'regular',
      image: {format: 'raw', virtualSizeBytes: 2 * 1024 ** 2, actualSizeBytes: r.paths.get(img)?.image?.actualSizeBytes},
    })
  })

  it('paths that would break the framing are not sent; relative paths are refused', async () => {
    const t = new RecordingTransport('dst')
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {targets: as('raw', ['/tmp/a\nb', 'images/x.qcow2', '/']), cpuXmls: []})
    expect(r.paths.get('/tmp/a\nb')).to.deep.include({exists: false, error: 'path contains a line break or NUL byte; zmigrate does not probe such paths'})
    expect(r.paths.get('images/x.qcow2')).to.deep.include({exists: false, error: 'not an absolute path'})
    expect(r.paths.get('/')).to.deep.include({exists: true, fileType: 'directory'})
    expect(t.calls[0].stdin).to.not.include('a\nb')
    expect(t.calls[0].stdin).to.not.include('images/x.qcow2')
  })

  it('a path starting with - never reaches a command: qemu-img would read it as an option', async () => {
    const t = new RecordingTransport('dst')
    const evil = '-obacking_file=/etc/hostname'
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {targets: as('qcow2', [evil]), cpuXmls: []})
    expect(r.paths.get(evil)).to.deep.include({exists: false, error: 'not an absolute path'})
    expect(t.calls).to.have.length(1)
    expect(t.calls[0].stdin).to.not.include('backing_file')
  })

  it('a declared format QEMU does not know, or two disks disagreeing on one, is refused by name and not sent', async () => {
    const t = new RecordingTransport('dst')
    const img = path.join(dir, 'agreed-on-nothing.img')
    await execa('qemu-img', ['create', '-q', '-f', 'raw', img, '1M'])
    const targets = [
      {path: path.join(dir, 'x.img'), format: 'qcow2 -o backing_file=/etc/shadow'},
      {path: img, format: 'raw'},
      {path: img, format: 'qcow2'},
    ]
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {targets, cpuXmls: []})
    expect(r.paths.get(targets[0].path)?.error).to.match(/^declared image format "qcow2 -o backing_file=\/etc\/shadow" is not one QEMU reads \(raw, qcow2, /)
    expect(r.paths.get(img)).to.deep.include({
      exists: false,
      error: 'declared as raw by one disk and as qcow2 by another; zmigrate reads an image only as the one format its disks agree on',
    })
    expect(t.calls[0].stdin).to.not.include('backing_file')
    expect(t.calls[0].stdin).to.not.include(img)
  })

  it('a raw disk whose guest wrote a qcow2 header is read as raw: its real size, no backing file', async () => {
    // the guest's header claims 1 PiB backed by /etc/hostname; probed, qemu-img believes it
    const header = path.join(dir, 'header.qcow2')
    const disk = path.join(dir, 'guest-wrote-a-header.raw')
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', '/etc/hostname', '-F', 'raw', header, '1P'])
    await execa('truncate', ['-s', '64M', disk])
    await execa('dd', [`if=${header}`, `of=${disk}`, 'conv=notrunc', 'status=none'])
    for (const format of ['raw', 'qcow2']) {
      const r = await probeHost(new RecordingTransport('src'), hostFor('src', fixtureTree('lpar-dst')), {targets: [{path: disk, format}], cpuXmls: []})
      const probe = r.paths.get(disk)!
      if (format === 'raw')
        expect(probe).to.deep.include({
          exists: true,
          fileType: 'regular',
          sizeBytes: 64 * 1024 ** 2,
          image: {format: 'raw', virtualSizeBytes: 64 * 1024 ** 2, actualSizeBytes: probe.image?.actualSizeBytes},
        })
      // declared qcow2 (an admin's own qcow2 chain): the header's backing file is shown apart, as untrusted
      else expect(probe.image).to.deep.include({format: 'qcow2', virtualSizeBytes: 1024 ** 5, undeclaredBackingFile: '/etc/hostname'})
      expect(probe.image?.backingFile).to.equal(undefined)
    }
  })

  it('CPU XML goes over stdin; an unsupported comparison is an error with libvirt’s reason', async () => {
    const cpu = `<cpu mode='custom' match='exact'>\n  <model fallback='forbid'>gen15a</model>\n  <feature policy='require' name='vxpdeh'/>\n</cpu>`
    const t = new RecordingTransport('dst')
    const r = await probeHost(t, hostFor('dst', fixtureTree('lpar-dst')), {targets: [], cpuXmls: [cpu, `${cpu}\n`]})
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
      await probeHost(new RecordingTransport('dst'), hostFor('dst', fixtureTree('lpar-dst')), {targets: [], cpuXmls: ['<cpu/>']})
      expect(readdirSync(tmp)).to.deep.equal([])
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
      rmSync(tmp, {recursive: true, force: true})
    }
  })
})
