/**
 * Which remedies would converge, worked out by hand (MiB and MiB/s; thr = B x d, the rest that must
 * be left for the switch-over; pre-copy time (M - Vn) / (B - D) while D is fixed).
 */
import {expect} from 'chai'
import {convergingAlternatives, type Alternative} from '../../src/predict/alternatives.js'
import type {MigrationScenario} from '../../src/predict/types.js'

const MiB = 1024 * 1024
const base: MigrationScenario = {ramBytes: 1024 * MiB, dirtyBytesPerSecond: 200 * MiB, bandwidthBytesPerSecond: 100 * MiB, downtimeLimitMs: 300}
const byKind = (list: Alternative[]) => Object.fromEntries(list.map((a) => [a.kind, a]))

describe('predict: alternatives that would converge', () => {
  it('none for a migration that converges already', () => {
    expect(convergingAlternatives({...base, dirtyBytesPerSecond: 50 * MiB})).to.deep.equal([])
  })

  it('a guest dirtying twice the bandwidth, no limits', () => {
    const found = byKind(convergingAlternatives(base))
    expect(Object.keys(found)).to.deep.equal(['auto-converge', 'postcopy', 'more-bandwidth', 'quieter-time'])
    // passes of 10.24 s leave all of RAM; the throttle steps every 2nd pass: 20 % after pass 1 ... 60 % after
    // pass 9 (D 80); then passes shrink and it reaches 80 % (D 40) before converging: 17 passes, 135.15 s
    expect(found['auto-converge'].value).to.equal(80)
    expect(found['auto-converge'].prediction.iterations).to.equal(17)
    expect(found['auto-converge'].prediction.totalSeconds).to.be.closeTo(135.149, 0.001)
    // post-copy after the first pass: ceil(1024 / 100) = 11 s; then all 1024 MiB follow in 10.24 s (+ 40 ms switch)
    expect(found.postcopy.value).to.equal(11)
    expect(found.postcopy.prediction.totalSeconds).to.be.closeTo(21.28, 0.001)
    // any bandwidth above the dirty rate converges, slowly: 201 MiB/s (rho = 200/201, 568 passes, about 964 s)
    expect(found['more-bandwidth'].value).to.equal(201 * MiB)
    expect(found['more-bandwidth'].prediction.iterations).to.equal(568)
    // and any dirty rate below the bandwidth: 99 MiB/s
    expect(found['quieter-time'].value).to.equal(99 * MiB)
  })

  it('the same guest within max-total 600 s: the remedies must converge in time', () => {
    const found = byKind(convergingAlternatives({...base, limits: {maxTotalSeconds: 600, onLimit: 'cancel'}}))
    expect(found['auto-converge'].prediction.totalSeconds).to.be.closeTo(135.149, 0.001)
    // 201 MiB/s needs ~964 s; 202 MiB/s: rho = 200/202, 285 passes, (1024 - 60.1) / 2 = 482 s
    expect(found['more-bandwidth'].value).to.equal(202 * MiB)
    expect(found['more-bandwidth'].prediction.totalSeconds).to.be.within(470, 500)
    // 99 MiB/s needs ~995 s; 98 MiB/s: rho 0.98, 175 passes, (1024 - 29.6) / 2 = 497 s
    expect(found['quieter-time'].value).to.equal(98 * MiB)
    expect(found['quieter-time'].prediction.totalSeconds).to.be.within(490, 510)
  })

  it('more connections only where the link carries more than one stream', () => {
    // 50 MiB/s a stream, a 1000 MiB/s link, the guest dirties 60 MiB/s: two streams (100) converge
    const scenario = {...base, dirtyBytesPerSecond: 60 * MiB, bandwidthBytesPerSecond: 50 * MiB, bandwidthCapBytesPerSecond: 1000 * MiB}
    expect(byKind(convergingAlternatives(scenario))['more-connections'].value).to.equal(2)
    // without a known link rate parallel connections are assumed to gain nothing
    expect(byKind(convergingAlternatives({...scenario, bandwidthCapBytesPerSecond: undefined}))).not.to.have.property('more-connections')
  })

  it('what the policy already does is not offered again', () => {
    const kinds = convergingAlternatives({
      ...base,
      autoConverge: {initialPercent: 20, incrementPercent: 10, maxPercent: 50, triggerPercent: 50},
      limits: {maxTotalSeconds: 600, onLimit: 'postcopy'},
    }).map((a) => a.kind)
    expect(kinds).not.to.include('auto-converge')
    expect(kinds).not.to.include('postcopy')
  })

  it('a limit so short that nothing but a much faster link helps', () => {
    // max-total 5 s: one pass of 1024 MiB needs 10.24 s at 100 MiB/s; post-copy would switch at 11 s, too late
    const found = byKind(convergingAlternatives({...base, limits: {maxTotalSeconds: 5, onLimit: 'cancel'}}))
    expect(Object.keys(found)).to.deep.equal(['more-bandwidth'])
    // the switch-over starts before the limit (its pause may end after it: nothing cancels a switch-over under way)
    const p = found['more-bandwidth'].prediction
    expect((p.totalSeconds ?? Infinity) - (p.downtimeMs ?? 0) / 1000).to.be.below(5)
  })
})
