// A raw disk whose guest wrote a qcow2 header at its start (1 PiB, backed by /etc/hostname): from
// the domain XML through the real probe (local transport, real qemu-img) and the storage rules to
// the plan and the runner's qemu-img create, the XML's declared raw decides format and size.
import {expect} from 'chai'
import {execa} from 'execa'
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {probeTargets} from '../../src/app/check.js'
import {probeHost} from '../../src/hosts/facts.js'
import {buildPlan} from '../../src/plan/build-plan.js'
import {diskCopyDestination} from '../../src/rules/storage/disk-copy-destination.js'
import {localDiskCopy} from '../../src/rules/storage/local-disk-copy.js'
import {createImage} from '../../src/run/host-ops.js'
import {RecordingTransport, fixtureTree, hostFor} from '../hosts/support.js'
import {missingProbe} from '../rules/storage/storage-fixtures.js'
import {guest} from '../support/domain-xml.js'
import {evaluate, makeContext} from '../support/rule-harness.js'
import {stepOf} from '../support/plan-steps.js'

const MiB = 1024 ** 2

describe('the image format the domain XML declares decides (real qemu-img)', function () {
  this.timeout(30_000)
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'zmigrate-format-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  const rawDisk = (file: string, driver = `<driver name='qemu' type='raw' cache='none'/>`) => `<disk type='file' device='disk'>
      ${driver}
      <source file='${file}'/>
      <target dev='vdb' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/>
    </disk>`

  it('a raw disk with a guest-written qcow2 header is probed, checked and pre-created as raw of its real size', async () => {
    const header = path.join(dir, 'header.qcow2')
    const disk = path.join(dir, 'linux01-data.img')
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', '/etc/hostname', '-F', 'raw', header, '1P'])
    await execa('truncate', ['-s', '64M', disk])
    await execa('dd', [`if=${header}`, `of=${disk}`, 'conv=notrunc', 'status=none'])
    const domain = guest(rawDisk(disk))

    const targets = probeTargets([domain])
    expect(targets).to.deep.equal([{path: disk, format: 'raw'}])
    const probed = await probeHost(new RecordingTransport('src'), hostFor('src', fixtureTree('lpar-dst')), {targets, cpuXmls: []})
    const probe = probed.paths.get(disk)!
    expect(probe).to.deep.include({exists: true, fileType: 'regular', sizeBytes: 64 * MiB})
    expect(probe.image).to.include({format: 'raw', virtualSizeBytes: 64 * MiB})
    expect(probe.image).to.not.have.any.keys('backingFile', 'undeclaredBackingFile')

    const context = makeContext({domain, sourceProbes: [probe], destinationProbes: [missingProbe(disk, dir, 1024 ** 4)]})
    const findings = evaluate([localDiskCopy, diskCopyDestination], context)
    expect(findings.map((f) => [f.rule, f.severity, f.data?.format, f.data?.virtualSizeBytes])).to.deep.equal([['local-disk-copy', 'action', 'raw', 64 * MiB]])
    const create = stepOf(buildPlan({context, findings, toolVersion: '0.1.0'}).steps, 'create-image')
    expect(create.image).to.deep.equal({path: disk, format: 'raw', virtualSizeBytes: 64 * MiB})
    expect(create.commands).to.deep.equal([['qemu-img', 'create', '-f', 'raw', '--', disk, String(64 * MiB)]])

    // what the runner then runs on the destination, here into a fresh file
    const copy = path.join(dir, 'copy', 'linux01-data.img')
    await execa('mkdir', ['-p', path.dirname(copy)])
    await createImage({t: new RecordingTransport('dst'), uri: 'test:///default', root: '/'}, {...create.image, path: copy})
    expect(statSync(copy).size).to.equal(64 * MiB)
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', '-f', 'raw', '--', copy])).stdout) as Record<string, unknown>
    expect(info).to.deep.include({format: 'raw', 'virtual-size': 64 * MiB})
  })

  it('a disk without <driver type> is read as raw, as libvirt opens it', async () => {
    const disk = path.join(dir, 'undeclared.img')
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '1G'])
    const targets = probeTargets([guest(rawDisk(disk, ''))])
    expect(targets).to.deep.equal([{path: disk, format: 'raw'}])
    const probed = await probeHost(new RecordingTransport('src'), hostFor('src', fixtureTree('lpar-dst')), {targets, cpuXmls: []})
    // the qcow2's 1 GiB is not what libvirt shows the guest: the file's bytes, in whole 512-byte sectors
    expect(probed.paths.get(disk)?.image).to.include({format: 'raw', virtualSizeBytes: Math.ceil(statSync(disk).size / 512) * 512})
  })

  it('the runner refuses an image path starting with - or an unknown format before running anything', async () => {
    const t = new RecordingTransport('dst')
    const h = {t, uri: 'test:///default', root: '/'}
    for (const image of [
      {path: '-obacking_file=/etc/hostname', format: 'raw', virtualSizeBytes: MiB},
      {path: path.join(dir, 'x.img'), format: 'qcow2 -o backing_file=/etc/shadow', virtualSizeBytes: MiB},
    ]) {
      let error: Error | undefined
      await createImage(h, image).catch((e: Error) => (error = e))
      expect(error?.message).to.include('refusing to create')
    }
    expect(t.calls).to.deep.equal([])
  })
})
