// The site check's API (src/app/check-site.ts), as evacuate and placement call it: real collect and
// probe scripts on recorded trees through local transports behind a HostPool, libvirt's test driver.
import {expect} from 'chai'
import {rmSync} from 'node:fs'
import {checkSite, chooseDestinations} from '../../src/app/check-site.js'
import {HostAccessError} from '../../src/errors.js'
import {COLLECT_SCRIPT} from '../../src/hosts/collect-script.js'
import {PROBE_SCRIPT} from '../../src/hosts/probe-script.js'
import {MEASURE_SCRIPT} from '../../src/hosts/dirty-rate-measure.js'
import {HostPool} from '../../src/hosts/connect.js'
import type {ResolvedHost} from '../../src/profiles/types.js'
import {siteCheckReportSchema} from '../../src/report/check-site-report.js'
import {readinessCell} from '../../src/report/check-site-text.js'
import {RecordingTransport, fixtureTree, testDriverNode} from '../hosts/support.js'
import {testHost, testProfile} from '../support/rule-harness.js'

const uuid = (host: number, i: number) => `5e5e5e5e-0000-4000-8000-${(host * 100 + i).toString(16).padStart(12, '0')}`

describe('checkSite: every guest against every destination, each host read once', function () {
  this.timeout(60_000)
  const source = testDriverNode([
    {name: 'app01', uuid: uuid(1, 1)},
    {name: 'app02', uuid: uuid(1, 2), runstate: 5},
  ])
  const busy = testDriverNode([
    {name: 'old01', uuid: uuid(2, 1)},
    {name: 'old02', uuid: uuid(2, 2)},
    {name: 'spare', uuid: uuid(2, 3), runstate: 5},
  ])
  after(() => [source, busy].forEach((n) => rmSync(n.dir, {recursive: true, force: true})))

  // ssh hosts on distinct addresses (so same-host stays quiet), reached through local transports
  const host = (name: string, address: string, tree: string, uri: string): ResolvedHost =>
    testHost(name, {address, root: fixtureTree(tree), libvirtUri: uri, migrationUri: `qemu+ssh://${address}/system`})
  const hosts = {
    zsrc: host('zsrc', '10.0.0.1', 'lpar-src', source.uri),
    zbusy: host('zbusy', '10.0.0.2', 'lpar-dst', busy.uri),
    zbare: host('zbare', '10.0.0.3', 'bare-lpar', 'test:///default'),
    zdown: host('zdown', '10.0.0.4', 'bare-lpar', 'test:///default'),
  }
  const profile = testProfile({
    hosts,
    // libvirt's test driver offers no s390x guests; libvirt-unreachable off shows a host not reached is blocked anyway
    rules: {
      'arch-mismatch': {rule: 'arch-mismatch', enabled: false, reason: 'test driver'},
      'libvirt-unreachable': {rule: 'libvirt-unreachable', enabled: false, reason: 'to show it cannot hide a host not reached'},
    },
  })

  function pool(down: string[] = ['zdown']) {
    const transports = new Map<string, RecordingTransport>()
    const connects: string[] = []
    const p = new HostPool({
      connect: async (h) => {
        connects.push(h.name)
        if (down.includes(h.name))
          throw new HostAccessError(h.name, `cannot reach ${h.address}:22: connection refused`, {code: 'E_HOST_UNREACHABLE', remedy: 'Start sshd.'})
        const t = new RecordingTransport(h.name)
        transports.set(h.name, t)
        return t
      },
    })
    return {pool: p, transports, connects}
  }

  it('returns the readiness of each pair, each destination with its capacity, one connection and two round trips per host', async () => {
    const {pool: p, connects} = pool()
    const outcome = await checkSite({profile, from: 'zsrc', to: ['zbusy', 'zbare', 'zdown'], guests: [], all: true}, p)
    await p.closeAll()
    expect(connects.sort()).to.deep.equal(['zbare', 'zbusy', 'zdown', 'zsrc'])
    expect(outcome.roundTrips).to.deep.equal({zsrc: 2, zbusy: 2, zbare: 2})
    expect(outcome.readiness.map((r) => [r.guest, r.destination])).to.deep.equal([
      ['app01', 'zbusy'],
      ['app01', 'zbare'],
      ['app01', 'zdown'],
      ['app02', 'zbusy'],
      ['app02', 'zbare'],
      ['app02', 'zdown'],
    ])
    expect(outcome.readiness[0]).to.include({guest: 'app01', uuid: uuid(1, 1), destination: 'zbusy'})
    for (const r of outcome.readiness) {
      expect(r.status === 'blocked', `${r.guest} -> ${r.destination}`).to.equal(r.blockers.length > 0)
    }
    // each pair that was checked carries the rules' input; the planner takes it from here
    const checked = outcome.pairs.filter((pair) => pair.destination !== 'zdown')
    for (const pair of checked) expect(pair.context?.destinationHost.name).to.equal(pair.destination)

    const [zbusy, zbare, zdown] = outcome.destinations
    if (!zbusy.reachable || !zbare.reachable || zdown.reachable) throw new Error('expected zbusy and zbare reached, zdown not')
    expect(zbusy.capacity.guests.map((g) => [g.name, g.state, g.memoryKiB, g.vcpus])).to.deep.equal([
      ['old01', 'running', 262144, 1],
      ['old02', 'running', 262144, 1],
      ['spare', 'shut off', 262144, 1],
    ])
    expect(zbusy.capacity.active).to.deep.equal({guests: 2, memoryKiB: 2 * 262144, vcpus: 2})
    expect(zbusy.capacity.memory.availableKiB).to.equal(zbusy.facts.memory.availableKiB)
    expect(zbusy.capacity.onlineCpus).to.equal(zbusy.facts.cpus.online)
    expect(zdown.error.code).to.equal('E_HOST_UNREACHABLE')

    const report = siteCheckReportSchema.strict().parse(outcome.report)
    expect(report.guests.map((g) => [g.name, g.state, g.memoryKiB, g.vcpus])).to.deep.equal([
      ['app01', 'running', 262144, 1],
      ['app02', 'shut off', 262144, 1],
    ])
    expect(report.destinations[2]).to.deep.include({name: 'zdown', reachable: false})
    expect(outcome.exitCode).to.equal(report.ok ? 0 : 1)
  })

  it('a destination not reached blocks each of its pairs by libvirt-unreachable, whatever the profile says of that rule', async () => {
    const {pool: p} = pool()
    const outcome = await checkSite({profile, from: 'zsrc', to: ['zbare', 'zdown'], guests: ['app01'], all: false}, p)
    await p.closeAll()
    const down = outcome.pairs[1]
    expect(down.readiness).to.deep.include({destination: 'zdown', status: 'blocked', blockers: ['libvirt-unreachable']})
    expect(down.context).to.equal(undefined)
    expect(down.findings[0]).to.deep.include({rule: 'libvirt-unreachable', severity: 'blocker', subject: 'host zdown', remedy: 'Start sshd.'})
    expect(down.findings[0].message).to.equal('cannot reach destination zdown, so nothing was checked there: cannot reach 10.0.0.4:22: connection refused')
    expect(readinessCell(outcome.report.guests[0].pairs[1])).to.equal('blocked: libvirt-unreachable')
  })

  it('the source among the destinations is read once (and blocked there by same-host)', async () => {
    const {pool: p, transports} = pool()
    const outcome = await checkSite({profile, from: 'zsrc', to: ['zsrc', 'zbare', 'zbare'], guests: ['app01'], all: false}, p)
    await p.closeAll()
    expect(outcome.destinations.map((d) => d.name)).to.deep.equal(['zsrc', 'zbare'])
    const scripts = (transports.get('zsrc')?.calls ?? []).map((c) => (c.argv[2] === COLLECT_SCRIPT ? 'collect' : c.argv[2] === PROBE_SCRIPT ? 'probe' : '?'))
    expect(scripts.sort(), 'one collect; a probe as source and one as destination').to.deep.equal(['collect', 'probe', 'probe'])
    expect(outcome.readiness[0].blockers).to.include('same-host')
  })

  it('with --measure (or the profile switch): the running guests measured in one more round trip on the source, not the shut-off one', async () => {
    const {pool: p, transports} = pool()
    const outcome = await checkSite({profile, from: 'zsrc', to: ['zbare'], guests: [], all: true, measure: true}, p)
    await p.closeAll()
    expect(outcome.roundTrips).to.deep.equal({zsrc: 3, zbare: 2})
    const measure = (transports.get('zsrc')?.calls ?? []).filter((c) => c.argv[2] === MEASURE_SCRIPT)
    expect(measure).to.have.length(1)
    expect(measure[0].argv).to.include(uuid(1, 1)).and.not.include(uuid(1, 2))
    // libvirt's test driver has no dirty-rate calculation: a typed "not measurable", and the rule stays silent
    const [app01, app02] = siteCheckReportSchema.strict().parse(outcome.report).guests
    expect(app01.dirtyRate).to.deep.include({kind: 'not-measurable'})
    expect(app01.dirtyRate?.kind === 'not-measurable' && app01.dirtyRate.detail).to.match(/not supported/)
    expect(app02.dirtyRate).to.equal(undefined)
    expect(outcome.pairs.flatMap((x) => x.findings).filter((f) => f.rule === 'migration-may-not-converge')).to.deep.equal([])
  })

  it('without --measure and with the profile switch off: nothing is measured', async () => {
    const {pool: p, transports} = pool()
    await checkSite({profile, from: 'zsrc', to: ['zbare'], guests: [], all: true}, p)
    await p.closeAll()
    expect((transports.get('zsrc')?.calls ?? []).some((c) => c.argv[2] === MEASURE_SCRIPT)).to.equal(false)
  })

  it('no destination reached: the first one’s error (exit 3); the source unreachable: its error', async () => {
    const all = pool(['zbare', 'zdown'])
    const err = await checkSite({profile, from: 'zsrc', to: ['zdown', 'zbare'], guests: [], all: true}, all.pool).catch((e: unknown) => e)
    await all.pool.closeAll()
    expect(err).to.be.instanceOf(HostAccessError)
    expect((err as HostAccessError).message).to.match(/^zdown: /)
    expect((err as HostAccessError).exitCode).to.equal(3)
    const src = pool(['zsrc'])
    const srcErr = await checkSite({profile, from: 'zsrc', to: ['zbare'], guests: [], all: true}, src.pool).catch((e: unknown) => e)
    await src.pool.closeAll()
    expect((srcErr as HostAccessError).message).to.match(/^zsrc: /)
  })

  it('a bug while reaching a destination is not mistaken for an unreachable host', async () => {
    const p = new HostPool({
      connect: async (h) => {
        if (h.name === 'zbare') throw new TypeError('a bug')
        return new RecordingTransport(h.name)
      },
    })
    const err = await checkSite({profile, from: 'zsrc', to: ['zbusy', 'zbare'], guests: [], all: true}, p).catch((e: unknown) => e)
    await p.closeAll()
    expect(err).to.be.instanceOf(TypeError)
  })
})

describe('chooseDestinations: what --to names', () => {
  const profile = testProfile({hosts: {a: testHost('a'), b: testHost('b'), c: testHost('c')}})
  it('one host: the one-destination check', () => expect(chooseDestinations(profile, 'a', 'b')).to.deep.equal({form: 'one', to: 'b'}))
  it('a comma-separated list: the matrix, in that order', () => expect(chooseDestinations(profile, 'a', 'c, b')).to.deep.equal({form: 'site', to: ['c', 'b']}))
  it("'site': every host but the source", () => expect(chooseDestinations(profile, 'b', 'site')).to.deep.equal({form: 'site', to: ['a', 'c']}))
  it("a profile host named 'site' wins over the word", () => {
    const withSite = testProfile({hosts: {a: testHost('a'), site: testHost('site')}})
    expect(chooseDestinations(withSite, 'a', 'site')).to.deep.equal({form: 'one', to: 'site'})
  })
  it('an empty name is a usage error', () => expect(() => chooseDestinations(profile, 'a', 'b,')).to.throw(/empty host name/))
})
