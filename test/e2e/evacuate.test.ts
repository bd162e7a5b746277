// End-to-end on the lab: empty zhost-a across zhost-b and zhost-c in a rolling window and bring its
// guests home; a destination's libvirtd killed mid-evacuation; zmigrate killed mid-evacuation and
// resumed. The guests are the lab's own (lab/up): zdemo, zweb and zapp running, each with a data
// disk that is copied (zdemo also with a host-local device that is detached), zidle shut off.
import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {consoleLogPath, readHeartbeats} from '../../lab/proof.js'
import {evacuationPlanSchema} from '../../src/plan/evacuation-schema.js'
import {evacuationReportSchema, type EvacuationReport} from '../../src/report/evacuation-report.js'
import {dataDirPerTest, useLab} from '../support/lab-suite.js'
import {lastJson} from '../support/ndjson.js'
import {
  guestState,
  hasDisk,
  IDLE_GUEST,
  lab,
  labProfile,
  onHost,
  RUNNING_GUESTS,
  sendHome,
  startCli,
  whereAll,
  zm,
  LAB,
  type LabHostName,
  proveAlive,
} from '../support/lab-cli.js'

const ALL = [...RUNNING_GUESTS, IDLE_GUEST].sort()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const prove = (guest: string, on: LabHostName, from: LabHostName) => proveAlive(on, {guest, from, waitSeconds: 10})

/** A guest that never left: still running on zhost-a, its heartbeat going on there. */
async function stillHome(guest: string) {
  expect(await guestState('zhost-a', guest), guest).to.equal('running')
  const log = consoleLogPath(LAB, 'a', guest)
  const before = readHeartbeats(log).lastHeartbeat ?? 0
  for (let i = 0; i < 30 && (readHeartbeats(log).lastHeartbeat ?? 0) < before + 2; i++) await sleep(250)
  expect(readHeartbeats(log).lastHeartbeat ?? 0, `${guest}'s heartbeat on zhost-a`).to.be.at.least(before + 2)
}

interface Interval {
  guest: string
  to: string
  start: number
  end: number
}

/** The NDJSON events of a run as they arrive: each guest's span from its first event to its last, and where it went. */
function watch(child: ReturnType<typeof startCli>, onEvent: (e: Record<string, unknown>) => void = () => {}) {
  const spans = new Map<string, Interval>()
  let buffer = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) {
      let e: Record<string, unknown>
      try {
        e = JSON.parse(line) as Record<string, unknown>
      } catch {
        continue
      }
      const guest = typeof e.guest === 'string' ? e.guest : undefined
      if (!guest) continue
      const now = Date.now()
      const span = spans.get(guest) ?? {guest, to: '', start: now, end: now}
      if (e.type === 'plan' && typeof e.to === 'string') span.to = e.to
      span.end = now
      spans.set(guest, span)
      onEvent(e)
    }
  })
  return spans
}

/** The most spans open at one instant, among those `select` keeps. */
function peak(spans: Iterable<Interval>, select: (s: Interval) => boolean = () => true): number {
  const edges = [...spans].filter(select).flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ])
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let open = 0
  let most = 0
  for (const [, d] of edges) most = Math.max(most, (open += d))
  return most
}

describe('@lab zmigrate evacuate and return (three hosts)', function () {
  this.timeout(15 * 60_000)
  useLab({home: true})
  const data = dataDirPerTest('evac')

  afterEach(async function () {
    this.timeout(300_000)
    for (const h of ['zhost-b', 'zhost-c']) await lab('fault', 'heal', h)
    await sendHome()
  })

  it('empties zhost-a across zhost-b and zhost-c within the caps, every guest alive with its data; return brings them home', async () => {
    const child = startCli(['evacuate', 'zhost-a', '--to', 'site', '--max', '3', '--incoming', '1', '--yes', '--json'], data.env())
    const spans = watch(child)
    const r = await child
    expect(r.exitCode, String(r.stderr) + String(r.stdout).slice(-1500)).to.equal(0)
    const report = evacuationReportSchema.strict().parse(lastJson(String(r.stdout)))
    expect(report.guests.map((g) => g.name).sort()).to.deep.equal(ALL)
    expect(report.guests.every((g) => g.outcome === 'migrated' && g.home === 'zhost-a')).to.equal(true)
    const to = Object.fromEntries(report.guests.map((g) => [g.name, g.destination as LabHostName]))
    // spread over both destinations, within the caps: one arriving at each host at a time, so at most 2 at once of the 3 the site allows
    expect(new Set(Object.values(to))).to.deep.equal(new Set(['zhost-b', 'zhost-c']))
    expect(report.peak).to.equal(2)
    expect(peak(spans.values())).to.be.at.most(2)
    for (const d of ['zhost-b', 'zhost-c'])
      expect(
        peak(spans.values(), (s) => s.to === d),
        `incoming to ${d}`,
      ).to.be.at.most(1)
    // zhost-a is empty; each guest where it was placed, alive with its data
    expect((await onHost('zhost-a', ['virsh', '-c', 'qemu:///system', 'list', '--all', '--name'])).stdout.trim()).to.equal('')
    for (const g of RUNNING_GUESTS) {
      expect(await guestState(to[g], g), g).to.equal('running')
      await prove(g, to[g], 'zhost-a')
    }
    expect(await guestState(to[IDLE_GUEST], IDLE_GUEST)).to.equal('shut off')
    expect(await hasDisk(to.zdemo, 'vdb')).to.equal(true)

    const back = await zm(['return', 'zhost-a', '--yes', '--json'], data.env())
    expect(back.exitCode, back.stderr + back.stdout.slice(-1500)).to.equal(0)
    const returned = evacuationReportSchema.parse(lastJson(back.stdout))
    expect(returned.purpose).to.equal('return')
    expect(returned.guests.map((g) => [g.name, g.destination, g.outcome]).sort()).to.deep.equal(ALL.map((g) => [g, 'zhost-a', 'migrated']))
    for (const g of RUNNING_GUESTS) await prove(g, 'zhost-a', to[g])
    expect(await guestState('zhost-a', IDLE_GUEST)).to.equal('shut off')
    const again = await zm(['return', 'zhost-a', '--dry-run', '--json'], data.env())
    expect(again.exitCode, again.stderr).to.equal(0)
    expect(
      lastJson(again.stdout)
        .verdicts.map((v: {kind: string; guest: string}) => `${v.kind} ${v.guest}`)
        .sort(),
    ).to.deep.equal(ALL.map((g) => `home ${g}`))
  })

  it('a reviewed evacuation plan file: evacuate -o changes nothing, an edited file is refused, migrate --plan moves every guest on its reviewed plan', async () => {
    const file = join(data.path(), 'zhost-a.evacuation.json')
    const o = await zm(['evacuate', 'zhost-a', '--to', 'site', '-o', file, '--json'], data.env())
    expect(o.exitCode, o.stderr).to.equal(0)
    const doc = evacuationPlanSchema.strict().parse(JSON.parse(readFileSync(file, 'utf8')))
    expect(doc.guests.map((g) => g.name).sort()).to.deep.equal(ALL)
    expect(new Set(doc.guests.map((g) => g.destination))).to.deep.equal(new Set(['zhost-b', 'zhost-c']))
    const where = await whereAll()
    expect(
      ALL.every((g) => where.get(g)?.host === 'zhost-a'),
      'nothing moved',
    ).to.equal(true)
    expect(existsSync(join(data.path(), 'evacuations')), 'no evacuation journal').to.equal(false)

    // a reviewer's edit: zweb to the other destination
    const edited = JSON.parse(readFileSync(file, 'utf8'))
    const zweb = edited.guests.find((g: {name: string}) => g.name === 'zweb')
    zweb.destination = zweb.destination === 'zhost-b' ? 'zhost-c' : 'zhost-b'
    writeFileSync(join(data.path(), 'edited.json'), JSON.stringify(edited))
    const refused = await zm(['migrate', '--plan', join(data.path(), 'edited.json'), '--json'], data.env())
    expect(refused.exitCode, refused.stderr + refused.stdout.slice(-800)).to.equal(5)
    expect((await whereAll()).get('zweb')?.host).to.equal('zhost-a')

    const r = await zm(['migrate', '--plan', file, '--json'], data.env())
    expect(r.exitCode, r.stderr + r.stdout.slice(-1500)).to.equal(0)
    const report = evacuationReportSchema.strict().parse(lastJson(r.stdout))
    expect(report.plan).to.deep.equal({file, fingerprint: doc.fingerprint})
    const planned = Object.fromEntries(doc.guests.map((g) => [g.name, g.destination]))
    expect(Object.fromEntries(report.guests.map((g) => [g.name, g.destination]))).to.deep.equal(planned)
    expect(report.guests.every((g) => g.outcome === 'migrated')).to.equal(true)
    for (const g of RUNNING_GUESTS) await prove(g, planned[g] as LabHostName, 'zhost-a')
    expect(await guestState(planned[IDLE_GUEST] as LabHostName, IDLE_GUEST)).to.equal('shut off')
  })

  it("a destination's libvirtd killed mid-evacuation: only the guests moving there stay (rolled back or not started), the rest move", async () => {
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['evacuate', 'zhost-a', '--yes', '--json', '--profile', profile], data.env())
    const toOf = new Map<string, string>()
    let killed: Promise<unknown> | undefined
    watch(child, (e) => {
      if (e.type === 'plan') toOf.set(String(e.guest), String(e.to))
      // the moment a migration towards zhost-c is copying
      if (!killed && e.type === 'progress' && toOf.get(String(e.guest)) === 'zhost-c') killed = lab('fault', 'kill-libvirtd', 'zhost-c')
    })
    const r = await child
    expect(killed, 'a migration to zhost-c was seen in flight').to.not.equal(undefined)
    expect((await killed) as {exitCode: number}).to.include({exitCode: 0})
    expect(r.exitCode, String(r.stderr) + String(r.stdout).slice(-1500)).to.equal(1)
    const report: EvacuationReport = evacuationReportSchema.parse(lastJson(String(r.stdout)))
    const byDest = (d: string) => report.guests.filter((g) => g.destination === d)
    expect(byDest('zhost-c').length, 'guests placed on zhost-c').to.be.greaterThan(0)
    expect(byDest('zhost-b').length, 'guests placed on zhost-b').to.be.greaterThan(0)
    // every guest bound for zhost-b moved and lives there
    for (const g of byDest('zhost-b')) {
      expect(g.outcome, g.name).to.equal('migrated')
      if (g.name !== IDLE_GUEST) await prove(g.name, 'zhost-b', 'zhost-a')
    }
    // every guest bound for zhost-c stayed on zhost-a: the one in flight rolled back, the others not started
    const outcomes = byDest('zhost-c').map((g) => g.outcome)
    expect(outcomes, 'the migration in flight to zhost-c').to.include('rolled-back')
    for (const g of byDest('zhost-c')) {
      expect(['rolled-back', 'blocked', 'stale'], `${g.name}: ${g.reason}`).to.include(g.outcome)
      if (g.name === IDLE_GUEST) expect(await guestState('zhost-a', g.name)).to.equal('shut off')
      else await stillHome(g.name)
    }
    await lab('fault', 'heal', 'zhost-c')
    for (const g of byDest('zhost-c')) expect(await guestState('zhost-c', g.name), `${g.name} not defined on zhost-c`).to.equal('absent')
  })

  it('zmigrate killed mid-evacuation (SIGKILL): --resume finishes every guest from the journals', async () => {
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['evacuate', 'zhost-a', '--yes', '--json', '--profile', profile], data.env())
    let killed = false
    watch(child, (e) => {
      if (!killed && e.type === 'progress') {
        killed = true
        child.kill('SIGKILL')
      }
    })
    const r = await child
    expect(killed && r.signal === 'SIGKILL', 'killed during a migration').to.equal(true)
    const journals = readdirSync(join(data.path(), 'evacuations')).filter((f) => f.endsWith('.json'))
    expect(journals).to.have.length(1)
    const resumed = await zm(['evacuate', '--resume', join(data.path(), 'evacuations', journals[0]), '--json', '--profile', profile], data.env())
    expect(resumed.exitCode, resumed.stderr + resumed.stdout.slice(-1500)).to.equal(0)
    const report = evacuationReportSchema.parse(lastJson(resumed.stdout))
    expect(report.status).to.equal('finished')
    expect(report.guests.map((g) => `${g.name} ${g.outcome}`).sort()).to.deep.equal(ALL.map((g) => `${g} migrated`))
    const where = await whereAll()
    for (const g of report.guests) {
      expect(where.get(g.name)?.host, g.name).to.equal(g.destination)
      if (g.name !== IDLE_GUEST) await prove(g.name, g.destination as LabHostName, 'zhost-a')
    }
    const back = await zm(['return', 'zhost-a', '--yes'], data.env())
    expect(back.exitCode, back.stderr).to.equal(0)
    for (const g of RUNNING_GUESTS) expect(await guestState('zhost-a', g), g).to.equal('running')
  })
})
