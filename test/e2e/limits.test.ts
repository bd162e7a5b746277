// End-to-end on the lab: the prediction and the limits with a guest that writes. zdemo is restarted
// with zm.dirty=32 (lab/guest/init: it rewrites 32 MiB of its RAM every second, each page with other
// bytes; under TCG that is 10 to 16 MiB/s really written). At 4 MiB/s `check --measure` flags it as
// unable to converge before anything changes; at 8 MiB/s under max-total 20 s a migration runs into
// the limit, is cancelled (domjobabort) and rolled back with the finish reason max-total-exceeded,
// the guest running on its source with its data. zmigrate cancel and status: test/e2e/cancel.test.ts.
import {expect} from 'chai'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {checkReportSchema} from '../../src/report/check-report.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {guestState, hasDisk, labProfile, other, proveStayed, sendHome, whereIs, zm, type LabHostName} from '../support/lab-cli.js'
import {setDirty} from '../support/lab-guest.js'
import {dataDirPerTest, useLab} from '../support/lab-suite.js'
import {lastJson} from '../support/ndjson.js'

const MiB = 1024 * 1024

describe('@lab zmigrate prediction and limits with a guest that writes (zm.dirty=32)', function () {
  this.timeout(15 * 60_000)
  useLab({home: true})
  const data = dataDirPerTest('limits')
  const env = data.env
  const journals = () => readdirSync(join(data.path(), 'journals'), {withFileTypes: true}).filter((e) => e.isFile())

  before(async function () {
    this.timeout(300_000)
    await setDirty(32)
  })
  after(async function () {
    this.timeout(300_000)
    await setDirty(0)
    await sendHome()
  })

  it('check --measure flags zdemo as unable to converge at 4 MiB/s within max-total 30 s, before anything changes; without --measure it cannot know', async () => {
    const from: LabHostName = (await whereIs()) ?? 'zhost-a'
    const to = other(from)
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 4, 'max-total': 30, 'on-limit': 'cancel'}))

    const measured = await zm(['check', 'zdemo', '--from', from, '--to', to, '--measure', '--json', '--profile', profile], env())
    expect(measured.exitCode, measured.stderr).to.equal(1)
    const [guest] = checkReportSchema.strict().parse(JSON.parse(measured.stdout)).guests
    const finding = guest.findings.find((f) => f.rule === 'migration-may-not-converge')
    expect(finding, JSON.stringify(guest.findings.map((f) => f.rule))).to.include({severity: 'blocker', measured: true})
    // the profile's default sampling: the highest of three 1 s windows, each shown
    expect(finding?.message).to.match(/dirties \d+ MiB\/s \(page-sampling, highest of 3 windows of 1 s: ([\d.]+ \w*B\/s, ){3}at /)
    // a TCG guest: page-sampling (dirty-bitmap counts only KVM's dirty log and would say 0)
    expect(guest.dirtyRate).to.include({kind: 'measured', mode: 'page-sampling', seconds: 1})
    if (guest.dirtyRate?.kind === 'measured') expect(guest.dirtyRate.windowBytesPerSecond).to.have.length(3)
    if (guest.dirtyRate?.kind === 'measured') expect(guest.dirtyRate.bytesPerSecond).to.be.at.least(4 * MiB)
    // the RAM its QEMU has resident: more than the 32 MiB it rewrites, less than its 256 MiB
    expect(guest.residentMemory?.kind, JSON.stringify(guest.residentMemory)).to.equal('measured')
    if (guest.residentMemory?.kind === 'measured') expect(guest.residentMemory.bytes).to.be.within(32 * MiB, 256 * MiB)
    console.log(`      ${finding?.message}`)

    const unmeasured = await zm(['check', 'zdemo', '--from', from, '--to', to, '--json', '--profile', profile], env())
    expect(unmeasured.exitCode, unmeasured.stderr).to.equal(0)
    const plain = checkReportSchema.strict().parse(JSON.parse(unmeasured.stdout)).guests[0]
    expect(plain.findings.map((f) => f.rule)).to.not.include('migration-may-not-converge')
    expect(plain.dirtyRate).to.equal(undefined)

    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')
    expect(await hasDisk(from, 'vdb')).to.equal(true)
    expect(readdirSync(data.path()).includes('journals') ? journals() : []).to.deep.equal([])
  })

  it('max-total exceeded: the migration is cancelled and rolled back with finish reason max-total-exceeded, zdemo runs on its source with its data', async () => {
    const from: LabHostName = (await whereIs()) ?? 'zhost-a'
    const to = other(from)
    // no measurement in check: the plan cannot know the guest writes, so migrate starts; right before
    // virsh migrate it measures and predicts the cancel, and the runner enforces the limit
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8, 'max-total': 20, 'on-limit': 'cancel'}))
    const started = Date.now()
    const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile], env())
    const took = (Date.now() - started) / 1000
    expect(r.exitCode, r.stderr).to.equal(1)
    const report = migrationReportSchema.strict().parse(lastJson(r.stdout))
    expect([report.outcome, report.finishReason]).to.deep.equal(['rolled-back', 'max-total-exceeded'])
    expect(report.limit).to.include({limit: 'max-total', action: 'cancel', sent: true})
    expect(report.limit?.elapsedMs).to.be.within(20_000, 30_000)
    expect(report.steps.find((s) => s.state === 'failed')?.error).to.match(/longer than max-total 20 s: on-limit cancel aborted the migration/)
    expect(
      report.undo.every((u) => u.state === 'done'),
      JSON.stringify(report.undo),
    ).to.equal(true)
    // measured right before virsh migrate: the model saw it coming
    expect(report.prediction?.basis).to.equal('measured-before-migrate')
    expect(report.prediction?.predicted).to.include({outcome: 'cancelled', endedBy: 'max-total'})
    expect(took).to.be.below(90)

    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')
    expect(await hasDisk(from, 'vdb')).to.equal(true)
    await proveStayed(from)
    // runbooks key on it: the journal says the same
    const journal = lastJson(r.stdout).journal as string
    const text = (await zm(['status', 'zdemo', '--json', '--profile', profile], env())).stdout
    expect(JSON.parse(text).migrations.map((m: {finishReason?: string; journal?: string}) => [m.finishReason, m.journal])).to.deep.equal([
      ['max-total-exceeded', journal],
    ])
  })
})
