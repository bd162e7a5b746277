import {expect} from 'chai'
import {buildPlan, PlanBlockedError} from '../../src/plan/build-plan.js'
import type {PlanStep} from '../../src/plan/types.js'
import type {PathProbe} from '../../src/hosts/facts-types.js'
import type {Finding} from '../../src/rules/types.js'
import {parseXmlFragment, findPath} from '../../src/domain/xml-fragment.js'
import {guest} from '../support/domain-xml.js'
import {emptyFacts, makeContext, type ContextInput} from '../support/rule-harness.js'
import {asKind, stepOf, stepsOf} from '../support/plan-steps.js'

// A guest with one of every device zmigrate moves (shapes from IBM's KVM on Z documentation)
const devices = `
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/libvirt/images/linux01.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/disk/by-id/ccw-IBM.75000000092461.e900.10'/>
      <target dev='vdb' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x7500'/>
    </disk>
    <hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='90c6c135-ad44-41d0-b1b7-bae47de48627'/></source>
      <alias name='hostdev0'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x00a1'/>
    </hostdev>
    <hostdev mode='subsystem' type='mdev' model='vfio-ap'>
      <source><address uuid='62177883-f1bb-47f0-914d-32a22e3a8804'/></source>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <driver name='vfio'/>
      <source><address domain='0x0002' bus='0x00' slot='0x00' function='0x0'/></source>
      <address type='pci'><zpci uid='0x0001' fid='0x00000000'/></address>
    </hostdev>
    <hostdev mode='subsystem' type='scsi'>
      <source><adapter name='scsi_host0'/><address bus='0' target='0' unit='3'/></source>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </hostdev>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/scratch/linux01-scratch.img'/>
      <target dev='vdc' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0009'/>
    </disk>`

const domain = guest(devices, {name: 'linux01'})
const idx = (pred: (d: {kind: string; index: number}) => boolean) => domain.devices.find((d) => pred(d))!.index
const diskIdx = (dev: string) => domain.disks.find((d) => d.target.dev === dev)!.index
const hostdevIdx = (n: number) => domain.hostdevs[n].index

function finding(rule: string, severity: Finding['severity'], data: Record<string, unknown>, subject = rule): Finding {
  return {rule, category: 'devices', severity, subject, message: `${rule} message`, remedy: 'a remedy long enough', data}
}

const actions: Finding[] = [
  finding('dasd-base-offline', 'action', {busId: '0.0.7500', uid: 'IBM.75000000092461.e900.10'}),
  finding('dasd-alias-offline', 'action', {busIds: ['0.0.75fe', '0.0.75ff']}),
  finding('local-disk-copy', 'action', {target: 'vda', path: '/var/lib/libvirt/images/linux01.qcow2', format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3, deviceIndex: diskIdx('vda')}),
  finding('vfio-ccw-device', 'action', {sourceUuid: '90c6c135-ad44-41d0-b1b7-bae47de48627', destinationUuid: '90c6c135-ad44-41d0-b1b7-bae47de48627', devno: '0x00a1', deviceIndex: hostdevIdx(0)}, 'hostdev vfio-ccw 90c6c135'),
  finding('vfio-ap-device', 'action', {sourceUuid: '62177883-f1bb-47f0-914d-32a22e3a8804', destinationUuid: '4b0d7e7c-6c1a-4d7e-9a55-0b6f8f1d2e01', deviceIndex: hostdevIdx(1)}, 'hostdev vfio-ap 62177883'),
  finding('pci-nvme-device', 'action', {sourceAddress: '0002:00:00.0', destinationAddress: '0004:00:00.0', fid: '0x00000300', deviceIndex: hostdevIdx(2)}, 'hostdev pci 0002:00:00.0'),
  finding('scsi-tape-device', 'action', {sourceAdapter: 'scsi_host0', destinationAdapter: 'scsi_host2', destinationAddress: {bus: '0', target: '1', unit: '3'}, deviceIndex: hostdevIdx(3)}, 'hostdev scsi tape'),
  finding('profile-detach-device', 'action', {destinationSource: '/var/lib/libvirt/scratch/linux01-scratch.img', deviceIndex: diskIdx('vdc')}, 'disk vdc'),
  finding('dest-cpus', 'warning', {}),
]

const missingImage: PathProbe = {path: '/var/lib/libvirt/images/linux01.qcow2', exists: false, fileType: 'missing', freeBytes: 500 * 1024 ** 3, existingParent: '/var/lib/libvirt/images'}

function plan(findings: Finding[] = actions, input: Partial<ContextInput> = {}) {
  const ctx = makeContext({domain, destinationProbes: [missingImage], source: emptyFacts('src', {guests: [{name: 'linux01', uuid: domain.uuid!, state: 'running', persistent: true, xml: domain.xml}]}), ...input})
  return buildPlan({context: ctx, findings, toolVersion: '0.1.0', now: new Date('2026-11-22T10:00:00Z')})
}
const kinds = (steps: PlanStep[]) => steps.map((s) => `${s.kind}@${s.host}`)
const attr = (xml: string, path: string, name: string) => findPath(parseXmlFragment(xml), path)?.attrs[name]

describe('planning a migration', () => {
  it('orders the steps: prepare destination, detach, migrate, re-attach, verify', () => {
    expect(kinds(plan().steps)).to.deep.equal([
      'set-dasd-online@destination',
      'create-image@destination',
      'detach-device@source',
      'detach-device@source',
      'detach-device@source',
      'detach-device@source',
      'detach-device@source',
      'migrate@source',
      'attach-device@destination',
      'attach-device@destination',
      'attach-device@destination',
      'attach-device@destination',
      'attach-device@destination',
      'verify@destination',
    ])
  })

  it('gives every changing step an undo that reverses it on the right host', () => {
    const steps = plan().steps
    for (const s of steps.filter((x) => x.kind !== 'verify')) expect(s.undo, s.id).to.exist
    const pairs = steps.filter((s) => s.undo).map((s) => `${s.kind}@${s.host} <- ${s.undo!.kind}@${s.undo!.host}`)
    expect(pairs).to.include.members([
      'set-dasd-online@destination <- set-dasd-offline@destination',
      'create-image@destination <- remove-image@destination',
      'detach-device@source <- attach-device@source',
      'migrate@source <- migrate@destination',
      'attach-device@destination <- detach-device@destination',
    ])
    const back = asKind(stepOf(steps, 'migrate').undo, 'migrate').migrate
    expect(back.destinationUri).to.equal('qemu+ssh://src/system')
  })

  it('sets base and alias DASDs online in one step', () => {
    expect(asKind(plan().steps[0], 'set-dasd-online').busIds).to.deep.equal(['0.0.7500', '0.0.75fe', '0.0.75ff'])
  })

  it('pre-creates the copied image with the source format and size, and copies only that disk', () => {
    const steps = plan().steps
    expect(asKind(steps[1], 'create-image').image).to.deep.equal({path: '/var/lib/libvirt/images/linux01.qcow2', format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3})
    expect(stepOf(steps, 'migrate').migrate.copyDisks).to.deep.equal(['vda'])
  })

  it('pre-creates in the format the XML declares, whatever the finding or the probe read', () => {
    const qcow = '/var/lib/libvirt/images/linux01.qcow2'
    const claimsRaw = actions.map((f) => (f.rule === 'local-disk-copy' ? {...f, data: {...f.data, format: 'raw', virtualSizeBytes: 1024 ** 5}} : f))
    const probed = (format: string, virtualSizeBytes: number): PathProbe => ({path: qcow, exists: true, fileType: 'regular', image: {format, virtualSizeBytes}})
    const step = asKind(plan(claimsRaw, {sourceProbes: [probed('qcow2', 10 * 1024 ** 3)]}).steps[1], 'create-image')
    expect(step.image).to.deep.equal({path: qcow, format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3})
    expect(step.commands).to.deep.equal([['qemu-img', 'create', '-f', 'qcow2', '--', qcow, String(10 * 1024 ** 3)]])
    expect(() => plan(claimsRaw, {sourceProbes: [probed('raw', 1024 ** 5)]})).to.throw(`cannot pre-create ${qcow} on dst: the size of the image, read as qcow2 on src, is unknown`)
  })

  it('refuses to pre-create an image whose path is not absolute or whose format QEMU does not read', () => {
    const copyOf = (xml: string) => {
      const d = guest(xml, {name: 'linux01'})
      const f = finding('local-disk-copy', 'action', {target: 'vda', path: d.disks[0].path, format: 'raw', virtualSizeBytes: 1024 ** 3})
      return () => buildPlan({context: makeContext({domain: d}), findings: [f], toolVersion: '0.1.0'})
    }
    const disk = (file: string, type: string) => `<disk type='file' device='disk'><driver name='qemu' type='${type}'/><source file='${file}'/><target dev='vda' bus='virtio'/></disk>`
    expect(copyOf(disk('-obacking_file=/etc/hostname', 'raw'))).to.throw('cannot pre-create -obacking_file=/etc/hostname on dst: not an absolute path')
    expect(copyOf(disk('/var/lib/libvirt/images/a.img', 'qcow3'))).to.throw(`cannot pre-create /var/lib/libvirt/images/a.img on dst: its <driver type="qcow3"> is not a disk image format QEMU reads`)
  })

  it('does not create an image that already exists on the destination', () => {
    const steps = plan(actions, {destinationProbes: [{...missingImage, exists: true, fileType: 'regular', image: {format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3}}]}).steps
    expect(kinds(steps)).to.not.include('create-image@destination')
    expect(stepOf(steps, 'migrate').migrate.copyDisks).to.deep.equal(['vda'])
  })

  it('re-attaches each device with the destination identity and keeps guest-visible addresses', () => {
    const attach = stepsOf(plan().steps, 'attach-device', 'destination').map((s) => s.device.xml)
    const [ccw, ap, pci, tape, disk] = attach
    expect(attr(ccw, 'source/address', 'uuid')).to.equal('90c6c135-ad44-41d0-b1b7-bae47de48627')
    expect(attr(ccw, 'address', 'devno')).to.equal('0x00a1')
    expect(ccw).to.not.include('hostdev0') // libvirt's alias is per running domain
    expect(attr(ap, 'source/address', 'uuid')).to.equal('4b0d7e7c-6c1a-4d7e-9a55-0b6f8f1d2e01')
    expect(attr(pci, 'source/address', 'domain')).to.equal('0x0004')
    expect(attr(pci, 'address/zpci', 'uid')).to.equal('0x0001')
    expect(attr(pci, 'address/zpci', 'fid')).to.equal('0x00000000')
    expect(attr(tape, 'source/adapter', 'name')).to.equal('scsi_host2')
    expect(attr(tape, 'source/address', 'target')).to.equal('1')
    expect(attr(disk, 'source', 'file')).to.equal('/var/lib/libvirt/scratch/linux01-scratch.img')
  })

  it('detaches and re-attaches live and in the persistent definition', () => {
    const steps = plan().steps
    expect(stepOf(steps, 'detach-device').scope).to.deep.equal(['live', 'config'])
    expect(stepOf(steps, 'attach-device').scope).to.deep.equal(['live', 'config'])
  })

  it('for a shut-off guest: offline migration, config-only device changes, no copy, expects shut off', () => {
    const steps = plan(actions, {state: 'shut off'}).steps
    const m = stepOf(steps, 'migrate').migrate
    expect(m.mode).to.equal('offline')
    expect(m.copyDisks).to.deep.equal([])
    expect(stepOf(steps, 'detach-device').scope).to.deep.equal(['config'])
    expect(stepOf(steps, 'attach-device').scope).to.deep.equal(['config'])
    expect(asKind(steps.at(-1), 'verify').expect.state).to.equal('shut off')
  })

  it('a guest with no actions gets migrate and verify only', () => {
    expect(kinds(plan([finding('dest-cpus', 'warning', {})]).steps)).to.deep.equal(['migrate@source', 'verify@destination'])
  })

  it('refuses while a blocker remains, naming it', () => {
    expect(() => plan([...actions, finding('vfio-ap-device', 'blocker', {}, 'hostdev vfio-ap x')])).to.throw(PlanBlockedError, /vfio-ap-device \(hostdev vfio-ap x\)/)
  })

  it('is deterministic: same inputs, same fingerprints', () => {
    expect(plan().fingerprints).to.deep.equal(plan().fingerprints)
    expect(plan().fingerprints.findings).to.not.equal(plan(actions.slice(1)).fingerprints.findings)
  })

  it('uses the index of the device a finding names, not its position among findings', () => {
    const reordered = [...actions].reverse()
    expect(stepsOf(plan(reordered).steps, 'detach-device').map((s) => s.device.label)).to.deep.equal(
      stepsOf(plan().steps, 'detach-device').map((s) => s.device.label),
    )
    expect(idx((d) => d.kind === 'hostdev')).to.equal(hostdevIdx(0))
  })
})
