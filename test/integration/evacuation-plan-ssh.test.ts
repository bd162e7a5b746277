// The evacuation as one reviewable plan file, through the built CLI over real SSH (one sshd per
// host, recorded trees, libvirt's test driver; test/support/test-driver-site.ts moves guests
// between the hosts' node files): evacuate -o writes it and changes nothing, migrate --plan runs
// it as evacuate would, each guest its own reviewed plan, and records it in the evacuation journal.
import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {readPlanDocument} from '../../src/app/plan-file.js'
import {evacuationPlanSchema} from '../../src/plan/evacuation-schema.js'
import {evacuationFingerprint} from '../../src/plan/evacuation-plan.js'
import {stepsFingerprint} from '../../src/plan/fingerprint.js'
import {planSchema} from '../../src/plan/schema.js'
import {evacuateDryRunSchema, returnDryRunSchema} from '../../src/report/dry-run-report.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import {EvacuationRecorder, newEvacuationJournal} from '../../src/run/evacuation-journal.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {zm} from '../support/lab-cli.js'
import {lastJson} from '../support/ndjson.js'
import {DB01, SITE_TREES, startSite, WEB01, type TestSite, type World} from '../support/test-driver-site.js'

describe('evacuate -o and migrate --plan with an evacuation plan (built CLI, real SSH)', function () {
  this.timeout(120_000)
  let site: TestSite
  before(async () => (site = await startSite(SITE_TREES)))
  after(async () => site?.stop())

  const fresh = () => site.world({zlpar1: [WEB01, DB01]})
  const nodes = (w: World) => Object.fromEntries(Object.keys(SITE_TREES).map((h) => [h, readFileSync(w.nodeFile(h), 'utf8')]))

  it('evacuate -o writes the evacuation as one fingerprinted file (0600), prints it with --json, and changes nothing', async () => {
    const w = fresh()
    const before = nodes(w)
    const file = join(w.dir, 'zlpar1.evacuation.json')
    const r = await zm(
      ['evacuate', 'zlpar1', '--to', 'zlpar2,zlpar3,zlpar4', '--max', '3', '--incoming', '1', '-o', file, '--profile', w.profile, '--json'],
      w.env,
    )
    expect(r.exitCode, r.stderr + r.stdout).to.equal(0)
    const doc = evacuationPlanSchema.strict().parse(JSON.parse(readFileSync(file, 'utf8')))
    expect(JSON.parse(r.stdout)).to.deep.equal(doc)
    expect(statSync(file).mode & 0o777).to.equal(0o600)
    expect([doc.kind, doc.formatVersion, doc.host, doc.destinations]).to.deep.equal(['evacuation-plan', 1, 'zlpar1', ['zlpar2', 'zlpar3', 'zlpar4']])
    expect(doc.caps).to.deep.equal({site: 3, outgoing: 3, incoming: 1}) // --max 3: no host above the site
    expect(doc.profile.file).to.equal(w.profile)
    // db01 is blocked on zlpar2 and zlpar4; web01 is ready on zlpar3 without actions, so both go there
    expect(doc.guests.map((g) => [g.order, g.name, g.uuid, g.destination])).to.deep.equal([
      [1, 'db01', DB01.uuid, 'zlpar3'],
      [2, 'web01', WEB01.uuid, 'zlpar3'],
    ])
    for (const g of doc.guests) {
      const plan = planSchema.strict().parse(g.plan)
      expect([plan.guest.name, plan.source.host, plan.destination.host]).to.deep.equal([g.name, 'zlpar1', 'zlpar3'])
      expect(plan.fingerprints.steps).to.equal(stepsFingerprint(plan.steps))
      expect(plan.steps.map((s) => s.kind)).to.deep.equal(['migrate', 'verify'])
      expect(plan.createdAt).to.equal(doc.createdAt)
    }
    expect(doc.fingerprint).to.equal(evacuationFingerprint(doc))
    // read back through the reader migrate --plan uses: the same document, the same fingerprint
    const read = await readPlanDocument(file)
    if (read.kind !== 'evacuation') throw new Error(`read back as a ${read.kind} plan`)
    expect(read.plan).to.deep.equal(doc)
    expect(evacuationFingerprint(read.plan)).to.equal(doc.fingerprint)
    expect(nodes(w)).to.deep.equal(before)
    expect(existsSync(w.dataDir), 'no journal written').to.equal(false)
  })

  it('the guests that stay are in the file with the reasons per destination; --dry-run -o writes it too; human output says how to apply it', async () => {
    const w = fresh()
    const file = join(w.dir, 'evac.json')
    const r = await zm(['evacuate', 'zlpar1', '--to', 'zlpar2,zlpar4', '--dry-run', '-o', file, '--profile', w.profile], w.env)
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stdout).to.include(`Evacuation plan written to ${file}: 1 guest to move (each with its own steps), 1 staying. Nothing was changed.`)
    expect(r.stdout).to.include(`Apply it with: zmigrate migrate --plan ${file}`)
    const doc = evacuationPlanSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
    // web01 goes to zlpar2 with its aliases set online there first; db01 has nowhere to go
    expect(doc.guests.map((g) => [g.name, g.destination])).to.deep.equal([['web01', 'zlpar2']])
    expect(doc.guests[0].plan.steps.map((s) => s.kind)).to.deep.equal(['set-dasd-online', 'migrate', 'verify'])
    expect(doc.stays.map((s) => [s.name, s.uuid, s.nowhere.map((n) => n.destination)])).to.deep.equal([['db01', DB01.uuid, ['zlpar2', 'zlpar4']]])
    expect(doc.stays[0].nowhere.every((n) => n.reasons.some((x) => x.code === 'blocked'))).to.equal(true)
    expect(existsSync(w.dataDir)).to.equal(false)
  })

  it('an evacuation where no guest can move asks nothing, moves nothing, and exits 1 with who stays and why (not 0, "cancelled")', async () => {
    const w = site.world({zlpar1: [DB01]})
    const before = nodes(w)
    const r = await zm(['evacuate', 'zlpar1', '--to', 'zlpar2,zlpar4', '--yes', '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr + r.stdout.slice(-1000)).to.equal(1)
    const report = evacuationReportSchema.strict().parse(lastJson(r.stdout))
    expect([report.ok, report.guests.length, report.stays.map((x) => x.name)]).to.deep.equal([false, 0, ['db01']])
    expect(nodes(w)).to.deep.equal(before)
  })

  it('evacuate --dry-run --json prints the placement its JSON Schema describes', async () => {
    const w = fresh()
    const r = await zm(['evacuate', 'zlpar1', '--to', 'zlpar2,zlpar4', '--dry-run', '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr).to.equal(0)
    const out = evacuateDryRunSchema.strict().parse(JSON.parse(r.stdout))
    expect(out.placements.map((p) => [p.kind, p.guest])).to.have.deep.members([
      ['placed', 'web01'],
      ['nowhere', 'db01'],
    ])
  })

  it('migrate --plan runs the evacuation plan: --dry-run checks it, then every guest moves on its reviewed plan; the journal records the file', async () => {
    const w = fresh()
    const file = join(w.dir, 'evac.json')
    expect((await zm(['evacuate', 'zlpar1', '--to', 'site', '--incoming', '1', '-o', file, '--profile', w.profile], w.env)).exitCode).to.equal(0)
    const doc = evacuationPlanSchema.parse(JSON.parse(readFileSync(file, 'utf8')))

    const dry = await zm(['migrate', '--plan', file, '--dry-run', '--profile', w.profile], w.env)
    expect(dry.exitCode, dry.stderr).to.equal(0)
    expect(dry.stdout).to.match(/^Evacuation plan: zlpar1 — site itest/)
    expect(dry.stdout).to.include("Dry run: the evacuation plan is intact and every guest's steps are what a fresh plan computes now; nothing was changed.")
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01', 'db01'])
    expect(existsSync(w.dataDir)).to.equal(false)

    const r = await zm(['migrate', '--plan', file, '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr + r.stdout.slice(-2000)).to.equal(0)
    const lines = r.stdout.trim().split('\n')
    const report = evacuationReportSchema.strict().parse(lastJson(r.stdout))
    expect(report.plan).to.deep.equal({file, fingerprint: doc.fingerprint})
    expect([report.ok, report.status, report.purpose, report.host]).to.deep.equal([true, 'finished', 'evacuate', 'zlpar1'])
    expect(report.guests.map((g) => [g.name, g.destination, g.order, g.outcome])).to.deep.equal([
      ['db01', 'zlpar3', 1, 'migrated'],
      ['web01', 'zlpar3', 2, 'migrated'],
    ])
    // incoming 1: one after the other into zlpar3
    expect(report.peak).to.equal(1)
    expect(lines.slice(0, -1).every((l) => typeof JSON.parse(l).guest === 'string')).to.equal(true)
    expect(w.guestsOn('zlpar1')).to.deep.equal([])
    expect(w.guestsOn('zlpar3')).to.deep.equal(['db01', 'web01'])
    // the evacuation journal records the plan file and its fingerprint; each guest ran its reviewed plan
    const journal = JSON.parse(readFileSync(report.journal, 'utf8'))
    expect(journal.plan).to.deep.equal({file, fingerprint: doc.fingerprint, caps: doc.caps})
    for (const g of report.guests) {
      const guestJournal = JSON.parse(readFileSync(g.journal ?? '', 'utf8'))
      expect(guestJournal.plan).to.deep.equal(doc.guests.find((x) => x.name === g.name)?.plan)
    }

    // and return --dry-run --json, from the evacuation it recorded, as its JSON Schema describes
    const back = await zm(['return', 'zlpar1', '--dry-run', '--profile', w.profile, '--json'], w.env)
    expect(back.exitCode, back.stderr).to.equal(0)
    const verdicts = returnDryRunSchema.strict().parse(JSON.parse(back.stdout)).verdicts
    expect(verdicts.map((v) => [v.kind, v.guest, v.kind === 'return' ? v.from : ''])).to.deep.equal([
      ['return', 'db01', 'zlpar3'],
      ['return', 'web01', 'zlpar3'],
    ])
  })

  it('a return where no guest can come back moves nothing and exits 1 with who stays and why (as evacuate), not 0', async () => {
    const w = site.world({zlpar1: []})
    const gone = {name: 'ghost01', uuid: '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b0f', home: 'zlpar1', source: 'zlpar1', destination: 'zlpar3', order: 1}
    const journal = newEvacuationJournal({purpose: 'evacuate', host: 'zlpar1', guests: [gone], stays: []}, w.dataDir)
    journal.guests[0].state = 'migrated'
    journal.status = 'finished'
    await new EvacuationRecorder(journal).save()
    const before = nodes(w)
    const r = await zm(['return', 'zlpar1', '--yes', '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr + r.stdout.slice(-1000)).to.equal(1)
    const report = evacuationReportSchema.strict().parse(lastJson(r.stdout))
    expect([report.ok, report.purpose, report.guests.length]).to.deep.equal([false, 'return', 0])
    expect(report.stays.map((x) => [x.name, x.reasons[0]?.split(':')[0]])).to.deep.equal([['ghost01', 'gone']])
    expect(nodes(w)).to.deep.equal(before)
  })

  it('a single-guest plan file still works with migrate --plan, unchanged', async () => {
    const w = fresh()
    const file = join(w.dir, 'web01.plan.json')
    const planned = await zm(['plan', 'web01', '--from', 'zlpar1', '--to', 'zlpar2', '-o', file, '--profile', w.profile], w.env)
    expect(planned.exitCode, planned.stderr).to.equal(0)
    const dry = await zm(['migrate', '--plan', file, '--dry-run', '--profile', w.profile, '--json'], w.env)
    expect(dry.exitCode, dry.stderr).to.equal(0)
    expect(JSON.parse(dry.stdout).plan.guest.name).to.equal('web01')
    // its first step sets web01's DASD aliases online on zlpar2 (in zlpar2's tree), some offline now
    const online = planSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).steps.flatMap((s) => (s.kind === 'set-dasd-online' ? s.busIds : []))
    const state = () => online.map((id) => readFileSync(join(w.root('zlpar2'), 'sys/bus/ccw/devices', id, 'online'), 'utf8'))
    expect(state()).to.include('0\n')
    const r = await zm(['migrate', '--plan', file, '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr + r.stdout.slice(-2000)).to.equal(0)
    const report = migrationReportSchema.parse(lastJson(r.stdout))
    expect([report.outcome, report.guest]).to.deep.equal(['migrated', 'web01'])
    expect(w.guestsOn('zlpar2')).to.deep.equal(['web01'])
    expect(state().every((v) => v === '1\n')).to.equal(true)
    expect(readdirSync(join(w.dataDir, 'journals'))).to.have.length(1)
    expect(existsSync(join(w.dataDir, 'evacuations'))).to.equal(false)
  })
})
