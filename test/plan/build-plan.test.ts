import {expect} from 'chai'
import {buildPlan, PlanBlockedError} from '../../src/plan/build-plan.js'
import type {PlanStep} from '../../src/plan/types.js'
import type {PathProbe} from '../../src/hosts/facts-types.js'
import {PlanningError} from '../../src/plan/device-moves.js'
import type {DestinationIdentity, Finding, Fix} from '../../src/rules/types.js'
import {parseXmlFragment, findPath} from '../../src/domain/xml-fragment.js'
import {planSchema} from '../../src/plan/schema.js'
import {RULES} from '../../src/rules/registry.js'
import {evaluateRules} from '../../src/rules/engine.js'
import {guest} from '../support/domain-xml.js'
import {macvtapXml, netIf} from '../rules/devices/z-devices.js'
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

function finding(rule: string, severity: Finding['severity'], fix?: Fix, subject = rule): Finding {
  return {rule, category: 'devices', severity, subject, message: `${rule} message`, remedy: 'a remedy long enough', ...(fix ? {fix} : {})}
}
const move = (deviceIndex: number, identity: DestinationIdentity): Fix => ({kind: 'move-device', deviceIndex, identity})

const actions: Finding[] = [
  finding('dasd-base-offline', 'action', {kind: 'set-dasd-online', busIds: ['0.0.7500']}),
  finding('dasd-alias-offline', 'action', {kind: 'set-dasd-online', busIds: ['0.0.75fe', '0.0.75ff']}),
  finding('local-disk-copy', 'action', {kind: 'copy-disk', target: 'vda', path: '/var/lib/libvirt/images/linux01.qcow2'}),
  finding('vfio-ccw-device', 'action', move(hostdevIdx(0), {kind: 'mdev', uuid: '90c6c135-ad44-41d0-b1b7-bae47de48627'}), 'hostdev vfio-ccw 90c6c135'),
  finding('vfio-ap-device', 'action', move(hostdevIdx(1), {kind: 'mdev', uuid: '4b0d7e7c-6c1a-4d7e-9a55-0b6f8f1d2e01'}), 'hostdev vfio-ap 62177883'),
  finding('pci-nvme-device', 'action', move(hostdevIdx(2), {kind: 'pci', address: '0004:00:00.0'}), 'hostdev pci 0002:00:00.0'),
  finding(
    'scsi-tape-device',
    'action',
    move(hostdevIdx(3), {kind: 'scsi-host', adapter: 'scsi_host2', address: {bus: '0', target: '1', unit: '3'}}),
    'hostdev scsi tape',
  ),
  finding('profile-detach-device', 'action', move(diskIdx('vdc'), {kind: 'disk-source', path: '/var/lib/libvirt/scratch/linux01-scratch.img'}), 'disk vdc'),
  finding('dest-cpus', 'warning'),
]

const missingImage: PathProbe = {
  path: '/var/lib/libvirt/images/linux01.qcow2',
  exists: false,
  fileType: 'missing',
  freeBytes: 500 * 1024 ** 3,
  existingParent: '/var/lib/libvirt/images',
}
/** What qemu-img info -f qcow2 read on the source. */
const sourceImage: PathProbe = {
  path: '/var/lib/libvirt/images/linux01.qcow2',
  exists: true,
  fileType: 'regular',
  image: {format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3},
}

function plan(findings: Finding[] = actions, input: Partial<ContextInput> = {}) {
  const ctx = makeContext({
    domain,
    sourceProbes: [sourceImage],
    destinationProbes: [missingImage],
    source: emptyFacts('src', {guests: [{name: 'linux01', uuid: domain.uuid!, state: 'running', persistent: true, xml: domain.xml}]}),
    ...input,
  })
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
    for (const s of steps.filter((x) => x.kind !== 'verify')) expect(s.undo, s.id).to.not.equal(undefined)
    const pairs = steps.flatMap((s) => (s.undo ? [`${s.kind}@${s.host} <- ${s.undo.kind}@${s.undo.host}`] : []))
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
    expect(asKind(steps[1], 'create-image').image).to.deep.equal({
      path: '/var/lib/libvirt/images/linux01.qcow2',
      format: 'qcow2',
      virtualSizeBytes: 10 * 1024 ** 3,
    })
    expect(stepOf(steps, 'migrate').migrate.copyDisks).to.deep.equal(['vda'])
  })

  it('pre-creates in the format the XML declares, whatever the finding or the probe read', () => {
    const qcow = '/var/lib/libvirt/images/linux01.qcow2'
    const claimsRaw = actions.map((f) => (f.fix?.kind === 'copy-disk' ? {...f, data: {format: 'raw', virtualSizeBytes: 1024 ** 5}} : f))
    const probed = (format: string, virtualSizeBytes: number): PathProbe => ({path: qcow, exists: true, fileType: 'regular', image: {format, virtualSizeBytes}})
    const step = asKind(plan(claimsRaw, {sourceProbes: [probed('qcow2', 10 * 1024 ** 3)]}).steps[1], 'create-image')
    expect(step.image).to.deep.equal({path: qcow, format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3})
    expect(step.commands).to.deep.equal([['qemu-img', 'create', '-f', 'qcow2', '--', qcow, String(10 * 1024 ** 3)]])
    expect(() => plan(claimsRaw, {sourceProbes: [probed('raw', 1024 ** 5)]})).to.throw(
      `cannot pre-create ${qcow} on dst: the size of the image, read as qcow2 on src, is unknown`,
    )
  })

  it('refuses to pre-create an image whose path is not absolute or whose format QEMU does not read', () => {
    const copyOf = (xml: string) => {
      const d = guest(xml, {name: 'linux01'})
      const f = finding('local-disk-copy', 'action', {kind: 'copy-disk', target: 'vda', path: d.disks[0].path})
      return () => buildPlan({context: makeContext({domain: d}), findings: [f], toolVersion: '0.1.0'})
    }
    const disk = (file: string, type: string) =>
      `<disk type='file' device='disk'><driver name='qemu' type='${type}'/><source file='${file}'/><target dev='vda' bus='virtio'/></disk>`
    expect(copyOf(disk('-obacking_file=/etc/hostname', 'raw'))).to.throw('cannot pre-create -obacking_file=/etc/hostname on dst: not an absolute path')
    expect(copyOf(disk('/var/lib/libvirt/images/a.img', 'qcow3'))).to.throw(
      `cannot pre-create /var/lib/libvirt/images/a.img on dst: its <driver type="qcow3"> is not a disk image format QEMU reads`,
    )
  })

  it('does not create an image that already exists on the destination', () => {
    const steps = plan(actions, {
      destinationProbes: [{...missingImage, exists: true, fileType: 'regular', image: {format: 'qcow2', virtualSizeBytes: 10 * 1024 ** 3}}],
    }).steps
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
    expect(kinds(plan([finding('dest-cpus', 'warning')]).steps)).to.deep.equal(['migrate@source', 'verify@destination'])
  })

  it('refuses while a blocker remains, naming it', () => {
    expect(() => plan([...actions, finding('vfio-ap-device', 'blocker', undefined, 'hostdev vfio-ap x')])).to.throw(
      PlanBlockedError,
      /vfio-ap-device \(hostdev vfio-ap x\)/,
    )
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

describe('planning applies the fixes the findings propose, whatever rule made them', () => {
  const apUuid = '4b0d7e7c-6c1a-4d7e-9a55-0b6f8f1d2e01'

  it('moves a device for a rule it has never heard of', () => {
    const steps = plan([finding('site-crypto-rotation', 'action', move(hostdevIdx(1), {kind: 'mdev', uuid: apUuid}), 'hostdev vfio-ap 62177883')]).steps
    expect(kinds(steps)).to.deep.equal(['detach-device@source', 'migrate@source', 'attach-device@destination', 'verify@destination'])
    const attach = stepOf(steps, 'attach-device', 'destination')
    expect(attach.because).to.deep.equal(['site-crypto-rotation'])
    expect(attr(attach.device.xml, 'source/address', 'uuid')).to.equal(apUuid)
    expect(stepOf(steps, 'detach-device', 'source').device.xml).to.include('62177883-f1bb-47f0-914d-32a22e3a8804')
  })

  it('prepares DASDs and copies disks for any rule, naming it in the step', () => {
    const steps = plan([
      finding('site-dasd-pool', 'action', {kind: 'set-dasd-online', busIds: ['0.0.7600']}),
      finding('site-local-scratch', 'action', {kind: 'copy-disk', target: 'vda', path: '/var/lib/libvirt/images/linux01.qcow2'}),
    ]).steps
    expect(stepOf(steps, 'set-dasd-online'))
      .to.include({id: '01-set-dasd-online'})
      .and.deep.include({busIds: ['0.0.7600'], because: ['site-dasd-pool']})
    expect(stepOf(steps, 'create-image').because).to.deep.equal(['site-local-scratch'])
    expect(stepOf(steps, 'migrate').migrate.copyDisks).to.deep.equal(['vda'])
  })

  it('reads only the fix: a finding with the old data and no fix plans nothing', () => {
    const dataOnly: Finding = {...finding('vfio-ap-device', 'action'), data: {deviceIndex: hostdevIdx(1), destinationUuid: apUuid}}
    expect(kinds(plan([dataOnly]).steps)).to.deep.equal(['migrate@source', 'verify@destination'])
  })

  it('applies no fix of a finding the profile made a warning', () => {
    const demoted = finding('vfio-ap-device', 'warning', move(hostdevIdx(1), {kind: 'mdev', uuid: apUuid}))
    expect(kinds(plan([demoted]).steps)).to.deep.equal(['migrate@source', 'verify@destination'])
  })

  it('merges findings that move one device to the same identity, listing both rules', () => {
    const fix = move(hostdevIdx(1), {kind: 'mdev', uuid: apUuid})
    const steps = plan([finding('vfio-ap-device', 'action', fix, 'hostdev vfio-ap 62177883'), finding('site-crypto-rotation', 'action', fix)]).steps
    expect(stepsOf(steps, 'detach-device')).to.have.length(1)
    expect(stepOf(steps, 'attach-device', 'destination').because).to.deep.equal(['vfio-ap-device', 'site-crypto-rotation'])
  })

  it('refuses two identities for one device, naming both rules', () => {
    const one = finding('vfio-ap-device', 'action', move(hostdevIdx(1), {kind: 'mdev', uuid: apUuid}), 'hostdev vfio-ap 62177883')
    const other = finding('site-crypto-rotation', 'action', move(hostdevIdx(1), {kind: 'same'}))
    expect(() => plan([one, other])).to.throw(
      PlanningError,
      `hostdev vfio-ap 62177883: vfio-ap-device re-attaches it on the destination with mdev ${apUuid}, site-crypto-rotation with the same identity`,
    )
  })

  it('a plan file carries every fix, validated, and reads back as it was written', () => {
    const written = plan()
    const read = planSchema.parse(JSON.parse(JSON.stringify(written)))
    expect(read.findings.map((f) => f.fix)).to.deep.equal(actions.map((f) => f.fix))
    expect(JSON.parse(JSON.stringify(read))).to.deep.equal(JSON.parse(JSON.stringify(written)))
    const planted = JSON.parse(JSON.stringify(written))
    planted.findings[0].fix.busIds = ['../../../devices/system/cpu/cpu1']
    expect(planSchema.safeParse(planted).error?.issues[0].path.join('.')).to.equal('findings.0.fix.busIds.0')
  })

  it('a mapped interface the profile also detaches: the two rules propose the same move, planned once', () => {
    const d = guest(macvtapXml(), {name: 'linux01'})
    const ctx = makeContext({
      domain: d,
      destination: emptyFacts('dst', {netInterfaces: [netIf('enc1b00')]}),
      profile: {detachForMigration: [{kind: 'interface', source: 'enc1a00'}], mappings: [{kind: 'net-source', from: 'enc1a00', to: 'enc1b00'}]},
    })
    const findings = evaluateRules(RULES, ctx)
    const steps = buildPlan({context: ctx, findings, toolVersion: '0.1.0'}).steps
    const attach = stepOf(steps, 'attach-device', 'destination')
    expect(stepsOf(steps, 'attach-device', 'destination')).to.have.length(1)
    expect(attach.because).to.have.members(['net-source-missing', 'profile-detach-device'])
    expect(attr(attach.device.xml, 'source', 'dev')).to.equal('enc1b00')
  })

  it('refuses an identity that does not fit the device, or a device the guest lacks', () => {
    expect(() => plan([finding('site-rule', 'action', move(hostdevIdx(1), {kind: 'interface-source', to: 'enc1b00'}), 'hostdev vfio-ap 62177883')])).to.throw(
      PlanningError,
      'hostdev vfio-ap 62177883: a fix gives it an identity of kind interface-source, which does not apply to a hostdev',
    )
    expect(() => plan([finding('site-rule', 'action', move(999, {kind: 'same'}))])).to.throw(
      PlanningError,
      'moves device 999, which is not a disk, hostdev, interface or filesystem of linux01',
    )
  })
})
