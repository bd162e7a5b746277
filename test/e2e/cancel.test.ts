// End-to-end on the lab: zmigrate status sees a migration (and an evacuation) in flight with the
// hosts' jobs, and zmigrate cancel from a second process stops it: the run rolls back, its report
// says "cancelled by user", and the guest runs on its source with its data (heartbeat and records).
// The migrations are slowed by the profile's bandwidth (8 MiB/s) so that there is time to look.
import {expect} from 'chai'
import {consoleLogPath, proveSurvival, readHeartbeats} from '../../lab/proof.js'
import {cancelReportSchema} from '../../src/report/cancel-report.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import {statusReportSchema, type StatusReport} from '../../src/report/status-report.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {guestState, hasDisk, labProfile, other, sendHome, startCli, whereAll, whereIs, zm, LAB, type LabHostName} from '../support/lab-cli.js'
import {dataDirPerTest, useLab} from '../support/lab-suite.js'
import {lastJson} from '../support/ndjson.js'

/** Resolves once the run's NDJSON shows a migration copying (a progress event). */
function firstProgress(child: ReturnType<typeof startCli>): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let buffer = ''
    let seen = false
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (seen || !line.includes('"type":"progress"')) continue
        seen = true
        resolve(JSON.parse(line))
      }
    })
  })
}

describe('@lab zmigrate status and cancel on the lab', function () {
  this.timeout(15 * 60_000)
  useLab({home: true})
  const {env} = dataDirPerTest('cancel')
  afterEach(async function () {
    this.timeout(300_000)
    await sendHome()
  })

  it('status shows zdemo in flight with its job; zmigrate cancel from another process rolls it back: "cancelled by user", zdemo alive on the source', async () => {
    const from: LabHostName = (await whereIs()) ?? 'zhost-a'
    const to = other(from)
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile], env())
    await firstProgress(child)

    const st = await zm(['status', 'zdemo', '--json', '--profile', profile], env())
    expect(st.exitCode, st.stderr).to.equal(0)
    const report: StatusReport = statusReportSchema.strict().parse(JSON.parse(st.stdout))
    const [m] = report.migrations
    expect([m.guest, m.from, m.to, m.state, m.inFlight]).to.deep.equal(['zdemo', from, to, 'running', true])
    expect(m.jobs?.source, JSON.stringify(m.jobs)).to.deep.include({host: from, state: 'active', operation: 'migration-out'})
    // libvirt keeps a migration's statistics on the source; the destination shows the job without them
    expect(['incoming', 'none', 'absent'], JSON.stringify(m.jobs)).to.include(m.jobs?.destination?.state)
    expect(m.progress?.dataTotal, JSON.stringify(m.progress)).to.be.greaterThan(0)
    const human = await zm(['status', '--profile', profile], env())
    expect(human.stdout).to.match(/In flight \(1\):/)
    console.log(`      status while zdemo migrates:\n${human.stdout.replace(/^/gm, '      | ')}`)

    const c = await zm(['cancel', 'zdemo', '--json'], env())
    expect(c.exitCode, c.stderr + c.stdout).to.equal(0)
    const cancel = cancelReportSchema.strict().parse(JSON.parse(c.stdout))
    expect([cancel.outcome, cancel.signal, cancel.finishReason]).to.deep.equal(['rolled-back', 'signalled', 'cancelled-by-user'])

    const r = await child
    expect(r.exitCode, String(r.stderr)).to.equal(1)
    const run = migrationReportSchema.strict().parse(lastJson(String(r.stdout)))
    expect(run.outcome).to.equal('rolled-back')
    expect(run.steps.find((s) => s.state === 'failed')?.error).to.match(/^cancelled by user \(\S+@\d+\) during \d\d-migrate/)
    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')
    expect(await hasDisk(from, 'vdb')).to.equal(true)
    const proof = await proveSurvival({host: from, guest: 'zdemo', lab: LAB, waitSeconds: 5})
    expect(proof.ok, JSON.stringify(proof, null, 1)).to.equal(true)

    const after = statusReportSchema.parse(JSON.parse((await zm(['status', 'zdemo', '--json', '--profile', profile], env())).stdout))
    expect(after.migrations.map((x) => [x.state, x.finishReason, x.cancelledBy])).to.deep.equal([['rolled-back', 'cancelled-by-user', cancel.request?.by]])
  })

  it('status shows the evacuation in flight; cancel --evacuation stops it: no new starts, the guest in flight rolled back and alive at home', async () => {
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['evacuate', 'zhost-a', '--max', '1', '--yes', '--json', '--profile', profile], env())
    const progress = await firstProgress(child)

    const st = statusReportSchema.parse(JSON.parse((await zm(['status', 'zhost-a', '--json', '--profile', profile], env())).stdout))
    expect(st.evacuations.map((e) => [e.purpose, e.host, e.state])).to.deep.equal([['evacuate', 'zhost-a', 'running']])
    expect(st.migrations.filter((m) => m.inFlight).map((m) => m.guest)).to.deep.equal([progress.guest])

    const c = await zm(['cancel', '--evacuation', 'zhost-a', '--json', '--wait', '600'], env())
    expect(c.exitCode, c.stderr + c.stdout).to.equal(0)
    const cancel = cancelReportSchema.strict().parse(JSON.parse(c.stdout))
    expect(cancel.outcome).to.equal('stopped')
    expect(cancel.guests?.map((g) => [g.name, g.outcome])).to.deep.equal([[progress.guest, 'rolled-back']])

    const r = await child
    expect(r.exitCode, String(r.stderr)).to.equal(1)
    const evac = evacuationReportSchema.strict().parse(lastJson(String(r.stdout)))
    expect(evac.stopReason).to.match(/^cancelled by user \(\S+@\d+\)$/)
    const where = await whereAll()
    for (const g of evac.guests) {
      // those moved before the cancel stand where they went; the one in flight and those not started are home
      if (g.outcome === 'migrated') expect(where.get(g.name)?.host, g.name).to.equal(g.destination)
      else {
        expect(['rolled-back', 'not-attempted'], g.name).to.include(g.outcome)
        expect(where.get(g.name)?.host, g.name).to.equal('zhost-a')
      }
    }
    // the guest that was in flight never left: its heartbeat goes on on zhost-a
    const log = consoleLogPath(LAB, 'a', String(progress.guest))
    const before = readHeartbeats(log).lastHeartbeat ?? 0
    for (let i = 0; i < 30 && (readHeartbeats(log).lastHeartbeat ?? 0) < before + 2; i++) await new Promise((res) => setTimeout(res, 250))
    expect(readHeartbeats(log).lastHeartbeat ?? 0, `${progress.guest}'s heartbeat on zhost-a`).to.be.at.least(before + 2)
  })
})
