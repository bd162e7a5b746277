/**
 * The pre-copy model against cases worked out by hand. Sizes in MiB, rates in MiB/s, so each
 * comment is a calculator's work: thr = B x d is what must be left for the switch-over,
 * Vi = M (D/B)^i the bytes pass i sends, and pre-copy time = (M - Vn) / (B - D) while D is fixed.
 */
import {expect} from 'chai'
import {predictMigration, usableBandwidth} from '../../src/predict/precopy.js'
import {PredictionInputError, QEMU_AUTO_CONVERGE, type MigrationScenario, type Prediction} from '../../src/predict/types.js'

const MiB = 1024 * 1024
/** A scenario in MiB and MiB/s. */
const mib = (s: {M: number; D: number; B: number; d?: number; disk?: number; W?: number}, more: Partial<MigrationScenario> = {}): MigrationScenario => ({
  ramBytes: s.M * MiB,
  dirtyBytesPerSecond: s.D * MiB,
  bandwidthBytesPerSecond: s.B * MiB,
  downtimeLimitMs: s.d ?? 300,
  ...(s.disk !== undefined ? {diskBytes: s.disk * MiB} : {}),
  ...(s.W !== undefined ? {workingSetBytes: s.W * MiB} : {}),
  ...more,
})

interface Expected {
  outcome: Prediction['outcome']
  iterations?: number
  totalSeconds?: number
  precopySeconds?: number
  downtimeMs?: number
  throttlePercent?: number
  endedBy?: Prediction['endedBy']
  postcopy?: {switchAfterSeconds: number; postcopySeconds: number}
}

const cases: {name: string; scenario: MigrationScenario; expected: Expected}[] = [
  {
    // thr = 100 x 0.3 = 30; pass 0 sends 1024 in 10.24 s and leaves 0 dirty: switch, no pause
    name: 'dirty rate 0: one pass, no downtime',
    scenario: mib({M: 1024, D: 0, B: 100}),
    expected: {outcome: 'converges', iterations: 1, totalSeconds: 10.24, precopySeconds: 10.24, downtimeMs: 0},
  },
  {
    // rho = 0.5: V = 1024, 512, 256, 128, 64, 32 (>= 30), 16 (< 30) -> 6 passes;
    // pre-copy (1024 - 16) / (100 - 50) = 20.16 s; pause 16 / 100 = 160 ms; total 20.32 s
    name: 'half the bandwidth: six passes, 160 ms pause',
    scenario: mib({M: 1024, D: 50, B: 100}),
    expected: {outcome: 'converges', iterations: 6, totalSeconds: 20.32, precopySeconds: 20.16, downtimeMs: 160},
  },
  {
    // disks first: 2048 / 100 = 20.48 s, then the case above: 20.48 + 20.32 = 40.8 s
    name: 'disks copied before memory',
    scenario: mib({M: 1024, D: 50, B: 100, disk: 2048}),
    expected: {outcome: 'converges', iterations: 6, totalSeconds: 40.8, precopySeconds: 20.16, downtimeMs: 160},
  },
  {
    // every pass of 10.24 s dirties 100 x 10.24 = 1024 = all of RAM again: never below 30
    name: 'dirty rate equal to the bandwidth: never converges',
    scenario: mib({M: 1024, D: 100, B: 100}),
    expected: {outcome: 'never'},
  },
  {
    name: 'dirty rate above the bandwidth: never converges',
    scenario: mib({M: 1024, D: 200, B: 100}),
    expected: {outcome: 'never'},
  },
  {
    // thr = 30 > 16: stop-and-copy at once, 0 passes, pause 16 / 100 = 160 ms
    name: 'RAM that fits in the downtime at once',
    scenario: mib({M: 16, D: 99, B: 100}),
    expected: {outcome: 'converges', iterations: 0, totalSeconds: 0.16, precopySeconds: 0, downtimeMs: 160},
  },
  {
    name: 'no RAM at all',
    scenario: mib({M: 0, D: 10, B: 100}),
    expected: {outcome: 'converges', iterations: 0, totalSeconds: 0, downtimeMs: 0},
  },
  {
    // rho = 0.999: 1024 x 0.999^n < 30 -> n > ln(30/1024) / ln(0.999) = 3528.5 -> 3529 passes;
    // V3529 = 29.985, pre-copy (1024 - 29.985) / 0.1 = 9940.1 s
    name: 'just below the bandwidth: converges after hours',
    scenario: mib({M: 1024, D: 99.9, B: 100}),
    expected: {outcome: 'converges', iterations: 3529, totalSeconds: 9940.45, precopySeconds: 9940.15, downtimeMs: 299.85},
  },
  {
    // thr = 16 x 0.3 = 4.8; pass 0 16 s leaves min(8 x 16, 8) = 8 (the working set);
    // pass 1 0.5 s leaves 8 x 0.5 = 4 < 4.8: 2 passes, 16.5 s, pause 4 / 16 = 250 ms
    name: 'a working set smaller than RAM',
    scenario: mib({M: 256, D: 8, B: 16, W: 8}),
    expected: {outcome: 'converges', iterations: 2, totalSeconds: 16.75, precopySeconds: 16.5, downtimeMs: 250},
  },
  {
    // D > B, but a pass can leave only the 4 MiB working set, below thr = 4.8: converges after pass 0
    name: 'dirty rate above the bandwidth with a working set that fits the downtime',
    scenario: mib({M: 256, D: 32, B: 16, W: 4}),
    expected: {outcome: 'converges', iterations: 1, totalSeconds: 16.25, downtimeMs: 250},
  },
  {
    // each pass 10.24 s leaves all of RAM: 5 passes end at 51.2 s, the 6th is cut at 60 s
    name: 'max-total with on-limit cancel',
    scenario: mib({M: 1024, D: 200, B: 100}, {limits: {maxTotalSeconds: 60, onLimit: 'cancel'}}),
    expected: {outcome: 'cancelled', iterations: 5, totalSeconds: 60, precopySeconds: 60, endedBy: 'max-total'},
  },
  {
    // at 20 s, 9.76 s into pass 1: unsent 1024 - 976 = 48, dirtied min(200 x 9.76, 1024) -> at most
    // all of RAM, 1024 MiB follow in 10.24 s; the switch sends 1024 MiB / 4 KiB x 16 B = 4 MiB of
    // discards, 40 ms; total 20 + 0.04 + 10.24 = 30.28 s
    name: 'virsh timeout switching to post-copy',
    scenario: mib({M: 1024, D: 200, B: 100}, {timeout: {seconds: 20, action: 'postcopy'}}),
    expected: {
      outcome: 'postcopy',
      iterations: 1,
      totalSeconds: 30.28,
      downtimeMs: 40,
      endedBy: 'timeout',
      postcopy: {switchAfterSeconds: 20, postcopySeconds: 10.24},
    },
  },
  {
    // D = 50: pass 1 (512) is 4.76 s in at 15 s: unsent 512 - 476 = 36 + dirtied 50 x 4.76 = 238 -> 274;
    // post-copy 2.74 s; discards 274 / 4 KiB x 16 B = 1.0703 MiB, 10.703 ms
    name: 'post-copy switch with part of a pass left',
    scenario: mib({M: 1024, D: 50, B: 100}, {timeout: {seconds: 15, action: 'postcopy'}}),
    expected: {outcome: 'postcopy', iterations: 1, totalSeconds: 17.7507, downtimeMs: 10.703, postcopy: {switchAfterSeconds: 15, postcopySeconds: 2.74}},
  },
  {
    // as above but paused: the 1024 MiB left go over in 10.24 s with the guest stopped
    name: 'virsh timeout suspending the guest',
    scenario: mib({M: 1024, D: 200, B: 100}, {timeout: {seconds: 20, action: 'suspend'}}),
    expected: {outcome: 'suspended', iterations: 1, totalSeconds: 30.24, downtimeMs: 10240, endedBy: 'timeout'},
  },
  {
    // the 10.24 s pause would pass max-downtime 5 s: on-limit cancel ends it at 20 + 5 = 25 s
    name: 'a suspend that would pause longer than max-downtime is cancelled',
    scenario: mib({M: 1024, D: 200, B: 100}, {timeout: {seconds: 20, action: 'suspend'}, limits: {maxDowntimeMs: 5000, onLimit: 'cancel'}}),
    expected: {outcome: 'cancelled', totalSeconds: 25, endedBy: 'max-downtime'},
  },
  {
    // disks 20.48 s; at 10 s 1048 MiB of disk remain, then all 1024 of RAM: 2072 / 100 = 20.72 s paused
    name: 'max-total with on-limit suspend during the disk copy',
    scenario: mib({M: 1024, D: 200, B: 100, disk: 2048}, {limits: {maxTotalSeconds: 10, onLimit: 'suspend'}}),
    expected: {outcome: 'suspended', iterations: 0, totalSeconds: 30.72, downtimeMs: 20720, endedBy: 'max-total'},
  },
  {
    // post-copy cannot start before memory moves: at 20.48 s, with all 1024 MiB to follow (10.24 s, 40 ms switch)
    name: 'max-total with on-limit postcopy during the disk copy switches when memory starts',
    scenario: mib({M: 1024, D: 200, B: 100, disk: 2048}, {limits: {maxTotalSeconds: 10, onLimit: 'postcopy'}}),
    expected: {outcome: 'postcopy', iterations: 0, totalSeconds: 30.76, downtimeMs: 40, postcopy: {switchAfterSeconds: 20.48, postcopySeconds: 10.24}},
  },
  {
    name: 'max-total with on-limit cancel during the disk copy',
    scenario: mib({M: 1024, D: 10, B: 100, disk: 2048}, {limits: {maxTotalSeconds: 10, onLimit: 'cancel'}}),
    expected: {outcome: 'cancelled', iterations: 0, totalSeconds: 10, endedBy: 'max-total'},
  },
  {
    // B = 100, D = 120, M = 1000, thr = 30; a period is "high" when dirtied > 50 % of sent, every 2nd steps the throttle:
    // p0 10 s leaves 1000 (high 1); p1 10 s 1000 (high 2: 20 %, D 96); p2 10 s 960 (1); p3 9.6 s 921.6 (2: 30 %, D 84);
    // p4 9.216 s 774.144 (1); p5 7.74144 s 650.28096 (2: 40 %, D 72); p6 6.5028096 s 468.2022912 (1);
    // p7 4.682022912 s 337.1056497 (2: 50 %, D 60); p8 3.371056497 s 202.2633898 (1); p9 2.022633898 s 121.3580339
    // (2: 60 %, D 48, rho 0.48 <= 0.5: no more steps) at 73.13596 s; then 121.358 x 0.48 = 58.25, x 0.48 = 27.96 < 30:
    // 2 more passes, 121.358 (1 - 0.48^2) / 52 = 1.79610 s; 12 passes, pause 279.61 ms, total 75.2117 s
    name: 'auto-converge throttles a guest dirtying faster than the bandwidth until it converges',
    scenario: mib({M: 1000, D: 120, B: 100}, {autoConverge: QEMU_AUTO_CONVERGE}),
    expected: {outcome: 'converges', iterations: 12, totalSeconds: 75.2117, precopySeconds: 74.9321, downtimeMs: 279.61, throttlePercent: 60},
  },
  {
    // at 99 % the guest still dirties 20000 x 0.01 = 200 > 100
    name: 'auto-converge at its 99 % maximum still too slow: never',
    scenario: mib({M: 1024, D: 20000, B: 100}, {autoConverge: QEMU_AUTO_CONVERGE}),
    expected: {outcome: 'never', throttlePercent: 99},
  },
  {
    // rho = 0.5 never exceeds the 50 % trigger: no throttle, the plain case
    name: 'auto-converge does not throttle a guest below the trigger',
    scenario: mib({M: 1024, D: 50, B: 100}, {autoConverge: QEMU_AUTO_CONVERGE}),
    expected: {outcome: 'converges', iterations: 6, totalSeconds: 20.32, throttlePercent: 0},
  },
  {
    // 4 x 30 = 120 capped at 100: the D = 50 case again
    name: 'parallel connections up to the cap',
    scenario: mib({M: 1024, D: 50, B: 30}, {parallelConnections: 4, bandwidthCapBytesPerSecond: 100 * MiB}),
    expected: {outcome: 'converges', iterations: 6, totalSeconds: 20.32, downtimeMs: 160},
  },
  {
    // 4 TiB RAM, 100 GiB/s, 10 GiB/s dirty, 1 PiB of disks: disks 1048576 GiB / 100 = 10485.76 s;
    // thr 30 GiB; 4096 x 0.1^3 = 4.096 < 30: 3 passes, (4096 - 4.096) / 90 = 45.4656 s; pause 40.96 ms
    name: 'huge values: 4 TiB of RAM and a PiB of disks',
    scenario: {
      ramBytes: 4 * 1024 ** 4,
      dirtyBytesPerSecond: 10 * 1024 ** 3,
      bandwidthBytesPerSecond: 100 * 1024 ** 3,
      downtimeLimitMs: 300,
      diskBytes: 1024 ** 5,
    },
    expected: {outcome: 'converges', iterations: 3, totalSeconds: 10531.2666, precopySeconds: 45.4656, downtimeMs: 40.96},
  },
  {
    // every pass sends all 1024 MiB in 10.24 s and finds them dirty again; the pause that would
    // need (10.24 s) is above max-downtime 5 s: STALL_PASSES (3) such passes, then cancel at 30.72 s
    name: 'pre-copy stuck above max-downtime: cancelled after three passes without progress',
    scenario: mib({M: 1024, D: 200, B: 100}, {limits: {maxDowntimeMs: 5000, onLimit: 'cancel'}}),
    expected: {outcome: 'cancelled', iterations: 3, totalSeconds: 30.72, endedBy: 'max-downtime'},
  },
  {
    // as above, switching to post-copy at 30.72 s: the discard list of 262144 pages x 16 B = 4 MiB
    // takes 40 ms at 100 MiB/s, then the 1024 MiB follow in 10.24 s: 30.72 + 0.04 + 10.24
    name: 'pre-copy stuck above max-downtime with on-limit postcopy: switches to post-copy',
    scenario: mib({M: 1024, D: 200, B: 100}, {limits: {maxDowntimeMs: 5000, onLimit: 'postcopy'}}),
    expected: {outcome: 'postcopy', iterations: 3, totalSeconds: 41, downtimeMs: 40, endedBy: 'max-downtime'},
  },
  {
    // the pause a stuck pass would need (10.24 s) is within max-downtime 20 s: the limit does not
    // bite, and nothing else ends it
    name: 'pre-copy stuck below max-downtime: never',
    scenario: mib({M: 1024, D: 200, B: 100}, {limits: {maxDowntimeMs: 20_000, onLimit: 'cancel'}}),
    expected: {outcome: 'never'},
  },
  {
    // max-total at 25 s comes before the stall would be called (30.72 s): max-total decides
    name: 'max-total before the stall is called: max-total decides',
    scenario: mib({M: 1024, D: 200, B: 100}, {limits: {maxTotalSeconds: 25, maxDowntimeMs: 5000, onLimit: 'cancel'}}),
    expected: {outcome: 'cancelled', totalSeconds: 25, endedBy: 'max-total'},
  },
  {
    // 2^60 B of RAM, D 2^40, B 2^41 (rho 0.5): 2^(60-n) < 0.3 x 2^41 -> n = 21; (2^60 - 2^39) / 2^40 = 2^20 - 0.5 s
    name: 'huge values: an exbibyte of RAM',
    scenario: {ramBytes: 2 ** 60, dirtyBytesPerSecond: 2 ** 40, bandwidthBytesPerSecond: 2 ** 41, downtimeLimitMs: 300},
    expected: {outcome: 'converges', iterations: 21, totalSeconds: 1048575.75, precopySeconds: 1048575.5, downtimeMs: 250},
  },
]

describe('predict: the pre-copy model', () => {
  for (const c of cases) {
    it(c.name, () => {
      const p = predictMigration(c.scenario)
      expect(p.outcome).to.equal(c.expected.outcome)
      expect(p.converges).to.equal(c.expected.outcome === 'converges' || c.expected.outcome === 'postcopy')
      const near = (actual: number | undefined, expected: number, what: string) => {
        expect(actual, what).to.be.a('number')
        expect(actual as number, what).to.be.closeTo(expected, Math.max(0.005, Math.abs(expected) * 1e-5))
      }
      if (c.expected.iterations !== undefined) expect(p.iterations, 'iterations').to.equal(c.expected.iterations)
      for (const key of ['totalSeconds', 'precopySeconds', 'downtimeMs'] as const) {
        const want = c.expected[key]
        if (want !== undefined) near(p[key], want, key)
      }
      if (c.expected.throttlePercent !== undefined) expect(p.throttlePercent).to.equal(c.expected.throttlePercent)
      if (c.expected.endedBy !== undefined) expect(p.endedBy).to.equal(c.expected.endedBy)
      if (c.expected.postcopy) {
        near(p.postcopy?.switchAfterSeconds, c.expected.postcopy.switchAfterSeconds, 'switchAfterSeconds')
        near(p.postcopy?.postcopySeconds, c.expected.postcopy.postcopySeconds, 'postcopySeconds')
      }
      if (p.outcome === 'never') {
        expect(p.totalSeconds).to.equal(undefined)
        expect(p.iterations).to.equal(undefined)
      }
    })
  }

  it('a setup time comes first and adds to the total, the passes unchanged; max-total counts it; a limit during it ends before memory moves', () => {
    // M 64, B 16, D 0, disk 32: disks 2 s, pass 0 64/16 = 4 s, nothing left: 6 s; with 2.5 s of setup 8.5 s
    const base = mib({M: 64, D: 0, B: 16, disk: 32})
    const without = predictMigration(base)
    const withSetup = predictMigration({...base, setupSeconds: 2.5})
    expect(without.totalSeconds).to.be.closeTo(6, 1e-9)
    expect(withSetup.totalSeconds).to.be.closeTo(8.5, 1e-9)
    expect([withSetup.iterations, withSetup.precopySeconds, withSetup.diskSeconds]).to.deep.equal([
      without.iterations,
      without.precopySeconds,
      without.diskSeconds,
    ])
    // max-total 7 s: 6 s without setup converges; with it the pass is still running at 7 s
    const limits = {maxTotalSeconds: 7, onLimit: 'cancel' as const}
    expect(predictMigration({...base, limits}).outcome).to.equal('converges')
    expect(predictMigration({...base, setupSeconds: 2.5, limits})).to.include({outcome: 'cancelled', endedBy: 'max-total', totalSeconds: 7})
    // max-total 2 s, inside the setup: cancelled there, nothing of memory sent
    expect(predictMigration({...base, setupSeconds: 2.5, limits: {maxTotalSeconds: 2, onLimit: 'cancel'}})).to.include({
      outcome: 'cancelled',
      totalSeconds: 2,
      iterations: 0,
    })
    expect(() => predictMigration({...base, setupSeconds: -1})).to.throw(PredictionInputError)
  })

  describe('a guest that writes in bursts: the highest rate decides whether, the average how long', () => {
    it('the highest at or above the bandwidth: never, though the average alone would converge', () => {
      // D 36 >= B 16; at the average 8 it would converge
      expect(predictMigration(mib({M: 64, D: 36, B: 16}, {averageDirtyBytesPerSecond: 8 * MiB})).outcome).to.equal('never')
      expect(predictMigration(mib({M: 64, D: 8, B: 16})).outcome).to.equal('converges')
    })

    it('the highest converges: the passes and the time at the average', () => {
      // at the highest 36: rho 0.5625, V1 33.75, V2 18.98 < thr 19.2: 2 passes. At the average 20:
      // rho 0.3125, V1 = 60 x 0.3125 = 18.75 < 19.2: 1 pass of 60/64 = 0.9375 s, downtime 18.75/64 = 293 ms
      const p = predictMigration(mib({M: 60, D: 36, B: 64}, {averageDirtyBytesPerSecond: 20 * MiB}))
      expect(p).to.include({outcome: 'converges', iterations: 1})
      expect(p.totalSeconds).to.be.closeTo(0.9375 + 0.29297, 1e-4)
      expect(p.downtimeMs).to.be.closeTo(292.97, 0.01)
      expect(predictMigration(mib({M: 60, D: 36, B: 64})).iterations).to.equal(2)
    })

    it('an average not below the highest changes nothing', () => {
      const steady = mib({M: 60, D: 36, B: 64})
      expect(predictMigration({...steady, averageDirtyBytesPerSecond: 36 * MiB})).to.deep.equal(predictMigration(steady))
      expect(predictMigration({...steady, averageDirtyBytesPerSecond: 50 * MiB})).to.deep.equal(predictMigration(steady))
    })

    it('the highest converges only after max-total: cancelled, though at the average it would be in time', () => {
      // D 99 < B 100 needs about 994 s, more than max-total 600; at the average 50 about 20 s
      const limits = {maxTotalSeconds: 600, onLimit: 'cancel' as const}
      expect(predictMigration(mib({M: 1024, D: 99, B: 100}, {averageDirtyBytesPerSecond: 50 * MiB, limits}))).to.include({
        outcome: 'cancelled',
        endedBy: 'max-total',
      })
      expect(predictMigration(mib({M: 1024, D: 50, B: 100}, {limits})).outcome).to.equal('converges')
    })
  })

  it('usable bandwidth: one stream, N streams, N streams up to the cap', () => {
    expect(usableBandwidth({bandwidthBytesPerSecond: 100})).to.equal(100)
    expect(usableBandwidth({bandwidthBytesPerSecond: 100, parallelConnections: 4})).to.equal(100)
    expect(usableBandwidth({bandwidthBytesPerSecond: 100, parallelConnections: 4, bandwidthCapBytesPerSecond: 1000})).to.equal(400)
    expect(usableBandwidth({bandwidthBytesPerSecond: 100, parallelConnections: 4, bandwidthCapBytesPerSecond: 250})).to.equal(250)
    expect(usableBandwidth({bandwidthBytesPerSecond: 100, parallelConnections: 0})).to.equal(100)
  })

  describe('inputs it refuses, naming the field', () => {
    const base = mib({M: 1024, D: 50, B: 100})
    const bad: [string, Partial<MigrationScenario>, string][] = [
      ['zero bandwidth', {bandwidthBytesPerSecond: 0}, 'bandwidthBytesPerSecond'],
      ['negative bandwidth', {bandwidthBytesPerSecond: -1}, 'bandwidthBytesPerSecond'],
      ['infinite bandwidth', {bandwidthBytesPerSecond: Infinity}, 'bandwidthBytesPerSecond'],
      ['negative RAM', {ramBytes: -1}, 'ramBytes'],
      ['NaN dirty rate', {dirtyBytesPerSecond: NaN}, 'dirtyBytesPerSecond'],
      ['negative average dirty rate', {averageDirtyBytesPerSecond: -1}, 'averageDirtyBytesPerSecond'],
      ['negative disks', {diskBytes: -5}, 'diskBytes'],
      ['zero downtime limit', {downtimeLimitMs: 0}, 'downtimeLimitMs'],
      ['fractional connections', {parallelConnections: 1.5}, 'parallelConnections'],
      ['zero cap', {bandwidthCapBytesPerSecond: 0}, 'bandwidthCapBytesPerSecond'],
      ['zero max-total', {limits: {maxTotalSeconds: 0, onLimit: 'cancel'}}, 'limits.maxTotalSeconds'],
      ['a throttle above 99 %', {autoConverge: {...QEMU_AUTO_CONVERGE, maxPercent: 100}}, 'autoConverge.maxPercent'],
    ]
    for (const [name, change, field] of bad) {
      it(name, () => {
        expect(() => predictMigration({...base, ...change}))
          .to.throw(PredictionInputError)
          .with.property('field', field)
      })
    }
  })
})
