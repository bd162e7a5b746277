// The plan's prediction (src/plan/prediction.ts), its rendering, the limits it hands the runner,
// and what the fingerprints leave out: a dirty rate measured again must not make a plan stale.
import {expect} from 'chai'
import type {DirtyRateFact, ResidentMemoryFact} from '../../src/hosts/facts-types.js'
import {buildPlan} from '../../src/plan/build-plan.js'
import {findingsFingerprint} from '../../src/plan/fingerprint.js'
import {assertStepsIntact} from '../../src/plan/integrity.js'
import {assertFresh, validPlan} from '../../src/plan/plan-file.js'
import {NO_BANDWIDTH} from '../../src/plan/prediction.js'
import type {Plan} from '../../src/plan/types.js'
import {predictMigration} from '../../src/predict/precopy.js'
import type {MigrationPolicy} from '../../src/profiles/types.js'
import {renderPlan} from '../../src/report/plan-text.js'
import {migrationMayNotConverge} from '../../src/rules/host/migration-may-not-converge.js'
import type {Finding} from '../../src/rules/types.js'
import {guest} from '../support/domain-xml.js'
import {stepOf} from '../support/plan-steps.js'
import {emptyFacts, evaluate, makeContext} from '../support/rule-harness.js'

const MiB = 1024 * 1024
const domain = guest('', {name: 'web01', memoryMiB: 1024})
const uuid = domain.uuid ?? ''
const measured = (mib: number, at = '2025-03-04T09:30:00.000Z'): DirtyRateFact => ({
  kind: 'measured',
  bytesPerSecond: mib * MiB,
  mode: 'dirty-bitmap',
  seconds: 1,
  measuredAt: at,
})

function context(opts: {migration?: Partial<MigrationPolicy>; rate?: DirtyRateFact; resident?: ResidentMemoryFact; state?: string} = {}) {
  const state = opts.state ?? 'running'
  return makeContext({
    domain,
    state,
    migration: opts.migration,
    source: emptyFacts('src', {
      guests: [
        {name: 'web01', uuid, state, xml: domain.xml, ...(opts.rate ? {dirtyRate: opts.rate} : {}), ...(opts.resident ? {residentMemory: opts.resident} : {})},
      ],
    }),
  })
}

function plan(opts: Parameters<typeof context>[0] = {}, findings: Finding[] = []): Plan {
  return buildPlan({context: context(opts), findings, toolVersion: 'test', now: new Date('2025-03-04T10:00:00.000Z')})
}

describe('the plan predicts the live migration', () => {
  it('from the measured dirty rate, the memory and the bandwidth under the policy', () => {
    const p = plan({migration: {bandwidthMiB: 100}, rate: measured(50)})
    if (p.prediction?.kind !== 'predicted') throw new Error('expected a prediction')
    expect(p.prediction.dirtyRate).to.deep.equal(measured(50))
    expect(p.prediction.scenario).to.include({ramBytes: 1024 * MiB, dirtyBytesPerSecond: 50 * MiB, bandwidthBytesPerSecond: 100 * MiB, downtimeLimitMs: 300})
    // rho 0.5: six passes, 20.32 s, 160 ms (test/predict/precopy.test.ts works it out)
    expect(p.prediction.result).to.deep.equal(predictMigration(p.prediction.scenario))
    expect(p.prediction.result).to.include({outcome: 'converges', iterations: 6})
    const text = renderPlan(p)
    expect(text).to.match(/Prediction: converges: about 20 s, 6 pre-copy passes, downtime about 160 ms\./)
    expect(text).to.include(
      "from: 1 GiB RAM (the guest's size; the resident part is measured with the dirty rate), 100 MiB/s, downtime target 300 ms; dirty rate 50 MiB/s (measured 2025-03-04T09:30:00.000Z, dirty-bitmap, 1 s).",
    )
  })

  it('with the resident RAM check measured: the first pass sends that, and the plan says so; how migrate measures the guest is in the plan', () => {
    const resident: ResidentMemoryFact = {kind: 'measured', bytes: 256 * MiB, measuredAt: '2025-03-04T09:30:01.000Z'}
    const p = plan({migration: {bandwidthMiB: 100}, rate: measured(0), resident})
    if (p.prediction?.kind !== 'predicted') throw new Error('expected a prediction')
    expect(p.prediction.scenario.ramBytes).to.equal(256 * MiB)
    expect(p.prediction.residentMemory).to.deep.equal(resident)
    expect(p.prediction.measure).to.deep.equal({dirtyRateMode: 'dirty-bitmap', memoryKiB: 1024 * 1024})
    // 256 MiB at 100 MiB/s, nothing dirtied: 2.56 s
    expect(p.prediction.result.totalSeconds).to.be.closeTo(2.56, 1e-9)
    expect(renderPlan(p)).to.include('from: 256 MiB RAM (resident, measured 2025-03-04T09:30:01.000Z), 100 MiB/s')
  })

  it('not measured: assumes 0 and says so', () => {
    const p = plan({migration: {bandwidthMiB: 100}})
    if (p.prediction?.kind !== 'predicted') throw new Error('expected a prediction')
    expect(p.prediction.dirtyRate).to.deep.equal({kind: 'not-measured'})
    expect(p.prediction.scenario.dirtyBytesPerSecond).to.equal(0)
    expect(renderPlan(p)).to.include('dirty rate not measured: assumes 0')
  })

  it('no bandwidth in the profile: no figures, and why', () => {
    const p = plan()
    expect(p.prediction).to.deep.equal({kind: 'unavailable', reason: NO_BANDWIDTH})
    expect(renderPlan(p)).to.include(`Prediction: none — ${NO_BANDWIDTH}.`)
  })

  it('an offline migration (a shut-off guest) has none', () => {
    expect(plan({migration: {bandwidthMiB: 100}, state: 'shut off'}).prediction).to.equal(undefined)
  })

  it('round-trips through the plan file schema; a prediction with impossible figures is refused', () => {
    const p = plan({migration: {bandwidthMiB: 100, limits: {maxTotalSeconds: 60, onLimit: 'cancel'}}, rate: measured(50)})
    const asFile = JSON.parse(JSON.stringify(p))
    expect(validPlan(asFile, 'p.json')).to.deep.equal(asFile)
    const edited = JSON.parse(JSON.stringify(p))
    edited.prediction.scenario.bandwidthBytesPerSecond = -1
    expect(() => validPlan(edited, 'p.json')).to.throw(/prediction/)
  })
})

describe('the limits the plan hands the runner', () => {
  it('the migration step carries max-total, max-downtime and on-limit; the way back none', () => {
    const p = plan({migration: {limits: {maxTotalSeconds: 600, maxDowntimeMs: 500, onLimit: 'cancel'}}})
    const step = stepOf(p.steps, 'migrate', 'source')
    expect(step.migrate.limits).to.deep.equal({maxTotalSeconds: 600, maxDowntimeMs: 500, onLimit: 'cancel'})
    expect(step.undo?.kind === 'migrate' && step.undo.migrate.limits).to.equal(undefined)
    expect(renderPlan(p)).to.include('      limits: max-total 600 s, max-downtime 500 ms, on-limit cancel (zmigrate enforces them while virsh migrate runs)')
    expect(stepOf(plan().steps, 'migrate', 'source').migrate.limits).to.equal(undefined)
    expect(
      stepOf(plan({state: 'shut off', migration: {limits: {maxTotalSeconds: 600, onLimit: 'cancel'}}}).steps, 'migrate', 'source').migrate.limits,
    ).to.equal(undefined)
  })

  it('an edited limit is an edited step: refused', () => {
    const p = plan({migration: {limits: {maxTotalSeconds: 600, onLimit: 'cancel'}}})
    const edited: Plan = JSON.parse(JSON.stringify(p))
    const step = stepOf(edited.steps, 'migrate', 'source')
    step.migrate.limits = {maxTotalSeconds: 6_000_000, onLimit: 'cancel'}
    expect(() => assertStepsIntact(edited)).to.throw(/edited|differ|fingerprint/)
  })

  it('the plan file refuses limits out of their domain, and on-limit postcopy without post-copy', () => {
    const p = plan({migration: {limits: {maxTotalSeconds: 600, onLimit: 'cancel'}}})
    const withLimits = (limits: unknown, postcopy = false) => {
      const edited = JSON.parse(JSON.stringify(p))
      const step = edited.steps.find((s: {kind: string}) => s.kind === 'migrate')
      step.migrate.limits = limits
      step.migrate.postcopy = postcopy
      return () => validPlan(edited, 'p.json')
    }
    expect(withLimits({maxTotalSeconds: 0, onLimit: 'cancel'})).to.throw(/maxTotalSeconds/)
    expect(withLimits({maxTotalSeconds: 1.5, onLimit: 'cancel'})).to.throw(/maxTotalSeconds/)
    expect(withLimits({maxDowntimeMs: 3_000_000, onLimit: 'cancel'})).to.throw(/maxDowntimeMs/)
    expect(withLimits({maxTotalSeconds: 60, onLimit: 'reboot'})).to.throw(/onLimit/)
    expect(withLimits({onLimit: 'cancel'})).to.throw(/limits need/)
    expect(withLimits({maxTotalSeconds: 60, onLimit: 'postcopy'})).to.throw(/--postcopy/)
    expect(withLimits({maxTotalSeconds: 60, onLimit: 'postcopy'}, true)).to.not.throw()
  })
})

describe('a measured dirty rate does not make a plan stale', () => {
  const policy: Partial<MigrationPolicy> = {bandwidthMiB: 100}
  const findingsAt = (mib: number, at: string) => evaluate([migrationMayNotConverge], context({migration: policy, rate: measured(mib, at)}))

  it('the rule marks its findings measured, and the findings fingerprint leaves them out', () => {
    const first = findingsAt(200, '2025-03-04T09:30:00.000Z')
    const again = findingsAt(300, '2025-03-04T09:45:00.000Z')
    expect(first).to.have.length(1)
    expect(first[0].measured).to.equal(true)
    expect(first[0].message).to.not.equal(again[0].message)
    expect(findingsFingerprint(first)).to.equal(findingsFingerprint(again))
    expect(findingsFingerprint(first)).to.equal(findingsFingerprint([]))
  })

  it('a plan made with one measurement is fresh against one made with another (or none)', () => {
    const saved = plan({migration: policy, rate: measured(200, '2025-03-04T09:30:00.000Z')}, findingsAt(200, '2025-03-04T09:30:00.000Z'))
    const fresh = plan({migration: policy, rate: measured(10, '2025-03-04T09:45:00.000Z')}, findingsAt(10, '2025-03-04T09:45:00.000Z'))
    const unmeasured = plan({migration: policy})
    expect(saved.prediction).to.not.deep.equal(fresh.prediction)
    expect(() => assertFresh(saved, fresh)).to.not.throw()
    expect(() => assertFresh(saved, unmeasured)).to.not.throw()
  })

  it('a finding that is not measured still makes it stale', () => {
    const other: Finding = {
      rule: 'dest-cpus',
      category: 'host',
      severity: 'warning',
      subject: 'guest web01',
      message: 'more vCPUs',
      remedy: 'a remedy long enough',
    }
    expect(() => assertFresh(plan({migration: policy}), plan({migration: policy}, [other]))).to.throw(/findings changed/)
  })
})
