import {expect} from 'chai'
import {chooseMigrateOptions, migrateArgv} from '../../src/plan/migrate-options.js'
import type {MigrationPolicy} from '../../src/profiles/types.js'
import {defaultPolicy} from '../support/rule-harness.js'

const GiB = 1024 * 1024
const choose = (policy: Partial<MigrationPolicy>, guestState = 'running', copyDisks: string[] = [], memoryKiB = 4 * GiB) =>
  chooseMigrateOptions({policy: {...defaultPolicy, ...policy}, guestState, memoryKiB, copyDisks, destinationUri: 'qemu+ssh://root@zlpar2/system'})
const argv = (policy: Partial<MigrationPolicy>, guestState?: string, copyDisks?: string[]) => migrateArgv('linux01', choose(policy, guestState, copyDisks))

describe('virsh migrate options from the site policy', () => {
  const cases: {name: string; policy: Partial<MigrationPolicy>; state?: string; copy?: string[]; expected: string[]}[] = [
    {
      name: 'auto + running: live, persistent, real move',
      policy: {},
      expected: ['migrate', '--live', '--persistent', '--undefinesource', '--domain', 'linux01', '--desturi', 'qemu+ssh://root@zlpar2/system'],
    },
    {
      name: 'auto + shut off: offline (definition only), no copy',
      policy: {},
      state: 'shut off',
      copy: ['vda'],
      expected: ['migrate', '--offline', '--persistent', '--undefinesource', '--domain', 'linux01', '--desturi', 'qemu+ssh://root@zlpar2/system'],
    },
    {
      name: 'offline forces --persistent',
      policy: {mode: 'offline', persistent: false},
      expected: ['migrate', '--offline', '--persistent', '--undefinesource', '--domain', 'linux01', '--desturi', 'qemu+ssh://root@zlpar2/system'],
    },
    {
      name: 'non-live: no --live (paused while memory is copied)',
      policy: {mode: 'non-live'},
      expected: ['migrate', '--persistent', '--undefinesource', '--domain', 'linux01', '--desturi', 'qemu+ssh://root@zlpar2/system'],
    },
    {
      name: 'keep source, arrive paused',
      policy: {undefineSource: false, suspendOnArrival: true},
      expected: ['migrate', '--live', '--persistent', '--suspend', '--domain', 'linux01', '--desturi', 'qemu+ssh://root@zlpar2/system'],
    },
    {
      name: 'disk copy lists only the disks to copy',
      policy: {},
      copy: ['vda', 'vdc'],
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--copy-storage-all',
        '--migrate-disks',
        'vda,vdc',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'parallel, auto-converge, bandwidth, unsafe, p2p',
      policy: {parallelConnections: 4, autoConverge: true, bandwidthMiB: 500, unsafe: true, transport: 'p2p'},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--p2p',
        '--parallel',
        '--parallel-connections',
        '4',
        '--auto-converge',
        '--bandwidth',
        '500',
        '--unsafe',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      // one migration alone may use all of the site's total, never more: what the prediction assumes
      name: 'total-bandwidth without bandwidth caps a single migration',
      policy: {totalBandwidthMiB: 80},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--bandwidth',
        '80',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'bandwidth above total-bandwidth: the total',
      policy: {bandwidthMiB: 500, totalBandwidthMiB: 200},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--bandwidth',
        '200',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'tunnelled implies p2p',
      policy: {tunnelled: true},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--p2p',
        '--tunnelled',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'post-copy after 60 s of pre-copy',
      policy: {postcopyAfterSeconds: 60},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--postcopy',
        '--timeout',
        '60',
        '--timeout-postcopy',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'timeout per GiB of RAM, suspend when exceeded (4 GiB x 30 s)',
      policy: {timeoutPerGiBSeconds: 30},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--timeout',
        '120',
        '--timeout-suspend',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'timeout per GiB with the post-copy action',
      policy: {timeoutPerGiBSeconds: 30, timeoutAction: 'postcopy'},
      expected: [
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--postcopy',
        '--timeout',
        '120',
        '--timeout-postcopy',
        '--domain',
        'linux01',
        '--desturi',
        'qemu+ssh://root@zlpar2/system',
      ],
    },
    {
      name: 'non-live ignores live-only knobs (timeout, post-copy)',
      policy: {mode: 'non-live', timeoutPerGiBSeconds: 30, postcopyAfterSeconds: 10},
      expected: ['migrate', '--persistent', '--undefinesource', '--domain', 'linux01', '--desturi', 'qemu+ssh://root@zlpar2/system'],
    },
  ]
  for (const c of cases) it(c.name, () => expect(argv(c.policy, c.state ?? 'running', c.copy ?? [])).to.deep.equal(c.expected))

  it('keeps max downtime for migrate-setmaxdowntime (virsh migrate has no flag for it)', () => {
    expect(choose({maxDowntimeMs: 300}).maxDowntimeMs).to.equal(300)
    expect(argv({maxDowntimeMs: 300})).to.not.include('300')
  })

  it("takes the limit max-downtime as QEMU's target when max-downtime-ms is unset; neither: QEMU's own", () => {
    expect(choose({limits: {maxDowntimeMs: 800, onLimit: 'cancel'}}).maxDowntimeMs).to.equal(800)
    expect(choose({maxDowntimeMs: 500, limits: {maxDowntimeMs: 800, onLimit: 'cancel'}}).maxDowntimeMs).to.equal(500)
    expect(choose({}).maxDowntimeMs).to.equal(undefined)
    expect(choose({limits: {maxDowntimeMs: 800, onLimit: 'cancel'}}, 'shut off').maxDowntimeMs).to.equal(undefined)
  })

  it('names the guest with --domain so a name starting with a dash is not an option', () => {
    const a = migrateArgv('--evil; rm -rf /', choose({}))
    expect(a[a.indexOf('--domain') + 1]).to.equal('--evil; rm -rf /')
  })
})
