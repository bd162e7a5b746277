/**
 * A planned migration of linux01 (DASD online, a copied qcow2, a vfio-ccw mdev and a scratch disk
 * detached and re-attached) between two scripted hosts, for the runner's tests.
 */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseXmlFragment} from '../../src/domain/xml-fragment.js'
import {buildPlan} from '../../src/plan/build-plan.js'
import type {Plan} from '../../src/plan/types.js'
import {applyJournal, type ApplyOptions} from '../../src/run/apply.js'
import type {RunEvent} from '../../src/run/events.js'
import {newJournal, type Journal} from '../../src/run/journal.js'
import type {DirtyRateFact} from '../../src/hosts/facts-types.js'
import type {MigrationPolicy} from '../../src/profiles/types.js'
import type {Finding, Fix} from '../../src/rules/types.js'
import {guest} from './domain-xml.js'
import {FakeWorld} from './fake-libvirt.js'
import {emptyFacts, makeContext} from './rule-harness.js'

const devices = `
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/libvirt/images/linux01.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>
    </disk>
    <hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='90c6c135-ad44-41d0-b1b7-bae47de48627'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x00a1'/>
    </hostdev>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/scratch/s.img'/>
      <target dev='vdc' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0009'/>
    </disk>`
export const domain = guest(devices, {name: 'linux01'})
const f = (rule: string, fix: Fix): Finding => ({
  rule,
  category: 'devices',
  severity: 'action',
  subject: rule,
  message: 'm',
  remedy: 'a remedy long enough',
  fix,
})
const findings = [
  f('dasd-base-offline', {kind: 'set-dasd-online', busIds: ['0.0.7500']}),
  f('local-disk-copy', {kind: 'copy-disk', target: 'vda', path: '/var/lib/libvirt/images/linux01.qcow2'}),
  f('vfio-ccw-device', {kind: 'move-device', deviceIndex: domain.hostdevs[0].index, identity: {kind: 'mdev', uuid: 'aaaaaaaa-ad44-41d0-b1b7-bae47de48627'}}),
  f('profile-detach-device', {kind: 'move-device', deviceIndex: domain.disks[1].index, identity: {kind: 'same'}}),
]

/**
 * `migration`: the policy the plan is made with (limits, bandwidth: a prediction); `measured`: the
 * dirty rate check found (for the plan's prediction); `dirtyRateMiB`: what the source's guest
 * dirties when the runner measures it.
 */
export function setup(opts: {migration?: Partial<MigrationPolicy>; measured?: DirtyRateFact; dirtyRateMiB?: number | number[]; residentMiB?: number} = {}) {
  const plan: Plan = buildPlan({
    context: makeContext({
      domain,
      migration: opts.migration,
      sourceProbes: [
        {
          path: '/var/lib/libvirt/images/linux01.qcow2',
          exists: true,
          fileType: 'regular',
          sizeBytes: 3 << 20,
          image: {format: 'qcow2', virtualSizeBytes: 1 << 30},
        },
      ],
      source: emptyFacts('src', {
        guests: [
          {name: 'linux01', uuid: domain.uuid!, state: 'running', persistent: true, xml: domain.xml, ...(opts.measured ? {dirtyRate: opts.measured} : {})},
        ],
      }),
      destinationProbes: [{path: '/var/lib/libvirt/images/linux01.qcow2', exists: false, fileType: 'missing', freeBytes: 1 << 40}],
    }),
    findings,
    toolVersion: 'test',
  })
  const world = new FakeWorld()
  const src = world.addHost('src', 'qemu+ssh://src/system')
  const dst = world.addHost('dst', 'qemu+ssh://dst/system')
  src.domains.set('linux01', {state: 'running', xml: parseXmlFragment(domain.xml), dirtyRateMiB: opts.dirtyRateMiB, residentMiB: opts.residentMiB})
  src.files.add('/var/lib/libvirt/images/linux01.qcow2')
  dst.dasdOnline.set('0.0.7500', false)
  const dir = mkdtempSync(join(tmpdir(), 'zm-journal-'))
  const journal = newJournal(plan, dir)
  const events: RunEvent[] = []
  const hosts = {
    source: {t: world.transport('src'), uri: 'qemu:///system', root: '/'},
    destination: {t: world.transport('dst'), uri: 'qemu:///system', root: '/'},
  }
  const apply = (j: Journal = journal, more: Partial<ApplyOptions> = {}) =>
    applyJournal(j, {hosts, emit: (e) => events.push(e), detachTimeoutSeconds: 1, progressIntervalMs: 5, ...more})
  return {plan, world, src, dst, dir, journal, events, hosts, apply}
}
