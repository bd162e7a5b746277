import {expect} from 'chai'
import type {DirtyRateFact} from '../../../src/hosts/facts-types.js'
import {migrationMayNotConverge} from '../../../src/rules/host/migration-may-not-converge.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {GiB, fileDisk, fileProbe, localImages, rootMount} from '../storage/storage-fixtures.js'

const MiB = 1024 * 1024
const UUID = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01'
// 1 GiB of RAM on DASD: the figures of test/predict (M = 1024 MiB)
const domain = guest(dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10'), {memoryMiB: 1024})
const measured = (mibPerSecond: number): DirtyRateFact & {kind: 'measured'} => ({
  kind: 'measured',
  bytesPerSecond: mibPerSecond * MiB,
  mode: 'dirty-bitmap',
  seconds: 2,
  measuredAt: '2025-03-04T09:30:00.000Z',
})
const source = (dirtyRate?: DirtyRateFact, extra = {}) =>
  emptyFacts('src', {guests: [{name: 'linux01', uuid: UUID, state: 'running', xml: '', ...(dirtyRate ? {dirtyRate} : {})}], ...extra})
const limits = (maxTotalSeconds: number | undefined, maxDowntimeMs?: number) => ({
  limits: {...(maxTotalSeconds ? {maxTotalSeconds} : {}), ...(maxDowntimeMs ? {maxDowntimeMs} : {}), onLimit: 'cancel' as const},
})

ruleTester(migrationMayNotConverge, {
  valid: [
    {name: 'no dirty rate measured: nothing to predict from', domain, source: source(), migration: {bandwidthMiB: 1}},
    {
      name: 'the dirty rate could not be measured (libvirt without --mode)',
      domain,
      source: source({kind: 'not-measurable', reason: 'mode-unsupported', detail: "command 'domdirtyrate-calc' doesn't support option --mode"}),
      migration: {bandwidthMiB: 1},
    },
    {name: 'no bandwidth in the profile: the link is unknown', domain, source: source(measured(200))},
    {name: 'half the bandwidth: converges', domain, source: source(measured(50)), migration: {bandwidthMiB: 100}},
    {name: 'shut off: an offline migration moves no memory', domain, state: 'shut off', source: source(measured(200)), migration: {bandwidthMiB: 100}},
    {name: 'paused: nothing dirties memory', domain, state: 'paused', source: source(measured(200)), migration: {bandwidthMiB: 100}},
    {name: 'non-live: paused while memory is copied', domain, source: source(measured(200)), migration: {mode: 'non-live', bandwidthMiB: 100}},
    {
      name: 'the policy switches to post-copy, which completes it',
      domain,
      source: source(measured(200)),
      migration: {bandwidthMiB: 100, postcopyAfterSeconds: 60},
    },
    {name: 'the policy auto-converges it', domain, source: source(measured(120)), migration: {bandwidthMiB: 100, autoConverge: true}},
    {
      name: "another guest's dirty rate",
      domain,
      source: emptyFacts('src', {guests: [{name: 'db01', uuid: '11111111-2222-4333-8444-555555555555', state: 'running', xml: '', dirtyRate: measured(900)}]}),
      migration: {bandwidthMiB: 100},
    },
  ],
  invalid: [
    {
      // D 200 >= B 100: every pass leaves all of RAM; remedies as test/predict/alternatives.test.ts computes them
      name: 'dirties twice the bandwidth, no limits: never converges (warning)',
      domain,
      source: source(measured(200)),
      migration: {bandwidthMiB: 100},
      findings: [
        {
          severity: 'warning',
          subject: 'guest linux01',
          message:
            'linux01 dirties 200 MiB/s (dirty-bitmap, 2 s, at 2025-03-04T09:30:00.000Z) and the migration carries 100 MiB/s: pre-copy never converges: no pass leaves less dirty memory than the one before, and the rest must be below 30 MiB to switch over within 300 ms; virsh migrate would run until cancelled',
          data: {certain: false, dirtyBytesPerSecond: 200 * MiB},
        },
      ],
    },
    {
      // the guest can never shrink what is left, and max-total cancels: certain
      name: 'max-total with on-limit cancel and a dirty rate above the bandwidth: blocker',
      domain,
      source: source(measured(200)),
      migration: {bandwidthMiB: 100, ...limits(600)},
      findings: [
        {
          severity: 'blocker',
          message: 'pre-copy has not converged after max-total 600 s: on-limit cancel ends it after 58 passes and rolls back',
          data: {certain: true},
        },
      ],
    },
    {
      // D 99 < B 100 converges, in (1024 - 29.9) / 1 = 994 s: more than max-total, but only by the model
      name: 'max-total too short for a slow convergence: warning',
      domain,
      source: source(measured(99)),
      migration: {bandwidthMiB: 100, ...limits(600)},
      findings: [{severity: 'warning', message: /has not converged after max-total 600 s \(it would need about 16 min \d+ s\)/, data: {certain: false}}],
    },
    {
      // one pass of 1024 MiB at 100 MiB/s takes 10.24 s > max-total 5: certain, whatever the dirty rate
      name: 'a single pass longer than max-total: blocker',
      domain,
      source: source(measured(10)),
      migration: {bandwidthMiB: 100, ...limits(5)},
      findings: [{severity: 'blocker', data: {certain: true}}],
    },
    {
      // 1 GiB x 20 s per GiB = 20 s, then suspend: the 1024 MiB left go over paused, 10.24 s
      name: "virsh's timeout pauses the guest to finish",
      domain,
      source: source(measured(200)),
      migration: {bandwidthMiB: 100, timeoutPerGiBSeconds: 20},
      findings: [
        {
          severity: 'warning',
          message: "pre-copy has not converged when virsh's timeout (20 s) pauses the guest to finish: it stays paused about 10 s, not 300 ms",
        },
      ],
    },
    {
      name: 'a suspend longer than max-downtime is cancelled',
      domain,
      source: source(measured(200)),
      migration: {bandwidthMiB: 100, timeoutPerGiBSeconds: 20, ...limits(undefined, 5000)},
      findings: [{severity: 'blocker', message: 'finishing would pause the guest longer than max-downtime 5000 ms: on-limit cancel ends it and rolls back'}],
    },
    {
      name: 'auto-converge at 99 % still too slow, with a cancel: blocker',
      domain,
      source: source(measured(20000)),
      migration: {bandwidthMiB: 100, autoConverge: true, ...limits(3600)},
      findings: [{severity: 'blocker', message: '19.5 GiB/s', data: {certain: true}}],
    },
    {
      // M 1024 at B 100 takes 10.24 s; max-total 12 s cancels during the second pass: one pass, said so
      name: 'one complete pass before max-total: "1 pass"',
      domain,
      source: source(measured(200)),
      migration: {bandwidthMiB: 100, ...limits(12)},
      findings: [{severity: 'blocker', message: 'on-limit cancel ends it after 1 pass and rolls back'}],
    },
    {
      // a bursty writer: its highest window decides, and the message shows every window
      name: 'the highest of several windows is the rate',
      domain,
      source: source({...measured(200), seconds: 1, windowBytesPerSecond: [20 * MiB, 200 * MiB, 40 * MiB]}),
      migration: {bandwidthMiB: 100},
      findings: [
        {
          message: 'linux01 dirties 200 MiB/s (dirty-bitmap, highest of 3 windows of 1 s: 20 MiB/s, 200 MiB/s, 40 MiB/s, at 2025-03-04T09:30:00.000Z)',
          data: {dirtyBytesPerSecond: 200 * MiB, dirtyRateWindows: [20 * MiB, 200 * MiB, 40 * MiB]},
        },
      ],
    },
    {
      name: 'total-bandwidth bounds the bandwidth when bandwidth is unset',
      domain,
      source: source(measured(200)),
      migration: {totalBandwidthMiB: 100},
      findings: [{message: 'the migration carries 100 MiB/s: pre-copy never converges'}],
    },
    {
      name: 'the disks copied first are counted',
      domain: guest(fileDisk('/var/lib/libvirt/images/linux01.qcow2'), {memoryMiB: 1024}),
      source: source(measured(200), {mounts: [rootMount, localImages]}),
      sourceProbes: [fileProbe('/var/lib/libvirt/images/linux01.qcow2', 'qcow2', 20 * GiB, {actualSizeBytes: 6 * GiB})],
      migration: {bandwidthMiB: 100},
      findings: [{message: '; 6 GiB of disks are copied first'}],
    },
  ],
})

// the remedy names what would converge, with the figures the model gives
describe('rule migration-may-not-converge: remedies', () => {
  it("the remedies are listed in the admin's words", async () => {
    const {evaluate, makeContext} = await import('../../support/rule-harness.js')
    const [finding] = evaluate([migrationMayNotConverge], makeContext({domain, source: source(measured(200)), migration: {bandwidthMiB: 100}}))
    const {expect} = await import('chai')
    expect(finding.remedy).to.equal(
      "Set migration.auto-converge: true (converges, about 2 min 15 s in all, the guest's vCPUs throttled up to 80 %); or enable post-copy with migration.postcopy-after: 11 (the guest runs on the destination after about 11 s, about 21 s in all; needs userfaultfd on the destination, and a network failure during post-copy pauses the guest on both hosts); or give the migration at least 201 MiB/s (migration.bandwidth, total-bandwidth, and a link that carries it, about 16 min 4 s in all); or migrate when the guest dirties at most 99 MiB/s (measured now: 200 MiB/s, about 16 min 35 s in all).",
    )
    expect(finding.data?.alternatives).to.have.length(4)
  })

  it('a limit so short that only a faster link helps: the one remedy, capitalised', () => {
    // max-total 1 s: at 1024 MiB/s the one pass takes exactly 1 s and leaves 200 MiB < 1024 x 0.3 = 307 MiB;
    // post-copy, auto-converge and a quieter time all need more than a second
    const [finding] = evaluate([migrationMayNotConverge], makeContext({domain, source: source(measured(200)), migration: {bandwidthMiB: 100, ...limits(1)}}))
    expect(finding.severity).to.equal('blocker')
    expect(finding.remedy).to.equal(
      'Give the migration at least 1 GiB/s (migration.bandwidth, total-bandwidth, and a link that carries it, about 1.2 s in all).',
    )
  })
})
