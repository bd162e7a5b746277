// End-to-end on the lab: evacuate a host in a rolling window and bring its guests home, and resume
// an evacuation whose zmigrate was killed. The two-host lab has one destination per host; zoff is a shut-off guest
// defined for these tests (offline migration, definition only) beside the running zdemo.
import {expect} from 'chai'
import {execa} from 'execa'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {proveSurvival} from '../../lab/proof.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import {holdLab} from '../support/lab-hold.js'
import {guestState, hasDisk, IP, lab, labProfile, other, startCli, whereIs, zm, LAB, type LabHostName} from '../support/lab-cli.js'

const lastJson = (stdout: string) => JSON.parse(String(stdout).trim().split('\n').at(-1)!)
const ZOFF = `<domain type='qemu'><name>zoff</name><uuid>3c3c3c3c-2222-4222-8333-0000000000f1</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='s390x' machine='s390-ccw-virtio-7.2'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-s390x</emulator></devices></domain>`

async function prove(on: LabHostName) {
  const report = await proveSurvival({host: on === 'zhost-a' ? 'a' : 'b', guest: 'zdemo', lab: LAB, waitSeconds: 5})
  expect(report.ok, JSON.stringify(report, null, 1)).to.equal(true)
}

const ssh = (h: LabHostName, command: string, input?: string) =>
  execa('ssh', ['-F', join(LAB, 'ssh', 'config'), `root@${IP[h]}`, command], {input, reject: false})

describe('@lab zmigrate evacuate and return', function () {
  this.timeout(10 * 60_000)
  let home: LabHostName
  let data: string

  before(async function () {
    this.timeout(45 * 60_000)
    await holdLab()
    const up = await lab('up')
    if (up.exitCode !== 0) throw new Error(`lab/up failed:\n${up.stdout}\n${up.stderr}`)
    home = (await whereIs()) ?? 'zhost-a'
    expect((await ssh(home, 'virsh -c qemu:///system define /dev/stdin', ZOFF)).exitCode).to.equal(0)
  })

  beforeEach(() => (data = mkdtempSync(join(tmpdir(), 'zm-e2e-evac-'))))
  afterEach(() => rmSync(data, {recursive: true, force: true}))

  after(async function () {
    this.timeout(300_000)
    for (const h of ['zhost-a', 'zhost-b'] as const) await ssh(h, 'virsh -c qemu:///system undefine zoff')
    if ((await whereIs()) === 'zhost-b') await zm(['migrate', 'zdemo', '--from', 'zhost-b', '--to', 'zhost-a', '--yes'])
  })

  it('empties the host within the caps: the running guest live, the shut-off one offline, both at once', async () => {
    const to = other(home)
    const r = await zm(['evacuate', home, '--to', 'site', '--incoming', '2', '--max', '2', '--yes', '--json'], {ZMIGRATE_DATA_DIR: data})
    expect(r.exitCode, r.stderr + r.stdout.slice(-1500)).to.equal(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const report = evacuationReportSchema.strict().parse(lines.at(-1))
    expect(report.guests.map((g) => [g.name, g.destination, g.outcome, g.home]).sort()).to.deep.equal([
      ['zdemo', to, 'migrated', home],
      ['zoff', to, 'migrated', home],
    ])
    expect(report.peak).to.be.within(1, 2)
    // every event names its guest
    expect(lines.slice(0, -1).every((e) => typeof e.guest === 'string')).to.equal(true)
    expect(await guestState(to, 'zdemo')).to.equal('running')
    expect(await guestState(to, 'zoff')).to.equal('shut off')
    expect(await guestState(home, 'zdemo')).to.equal('absent')
    expect(await hasDisk(to, 'vdb')).to.equal(true)
    await prove(to)
    // and home again: zmigrate return brings back what the evacuation moved
    const back = await zm(['return', home, '--incoming', '2', '--yes', '--json'], {ZMIGRATE_DATA_DIR: data})
    expect(back.exitCode, back.stderr + back.stdout.slice(-1500)).to.equal(0)
    const returned = evacuationReportSchema.parse(lastJson(back.stdout))
    expect(returned.purpose).to.equal('return')
    expect(returned.guests.map((g) => [g.name, g.destination, g.outcome]).sort()).to.deep.equal([
      ['zdemo', home, 'migrated'],
      ['zoff', home, 'migrated'],
    ])
    expect(await guestState(home, 'zoff')).to.equal('shut off')
    await prove(home)
    // a second return finds everyone home
    const again = await zm(['return', home, '--dry-run', '--json'], {ZMIGRATE_DATA_DIR: data})
    expect(again.exitCode, again.stderr).to.equal(0)
    expect(
      lastJson(again.stdout)
        .verdicts.map((v: {kind: string; guest: string}) => `${v.kind} ${v.guest}`)
        .sort(),
    ).to.deep.equal(['home zdemo', 'home zoff'])
  })

  it('zmigrate killed mid-evacuation (SIGKILL): --resume finishes every guest from the journals', async () => {
    const to = other(home)
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['evacuate', home, '--yes', '--json', '--profile', profile], {ZMIGRATE_DATA_DIR: data})
    let killed = false
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      if (!killed && /"type":"progress"/.test(chunk)) {
        killed = true
        child.kill('SIGKILL')
      }
    })
    const r = await child
    expect(killed && r.signal === 'SIGKILL', 'killed during a migration').to.equal(true)
    const journals = readdirSync(join(data, 'evacuations')).filter((f) => f.endsWith('.json'))
    expect(journals).to.have.length(1)
    const resumed = await zm(['evacuate', '--resume', join(data, 'evacuations', journals[0]), '--json', '--profile', profile], {ZMIGRATE_DATA_DIR: data})
    expect(resumed.exitCode, resumed.stderr + resumed.stdout.slice(-1500)).to.equal(0)
    const report = evacuationReportSchema.parse(lastJson(resumed.stdout))
    expect(report.status).to.equal('finished')
    expect(report.guests.every((g) => g.outcome === 'migrated')).to.equal(true)
    expect(await guestState(to, 'zdemo')).to.equal('running')
    expect(await guestState(to, 'zoff')).to.equal('shut off')
    await prove(to)
    const back = await zm(['return', home, '--yes'], {ZMIGRATE_DATA_DIR: data})
    expect(back.exitCode, back.stderr).to.equal(0)
    expect(await guestState(home, 'zdemo')).to.equal('running')
  })
})
