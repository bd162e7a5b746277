// zmigrate check against several destinations over real SSH: one OpenSSH sshd per host on loopback,
// each host's Z view from a recorded tree, libvirt's test driver. The source zlpar1 (lpar-src) holds
// web01 (DASD 0.0.7500) and db01 (DASD 0.0.7502); the candidates are zlpar2 (lpar-dst: aliases and
// 0.0.7503 offline, 0.0.7502's volume on another bus-ID), zlpar3 (the same devices as the source)
// and zlpar4 (bare-lpar: no DASD at all). The CLI runs as its own process: exit codes are real.
import {expect} from 'chai'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {checkReportSchema} from '../../src/report/check-report.js'
import {siteCheckReportSchema, type SiteCheckReport} from '../../src/report/check-site-report.js'
import {REPO, zm} from '../support/lab-cli.js'
import {startSshd, type TestSshd} from '../support/sshd.js'
import {DB01, domainXml, WEB01} from '../support/test-driver-site.js'

const dir = mkdtempSync(join(tmpdir(), 'zm-check-site-'))

const TREES = {zlpar1: 'lpar-src', zlpar2: 'lpar-dst', zlpar3: 'lpar-src', zlpar4: 'bare-lpar'} as const
type HostName = keyof typeof TREES

const cell = (report: SiteCheckReport, guest: string, destination: string) => {
  const pair = report.guests.find((g) => g.name === guest)?.pairs.find((p) => p.destination === destination)
  if (!pair) throw new Error(`no pair ${guest} -> ${destination}`)
  return pair
}

describe('zmigrate check with several destinations over real SSH (one sshd per host)', function () {
  this.timeout(120_000)
  const sshd = {} as Record<HostName, TestSshd>
  let profile: string

  function writeProfile(file: string, change: (hosts: Record<string, Record<string, unknown>>) => void = () => {}): string {
    const hosts: Record<string, Record<string, unknown>> = {}
    for (const [name, tree] of Object.entries(TREES) as [HostName, string][]) {
      hosts[name] = {
        address: '127.0.0.1',
        port: sshd[name].port,
        identity: sshd[name].clientKey,
        'known-hosts': join(dir, 'known_hosts'),
        root: join(REPO, 'test/fixtures/hosts', tree),
        'libvirt-uri': name === 'zlpar1' ? `test://${join(dir, 'node.xml')}` : 'test:///default',
      }
    }
    change(hosts)
    // libvirt's test driver offers only i686 guests; the trees carry the s390x view the other rules read
    const rules = {'arch-mismatch': {enabled: false, reason: "libvirt's test driver offers no s390x guests"}}
    writeFileSync(file, stringify({site: 'itest', defaults: {user: 'root', agent: false, 'connect-timeout': 5}, hosts, rules}))
    return file
  }

  const accepted = (name: HostName) =>
    sshd[name]
      .log()
      .split('\n')
      .filter((l) => l.includes('Accepted publickey')).length

  before(async () => {
    const started = await Promise.all(Object.keys(TREES).map(() => startSshd()))
    Object.keys(TREES).forEach((name, i) => (sshd[name as HostName] = started[i]))
    writeFileSync(join(dir, 'known_hosts'), started.map((s) => readFileSync(s.knownHostsPath, 'utf8')).join(''))
    writeFileSync(join(dir, 'node.xml'), `<node>\n${domainXml(WEB01)}${domainXml(DB01)}</node>\n`)
    profile = writeProfile(join(dir, 'site.yaml'))
  })
  after(async () => Promise.all(Object.values(sshd).map((s) => s?.stop())))

  it('a readiness matrix in JSON: every guest against every destination, one connection and two round trips per host', async () => {
    const before = Object.fromEntries(Object.keys(TREES).map((n) => [n, accepted(n as HostName)]))
    const r = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3,zlpar4', '--profile', profile, '--json'])
    expect(r.exitCode, r.stderr + r.stdout).to.equal(0)
    const report = siteCheckReportSchema.strict().parse(JSON.parse(r.stdout))
    expect(report.destinations.map((d) => [d.name, d.reachable])).to.deep.equal([
      ['zlpar2', true],
      ['zlpar3', true],
      ['zlpar4', true],
    ])
    expect(report.guests.map((g) => g.name)).to.deep.equal(['web01', 'db01'])
    // zlpar2 needs aliases set online for web01 (the plan does that), and has db01's volume on another bus-ID
    expect(cell(report, 'web01', 'zlpar2').status).to.equal('actions')
    expect(cell(report, 'db01', 'zlpar2').status).to.equal('blocked')
    expect(cell(report, 'db01', 'zlpar2').blockers).to.include('dasd-devno-mismatch')
    // zlpar3 has the source's devices
    expect(cell(report, 'web01', 'zlpar3').status).to.equal('ok')
    expect(cell(report, 'db01', 'zlpar3').status).to.equal('ok')
    // zlpar4 has no DASD at all
    for (const g of ['web01', 'db01']) expect(cell(report, g, 'zlpar4').blockers).to.include('dasd-missing-on-destination')
    for (const g of report.guests) {
      expect(g.movable).to.equal(true)
      expect([g.memoryKiB, g.vcpus, g.state]).to.deep.equal([2 * 1024 * 1024, 2, 'running'])
      expect(g.uuid).to.match(/^0b4c2a6e-/)
    }
    // capacity from each destination's facts: the test driver's one guest, the trees' memory and CPUs
    const zlpar2 = report.destinations[0].capacity
    expect(zlpar2?.guests.map((g) => g.name)).to.deep.equal(['test'])
    expect(zlpar2?.onlineCpus).to.be.a('number')
    expect(zlpar2?.memory.availableKiB).to.be.a('number')
    expect(report.roundTrips).to.deep.equal({zlpar1: 2, zlpar2: 2, zlpar3: 2, zlpar4: 2})
    for (const n of Object.keys(TREES) as HostName[]) expect(accepted(n) - before[n], `SSH logins on ${n}`).to.equal(1)
  })

  it('each host sees the round trips of a one-destination check, and that check keeps its own document', async () => {
    const one = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'])
    expect(one.exitCode, one.stderr).to.equal(1)
    const report = checkReportSchema.strict().parse(JSON.parse(one.stdout))
    expect(report.to).to.equal('zlpar2')
    expect(report.roundTrips).to.deep.equal({zlpar1: 2, zlpar2: 2})
    // and the same findings as the pair in the matrix
    const site = siteCheckReportSchema.parse(
      JSON.parse((await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3', '--profile', profile, '--json'])).stdout),
    )
    for (const g of report.guests) expect(cell(site, g.name, 'zlpar2').findings).to.deep.equal(g.findings)
  })

  it('human output: the matrix, then the findings of the blocked pairs only (--verbose: all)', async () => {
    const r = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3,zlpar4', '--profile', profile])
    expect(r.exitCode, r.stderr).to.equal(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).to.equal(`zmigrate check: zlpar1 -> 3 destinations: zlpar2, zlpar3, zlpar4 (site itest, ${profile})`)
    expect(lines[2]).to.match(/^guest\s+zlpar2\s+zlpar3\s+zlpar4$/)
    expect(lines[3]).to.match(/^web01\s+actions\s+ok\s+blocked: dasd-missing-on-destination$/)
    expect(lines[4]).to.match(/^db01\s+blocked: dasd-devno-mismatch\S*( [a-z-]+,?)*\s+ok\s+blocked: dasd-missing-on-destination$/)
    expect(r.stdout).to.include('db01 -> zlpar2 (running): BLOCKED')
    expect(r.stdout).to.include('web01 -> zlpar4 (running): BLOCKED')
    expect(r.stdout).not.to.include('web01 -> zlpar2')
    expect(r.stdout).not.to.include('-> zlpar3')
    expect(r.stdout).to.match(/Result: all 2 guests can be migrated to at least one destination\./)
    const verbose = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3,zlpar4', '--profile', profile, '--verbose'])
    expect(verbose.stdout).to.include('web01 -> zlpar2 (running): migratable with actions')
    expect(verbose.stdout).to.include('web01 -> zlpar3 (running): migratable')
  })

  it('exit 1 when a guest has no destination without a blocker', async () => {
    const r = await zm(['check', 'db01', '--from', 'zlpar1', '--to', 'zlpar2,zlpar4', '--profile', profile, '--json'])
    expect(r.exitCode, r.stderr).to.equal(1)
    const report = siteCheckReportSchema.parse(JSON.parse(r.stdout))
    expect([report.ok, report.guests[0].movable]).to.deep.equal([false, false])
    const human = await zm(['check', 'db01', '--from', 'zlpar1', '--to', 'zlpar2,zlpar4', '--profile', profile])
    expect(human.exitCode).to.equal(1)
    expect(human.stdout).to.include('Result: 0 of 1 guest can be migrated to at least one destination; blocked everywhere: db01.')
  })

  it('--to site: every other host of the profile', async () => {
    const r = await zm(['check', '--all', '--from', 'zlpar3', '--to', 'site', '--profile', profile, '--json'])
    // zlpar3's libvirt (the test driver's default) has one guest, 'test'
    const report = siteCheckReportSchema.parse(JSON.parse(r.stdout))
    expect(report.destinations.map((d) => d.name)).to.deep.equal(['zlpar1', 'zlpar2', 'zlpar4'])
    expect(report.guests.map((g) => g.name)).to.deep.equal(['test'])
  })

  it('an unreachable candidate is a column blocked by libvirt-unreachable; the others are still checked', async () => {
    const down = await startSshd()
    const p = writeProfile(join(dir, 'one-down.yaml'), (h) => (h.zlpar4.port = down.port))
    await down.stop()
    const r = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3,zlpar4', '--profile', p, '--json'])
    expect(r.exitCode, r.stderr + r.stdout).to.equal(0)
    const report = siteCheckReportSchema.strict().parse(JSON.parse(r.stdout))
    const zlpar4 = report.destinations[2]
    expect([zlpar4.reachable, zlpar4.capacity, zlpar4.error?.code]).to.deep.equal([false, undefined, 'E_HOST_UNREACHABLE'])
    for (const g of report.guests) {
      expect(cell(report, g.name, 'zlpar4')).to.include({status: 'blocked'})
      expect(cell(report, g.name, 'zlpar4').blockers).to.deep.equal(['libvirt-unreachable'])
    }
    expect(report.roundTrips).to.deep.equal({zlpar1: 2, zlpar2: 2, zlpar3: 2})
    const human = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3,zlpar4', '--profile', p])
    expect(human.stdout).to.match(/^web01\s+actions\s+ok\s+blocked: libvirt-unreachable$/m)
    expect(human.stdout).to.match(/^NOT REACHED zlpar4: cannot reach .*127\.0\.0\.1:\d+/m)
    // its cause is told once, not once per guest
    expect(human.stdout).not.to.include('-> zlpar4')
  })

  it('exit 3 when no candidate can be reached, or the source cannot', async () => {
    const down = await startSshd()
    const p = writeProfile(join(dir, 'all-down.yaml'), (h) => {
      h.zlpar2.port = down.port
      h.zlpar3.port = down.port
    })
    await down.stop()
    const none = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,zlpar3', '--profile', p, '--json'])
    expect(none.exitCode, none.stdout).to.equal(3)
    expect(JSON.parse(none.stdout).error.message).to.match(/^zlpar2: /)
    const source = await zm(['check', '--all', '--from', 'zlpar2', '--to', 'zlpar1,zlpar4', '--profile', p, '--json'])
    expect(source.exitCode, source.stdout).to.equal(3)
  })

  it('an empty name in the list is a usage error (exit 2)', async () => {
    const r = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2,,zlpar3', '--profile', profile])
    expect(r.exitCode).to.equal(2)
    expect(r.stderr).to.match(/empty host name/)
  })
})
