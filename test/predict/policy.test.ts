import {expect} from 'chai'
import {downtimeTargetMs, liveTimeout, policyBandwidthMiB, scenarioFromPolicy} from '../../src/predict/policy.js'
import {QEMU_AUTO_CONVERGE} from '../../src/predict/types.js'
import {DEFAULT_MIGRATION_POLICY} from '../../src/profiles/resolve.js'
import type {MigrationPolicy} from '../../src/profiles/types.js'

const MiB = 1024 * 1024
const policy = (change: Partial<MigrationPolicy> = {}): MigrationPolicy => ({...DEFAULT_MIGRATION_POLICY, ...change})
const guest = {memoryKiB: 4 * 1024 * 1024, dirtyBytesPerSecond: 64 * MiB, diskBytes: 0}

describe('predict: what the profile policy means', () => {
  it("downtime target: max-downtime-ms, else the limit max-downtime, else QEMU's own (nothing set)", () => {
    expect(downtimeTargetMs(policy())).to.equal(undefined)
    expect(downtimeTargetMs(policy({maxDowntimeMs: 500}))).to.equal(500)
    expect(downtimeTargetMs(policy({limits: {maxDowntimeMs: 800, onLimit: 'cancel'}}))).to.equal(800)
    expect(downtimeTargetMs(policy({maxDowntimeMs: 500, limits: {maxDowntimeMs: 800, onLimit: 'cancel'}}))).to.equal(500)
  })

  it("virsh's timeout: postcopy-after, or timeout-per-gib x GiB (rounded up) then timeout-action", () => {
    const gib4 = 4 * 1024 * 1024
    expect(liveTimeout(policy(), gib4)).to.deep.equal({postcopy: false})
    expect(liveTimeout(policy({postcopyAfterSeconds: 60}), gib4)).to.deep.equal({postcopy: true, seconds: 60, action: 'postcopy'})
    // 4 GiB x 7.5 s = 30 s
    expect(liveTimeout(policy({timeoutPerGiBSeconds: 7.5}), gib4)).to.deep.equal({postcopy: false, seconds: 30, action: 'suspend'})
    // 0.5 GiB x 3 s = 1.5 -> 2 s
    expect(liveTimeout(policy({timeoutPerGiBSeconds: 3}), gib4 / 8)).to.deep.equal({postcopy: false, seconds: 2, action: 'suspend'})
    // post-copy enabled: postcopy-after decides when, the per-GiB timeout is not used
    expect(liveTimeout(policy({postcopyAfterSeconds: 60, timeoutPerGiBSeconds: 60, timeoutAction: 'postcopy'}), gib4)).to.deep.equal({
      postcopy: true,
      seconds: 60,
      action: 'postcopy',
    })
  })

  it('bandwidth: bandwidth, never more than total-bandwidth; neither: unknown', () => {
    expect(policyBandwidthMiB(policy())).to.equal(undefined)
    expect(policyBandwidthMiB(policy({bandwidthMiB: 512}))).to.equal(512)
    expect(policyBandwidthMiB(policy({totalBandwidthMiB: 1024}))).to.equal(1024)
    expect(policyBandwidthMiB(policy({bandwidthMiB: 512, totalBandwidthMiB: 256}))).to.equal(256)
  })

  it('no scenario without a bandwidth', () => {
    expect(scenarioFromPolicy(policy(), guest)).to.equal(undefined)
  })

  it('the scenario of a policy with everything set', () => {
    const scenario = scenarioFromPolicy(
      policy({
        bandwidthMiB: 128,
        parallelConnections: 4,
        autoConverge: true,
        postcopyAfterSeconds: 90,
        maxDowntimeMs: 400,
        limits: {maxTotalSeconds: 1800, maxDowntimeMs: 1000, onLimit: 'cancel'},
      }),
      {...guest, diskBytes: 10 * 1024 * MiB},
    )
    expect(scenario).to.deep.equal({
      ramBytes: 4 * 1024 * MiB,
      dirtyBytesPerSecond: 64 * MiB,
      // --bandwidth is QEMU's max-bandwidth, shared by all channels: the connections gain nothing
      bandwidthBytesPerSecond: 128 * MiB,
      bandwidthCapBytesPerSecond: 128 * MiB,
      parallelConnections: 4,
      downtimeLimitMs: 400,
      diskBytes: 10 * 1024 * MiB,
      limits: {maxTotalSeconds: 1800, maxDowntimeMs: 1000, onLimit: 'cancel'},
      autoConverge: QEMU_AUTO_CONVERGE,
      timeout: {seconds: 90, action: 'postcopy'},
    })
  })

  it('the windows’ average goes with the highest rate only when it is below it', () => {
    const p = policy({bandwidthMiB: 100})
    expect(scenarioFromPolicy(p, {...guest, averageDirtyBytesPerSecond: 20 * MiB})).to.include({
      dirtyBytesPerSecond: 64 * MiB,
      averageDirtyBytesPerSecond: 20 * MiB,
    })
    expect(scenarioFromPolicy(p, {...guest, averageDirtyBytesPerSecond: 64 * MiB})).to.not.have.property('averageDirtyBytesPerSecond')
    expect(scenarioFromPolicy(p, guest)).to.not.have.property('averageDirtyBytesPerSecond')
  })

  it('the RAM the first pass sends: the resident part when it was measured, never more than the guest; the timeout still by its size', () => {
    const p = policy({bandwidthMiB: 100, timeoutPerGiBSeconds: 10})
    expect(scenarioFromPolicy(p, {...guest, residentBytes: 512 * MiB})).to.include({ramBytes: 512 * MiB})
    expect(scenarioFromPolicy(p, {...guest, residentBytes: 8 * 1024 * MiB})).to.include({ramBytes: 4 * 1024 * MiB})
    expect(scenarioFromPolicy(p, guest)).to.include({ramBytes: 4 * 1024 * MiB})
    expect(scenarioFromPolicy(p, {...guest, residentBytes: 512 * MiB})?.timeout).to.deep.equal({seconds: 40, action: 'suspend'})
  })

  it("QEMU's default downtime target when the profile sets none", () => {
    expect(scenarioFromPolicy(policy({bandwidthMiB: 100}), guest)?.downtimeLimitMs).to.equal(300)
  })
})
