// When migrate --plan refuses an evacuation plan, and what it does with a guest that goes stale on
// the way: hostile edits are refused before any host is contacted (exit 5, or 2 for a value out of
// its domain) and write no journal; a world changed since the file was written refuses the whole
// file before anything moves; a guest whose destination changed under it by its turn stays
// (outcome stale, exit 5) while the others move; an evacuation killed half-way resumes from its
// evacuation journal with the reviewed plans. Built CLI over real SSH (test/support/test-driver-site.ts).
import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse, stringify} from 'yaml'
import {evacuationFingerprint} from '../../src/plan/evacuation-plan.js'
import {stepsFingerprint} from '../../src/plan/fingerprint.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import {startCli, zm} from '../support/lab-cli.js'
import {lastJson} from '../support/ndjson.js'
import {DB01, domainXml, SITE_TREES, startSite, WEB01, type TestSite, type World} from '../support/test-driver-site.js'

const refit = (doc: any) => (doc.fingerprint = evacuationFingerprint(doc))
const refitSteps = (g: any) => (g.plan.fingerprints.steps = stepsFingerprint(g.plan.steps))
const migrateStep = (g: any) => g.plan.steps.find((s: any) => s.kind === 'migrate')

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('migrate --plan refuses a changed evacuation plan, and a guest gone stale stays (built CLI, real SSH)', function () {
  this.timeout(120_000)
  let site: TestSite
  before(async () => (site = await startSite(SITE_TREES)))
  after(async () => site?.stop())

  /** A world with web01 and db01 on zlpar1 and the evacuation plan of zlpar1 to the whole site: db01, then web01, both to zlpar3, one arriving at a time. */
  async function planned(): Promise<{w: World; file: string; doc: any}> {
    const w = site.world({zlpar1: [WEB01, DB01]})
    const file = join(w.dir, 'evac.json')
    const r = await zm(['evacuate', 'zlpar1', '-o', file, '--incoming', '1', '--profile', w.profile], w.env)
    expect(r.exitCode, r.stderr).to.equal(0)
    const doc = JSON.parse(readFileSync(file, 'utf8'))
    expect(doc.guests.map((g: any) => `${g.order} ${g.name} ${g.destination}`)).to.deep.equal(['1 db01 zlpar3', '2 web01 zlpar3'])
    return {w, file, doc}
  }

  describe('a hostile or damaged file: refused before any host is contacted, no journal written', () => {
    let w: World
    let original: any
    before(async () => ({w, doc: original} = await planned()))

    const cases: [string, (doc: any) => void, number, RegExp][] = [
      ['a changed destination', (d) => (d.guests[0].destination = 'zlpar2'), 5, /was edited: its content does not match its fingerprint/],
      [
        'a changed destination, document fingerprint recomputed',
        (d) => ((d.guests[0].destination = 'zlpar2'), refit(d)),
        5,
        /db01 is placed on zlpar2 but its plan moves it to zlpar3/,
      ],
      [
        "a changed destination in the entry and in its plan, every fingerprint recomputed: the migration still goes to zlpar3's URI",
        (d) => ((d.guests[0].destination = 'zlpar2'), (d.guests[0].plan.destination.host = 'zlpar2'), refit(d)),
        5,
        /the plan for db01 migrates from its source to qemu\+ssh:\/\/root@zlpar3\.test\/system, which is not the migration URI of zlpar2/,
      ],
      ['a changed step', (d) => (migrateStep(d.guests[1]).migrate.mode = 'offline'), 5, /its content does not match its fingerprint/],
      [
        'a changed step, document fingerprint recomputed',
        (d) => ((migrateStep(d.guests[1]).migrate.mode = 'offline'), refit(d)),
        5,
        /the plan for web01 was edited: its steps do not match their fingerprint/,
      ],
      [
        "a changed step with the guest plan's fingerprint recomputed, not the document's",
        (d) => ((migrateStep(d.guests[1]).migrate.mode = 'offline'), refitSteps(d.guests[1])),
        5,
        /its content does not match its fingerprint/,
      ],
      ['an added guest', (d) => d.guests.push({...structuredClone(d.guests[1]), order: 3}), 5, /its content does not match its fingerprint/],
      [
        'an added guest, fingerprint recomputed',
        (d) => (d.guests.push({...structuredClone(d.guests[1]), order: 3}), refit(d)),
        5,
        /web01 \(.*\) is listed twice/,
      ],
      ['a removed guest', (d) => d.guests.pop(), 5, /its content does not match its fingerprint/],
      ['a reordered guest', (d) => ([d.guests[0].order, d.guests[1].order] = [2, 1]), 5, /its content does not match its fingerprint/],
      ['two guests of one order, fingerprint recomputed', (d) => ((d.guests[1].order = 1), refit(d)), 5, /two guests have order 1/],
      [
        'a migration towards a URI not in the profile, every fingerprint recomputed',
        (d) => ((migrateStep(d.guests[0]).migrate.destinationUri = 'qemu+ssh://attacker.example/system'), refitSteps(d.guests[0]), refit(d)),
        5,
        /migrates from its source to qemu\+ssh:\/\/attacker\.example\/system, which is not the migration URI of zlpar3/,
      ],
      ['a guest UUID that is not one', (d) => (d.guests[0].uuid = '--all'), 2, /guests\.0\.uuid: a UUID/],
      [
        'a step value out of its domain',
        (d) => (migrateStep(d.guests[0]).migrate.copyDisks = ['vda,vdb']),
        2,
        /guests\.0\.plan\.steps\.\d+\.migrate\.copyDisks\.0: a disk target/,
      ],
      ['a window cap of 0', (d) => (d.caps.site = 0), 2, /caps\.site/],
      ['a document without its fingerprint', (d) => delete d.fingerprint, 2, /fingerprint/],
    ]
    for (const [what, edit, exitCode, message] of cases) {
      it(`${what}: exit ${exitCode}`, async () => {
        const doc = structuredClone(original)
        edit(doc)
        const file = join(w.dir, 'edited.json')
        writeFileSync(file, JSON.stringify(doc, null, 2))
        const r = await zm(['migrate', '--plan', file, '--profile', w.profile, '--json'], w.env)
        expect(r.exitCode, r.stdout + r.stderr).to.equal(exitCode)
        const {error} = JSON.parse(r.stdout)
        expect(error.code).to.equal(exitCode === 5 ? 'E_STALE_PLAN' : 'E_PLAN_FILE')
        expect(error.message).to.match(message)
        expect(existsSync(w.dataDir), 'no journal written').to.equal(false)
        expect(w.guestsOn('zlpar1')).to.deep.equal(['web01', 'db01'])
      })
    }

    it('a placement the profile does not allow now (web01 excluded from zlpar3 since): exit 5', async () => {
      const profile = parse(readFileSync(w.profile, 'utf8'))
      profile.placement = {guests: {web01: {exclude: ['zlpar3']}}}
      const changed = join(w.dir, 'excluded.yaml')
      writeFileSync(changed, stringify(profile))
      const file = join(w.dir, 'evac.json')
      const r = await zm(['migrate', '--plan', file, '--profile', changed], w.env)
      expect(r.exitCode, r.stderr).to.equal(5)
      expect(r.stderr).to.match(/the evacuation plan for zlpar1 places web01 on zlpar3 \(excluded by the profile\), which .*excluded\.yaml does not allow/)
      expect(r.stderr).to.include('remedy: Do not edit plan files: run zmigrate evacuate zlpar1 -o FILE again and review the new plan.')
      expect(existsSync(w.dataDir)).to.equal(false)
    })
  })

  it('stale before anything moves: the whole file is refused (exit 5), naming each stale guest and why; nothing changed', async () => {
    const {w, file} = await planned()
    // since the file was written: web01 got more memory, db01 was undefined on zlpar1
    writeFileSync(w.nodeFile('zlpar1'), `<node>\n${domainXml({...WEB01, memoryMiB: 4096})}</node>\n`)
    const r = await zm(['migrate', '--plan', file, '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stdout + r.stderr).to.equal(5)
    const {error} = JSON.parse(r.stdout)
    expect(error.code).to.equal('E_STALE_PLAN')
    expect(error.message).to.match(/^the evacuation plan for zlpar1 \(.*\) is stale for 2 of 2 guests, so nothing was moved: /)
    expect(error.message).to.include('db01 is no longer on zlpar1')
    expect(error.message).to.match(/plan for web01 \(.*\) is stale: web01's domain XML changed/)
    expect(error.remedy).to.equal('Run zmigrate evacuate zlpar1 -o FILE again and review the new plan.')
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01'])
    expect(w.guestsOn('zlpar3')).to.deep.equal([])
    expect(existsSync(w.dataDir), 'no journal written').to.equal(false)
  })

  it("stale at its turn: the first guest's arrival leaves zlpar3 too little memory for the second, which stays (stale, exit 5)", async () => {
    const {w, file, doc} = await planned()
    const meminfo = join(w.root('zlpar3'), 'proc/meminfo')
    const available = /MemAvailable:\s+\d+ kB/.exec(readFileSync(meminfo, 'utf8'))?.[0] ?? ''
    expect(available).to.not.equal('')
    w.onMigrate(DB01.uuid, {edits: [{file: meminfo, from: available, to: 'MemAvailable:     1048576 kB'}]})
    const r = await zm(['migrate', '--plan', file, '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr + r.stdout.slice(-2000)).to.equal(5)
    const report = evacuationReportSchema.strict().parse(lastJson(r.stdout))
    expect(report.plan?.fingerprint).to.equal(doc.fingerprint)
    expect([report.ok, report.status]).to.deep.equal([false, 'finished'])
    expect(report.guests.map((g) => [g.name, g.outcome])).to.deep.equal([
      ['db01', 'migrated'],
      ['web01', 'stale'],
    ])
    expect(report.guests[1].reason).to.match(/^its reviewed plan no longer applies: web01: 1 blocker — dest-memory/)
    expect(report.guests[1].journal).to.equal(undefined)
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01'])
    expect(w.guestsOn('zlpar3')).to.deep.equal(['db01'])
    // resuming changes nothing: the stale guest needs a new plan
    const again = await zm(['evacuate', '--resume', report.journal, '--profile', w.profile, '--json'], w.env)
    expect(again.exitCode, again.stderr).to.equal(5)
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01'])
  })

  it('killed half-way (SIGKILL): evacuate --resume finishes it, each guest on its reviewed plan, within the caps of the file', async () => {
    const {w, file, doc} = await planned()
    const started = join(w.dir, 'db01.started')
    const done = join(w.dir, 'db01.done')
    w.onMigrate(DB01.uuid, {started, done, sleepMs: 1500})
    const child = startCli(['migrate', '--plan', file, '--profile', w.profile, '--json'], w.env)
    await until('db01 to start migrating', () => existsSync(started))
    child.kill('SIGKILL')
    const killed = await child
    expect(killed.signal).to.equal('SIGKILL')
    // the host finishes the migration it was given
    await until('db01 to arrive on zlpar3', () => existsSync(done))
    const [name] = readdirSync(join(w.dataDir, 'evacuations'))
    const journalFile = join(w.dataDir, 'evacuations', name)
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'))
    expect(journal.plan).to.deep.equal({file, fingerprint: doc.fingerprint, caps: doc.caps})
    expect(journal.guests.map((g: any) => [g.name, g.state, Boolean(g.journal)])).to.deep.equal([
      ['db01', 'running', true],
      ['web01', 'pending', false],
    ])
    const flags = await zm(['evacuate', '--resume', journalFile, '--max', '2', '--profile', w.profile], w.env)
    expect(flags.exitCode).to.equal(2)
    expect(flags.stderr).to.match(/runs the plan file .*evac\.json, whose window caps apply \(site 4, outgoing 4, incoming 1\)/)

    const r = await zm(['evacuate', '--resume', journalFile, '--profile', w.profile, '--json'], w.env)
    expect(r.exitCode, r.stderr + r.stdout.slice(-2000)).to.equal(0)
    const report = evacuationReportSchema.strict().parse(lastJson(r.stdout))
    expect(report.plan).to.deep.equal({file, fingerprint: doc.fingerprint})
    expect(report.guests.map((g) => [g.name, g.outcome])).to.deep.equal([
      ['db01', 'migrated'],
      ['web01', 'migrated'],
    ])
    expect(w.guestsOn('zlpar3')).to.deep.equal(['db01', 'web01'])
    const web01 = JSON.parse(readFileSync(report.guests[1].journal ?? '', 'utf8'))
    expect(web01.plan).to.deep.equal(doc.guests[1].plan)
  })

  it('--resume refuses a plan file that is no longer the one the evacuation began with (exit 5)', async () => {
    const {w, file, doc} = await planned()
    w.onMigrate(DB01.uuid, {started: join(w.dir, 'started'), done: join(w.dir, 'done'), sleepMs: 1500})
    const child = startCli(['migrate', '--plan', file, '--profile', w.profile], w.env)
    await until('db01 to start migrating', () => existsSync(join(w.dir, 'started')))
    child.kill('SIGKILL')
    await child
    await until('db01 to arrive', () => existsSync(join(w.dir, 'done')))
    const edited = structuredClone(doc)
    edited.guests[1].why = 'changed after the evacuation began'
    refit(edited)
    writeFileSync(file, JSON.stringify(edited, null, 2))
    const [name] = readdirSync(join(w.dataDir, 'evacuations'))
    const r = await zm(['evacuate', '--resume', join(w.dataDir, 'evacuations', name), '--profile', w.profile], w.env)
    expect(r.exitCode, r.stderr).to.equal(5)
    expect(r.stderr).to.match(/evac\.json is not the evacuation plan this evacuation was started with/)
    expect(w.guestsOn('zlpar1')).to.deep.equal(['web01'])
  })
})
