// Right before virsh migrate the runner measures the guest's dirty rate (when the plan could
// predict: a bandwidth is known), predicts again from the plan's scenario, and the report compares
// that with what happened (fake libvirt).
import {expect} from 'chai'
import {rmSync} from 'node:fs'
import {predictMigration} from '../../src/predict/precopy.js'
import {renderMigrationReport} from '../../src/report/migrate-text.js'
import {migrationReport} from '../../src/run/report.js'
import {domain, setup} from '../support/runner-setup.js'

const MiB = 1024 * 1024

describe('the prediction right before the migration, and the report comparing it', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))

  it('the RAM its QEMU has resident right before virsh migrate is what the prediction sends (never more than the guest)', async () => {
    const s = setup({migration: {bandwidthMiB: 64}, dirtyRateMiB: 0, residentMiB: 100})
    dirs.push(s.dir)
    if (s.plan.prediction?.kind !== 'predicted') throw new Error('the plan should predict')
    expect(s.plan.prediction.measure).to.deep.include({dirtyRateMode: 'dirty-bitmap'})
    const j = await s.apply()
    expect(j.migration?.residentMemory).to.include({kind: 'measured', bytes: 100 * MiB})
    expect(j.migration?.prediction?.ramBytes).to.equal(100 * MiB)
    expect(j.migration?.prediction?.result).to.deep.equal(predictMigration({...s.plan.prediction.scenario, dirtyBytesPerSecond: 0, ramBytes: 100 * MiB}))
    const report = migrationReport(j)
    expect(report.prediction).to.include({ramBytes: 100 * MiB})
    expect(report.prediction?.residentMemory).to.include({kind: 'measured'})
  })

  it('with a bandwidth: measures the dirty rate just before virsh migrate and predicts with it', async () => {
    const s = setup({migration: {bandwidthMiB: 64}, dirtyRateMiB: 8})
    dirs.push(s.dir)
    if (s.plan.prediction?.kind !== 'predicted') throw new Error('the plan should predict')
    const j = await s.apply()
    const measuredAt = s.world.log.indexOf(`src: dirty-rate ${domain.uuid}`)
    const migratedAt = s.world.log.findIndex((l) => l.startsWith('src: migrate --live'))
    expect(measuredAt, 'measured').to.be.greaterThan(-1)
    expect(measuredAt, 'right before the migration').to.equal(migratedAt - 1)
    expect(s.world.dirtyRateCalls).to.deep.equal([{host: 'src', guest: 'linux01', seconds: 1, mode: 'dirty-bitmap'}])
    expect(j.migration?.dirtyRate).to.include({kind: 'measured', bytesPerSecond: 8 * MiB})
    const expected = predictMigration({...s.plan.prediction.scenario, dirtyBytesPerSecond: 8 * MiB})
    // no QEMU pid file for the guest in this world: the RAM stays the guest's size
    expect(j.migration?.residentMemory).to.include({kind: 'not-measurable', reason: 'no-process'})
    expect(j.migration?.prediction).to.deep.equal({
      basis: 'measured-before-migrate',
      dirtyRate: j.migration?.dirtyRate,
      ramBytes: s.plan.prediction.scenario.ramBytes,
      result: expected,
    })
    const report = migrationReport(j)
    expect(report.prediction?.basis).to.equal('measured-before-migrate')
    expect(report.prediction?.predicted.totalSeconds).to.equal(expected.totalSeconds)
    expect(report.prediction?.actual.downtimeMs).to.equal(27)
    expect(report.prediction?.actual.migrateSeconds).to.be.a('number')
    expect(report.prediction?.totalErrorPercent).to.be.a('number')
    const text = renderMigrationReport(report)
    expect(text).to.include('finish reason: completed — the guest runs on the destination (verified)')
    expect(text).to.match(/predicted \(with what was measured right before the migration; dirty rate 8 MiB\/s \(measured .*\): converges: about /)
    expect(text).to.match(/actual: virsh migrate took .*, downtime 27 ms \(total -?\d+(\.\d)? % against the prediction\)/)
    expect(
      s.events.some((e) => e.type === 'notice' && /dirty rate 8 MiB\/s \(measured now\), 4 GiB of RAM to send; predicted: about/.test(e.message)),
    ).to.equal(true)
  })

  it('measures as many windows as the sampling says, right before virsh migrate, all before it', async () => {
    const s = setup({migration: {bandwidthMiB: 64}, dirtyRateMiB: 8})
    dirs.push(s.dir)
    const j = await s.apply(s.journal, {dirtyRate: {seconds: 2, windows: 3}})
    expect(s.world.dirtyRateCalls).to.deep.equal(Array.from({length: 3}, () => ({host: 'src', guest: 'linux01', seconds: 2, mode: 'dirty-bitmap'})))
    expect(j.migration?.dirtyRate).to.deep.include({kind: 'measured', bytesPerSecond: 8 * MiB, seconds: 2, windowBytesPerSecond: [8, 8, 8].map((r) => r * MiB)})
    const measuredAt = s.world.log.indexOf(`src: dirty-rate ${domain.uuid}`)
    expect(measuredAt).to.equal(s.world.log.findIndex((l) => l.startsWith('src: migrate --live')) - 1)
  })

  it('a guest that writes in bursts: the highest window and the average both go into the prediction', async () => {
    const s = setup({migration: {bandwidthMiB: 64}, dirtyRateMiB: [2, 36, 4]})
    dirs.push(s.dir)
    if (s.plan.prediction?.kind !== 'predicted') throw new Error('the plan should predict')
    const j = await s.apply(s.journal, {dirtyRate: {seconds: 1, windows: 3}})
    expect(j.migration?.dirtyRate).to.deep.include({bytesPerSecond: 36 * MiB, windowBytesPerSecond: [2, 36, 4].map((r) => r * MiB)})
    const scenario = {...s.plan.prediction.scenario, dirtyBytesPerSecond: 36 * MiB, averageDirtyBytesPerSecond: 14 * MiB}
    expect(j.migration?.prediction?.result).to.deep.equal(predictMigration(scenario))
    expect(j.migration?.prediction?.result.totalSeconds, 'the time at the average').to.be.below(
      predictMigration({...scenario, averageDirtyBytesPerSecond: undefined}).totalSeconds ?? 0,
    )
    expect(
      s.events.some((e) => e.type === 'notice' && /dirty rate 36 MiB\/s \(measured now\)/.test(e.message)),
      'the notice',
    ).to.equal(true)
  })

  it("a measurement libvirt refuses: the plan's prediction stands, with its basis", async () => {
    const s = setup({migration: {bandwidthMiB: 64}})
    dirs.push(s.dir)
    s.world.failWhen = (host, argv) => (host === 'src' && argv[3] === 'domdirtyrate-calc' ? {stderr: "error: unknown command: 'domdirtyrate-calc'"} : undefined)
    const j = await s.apply()
    expect(j.status).to.equal('succeeded')
    expect(j.migration?.dirtyRate).to.include({kind: 'not-measurable', reason: 'command-unknown'})
    expect(j.migration?.prediction?.basis).to.equal('plan')
    expect(j.migration?.prediction?.dirtyRate).to.deep.equal({kind: 'not-measured'})
    expect(renderMigrationReport(migrationReport(j))).to.include("predicted (the plan's; dirty rate not measured: assumes 0")
  })

  it('without a bandwidth: nothing is measured and the report has no prediction', async () => {
    const s = setup()
    dirs.push(s.dir)
    const j = await s.apply()
    expect(s.world.dirtyRateCalls).to.deep.equal([])
    expect(s.world.log.some((l) => l.includes('dirty-rate'))).to.equal(false)
    expect(j.migration?.prediction).to.equal(undefined)
    expect(migrationReport(j).prediction).to.equal(undefined)
  })
})
