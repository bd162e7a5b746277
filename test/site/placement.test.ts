import {expect} from 'chai'
import {placeGuests} from '../../src/site/placement.js'
import type {GuestToPlace, HostCapacity, PlacementResult, Readiness, SitePolicy} from '../../src/site/types.js'
import {actions, blocked, GiB, guest, host, policy, readiness, resident} from './site-fixtures.js'

interface Case {
  name: string
  guests: GuestToPlace[]
  hosts: HostCapacity[]
  /** Default: every guest ok on every host. */
  readiness?: Readiness[]
  policy?: SitePolicy
  /** guest -> destination, for every guest placed, in placement order. */
  placed: [guest: string, destination: string][]
  /** guest -> destination -> reason messages (each a part of one reason, in order). */
  nowhere?: Record<string, Record<string, string[]>>
}

const cases: Case[] = [
  // capacity
  {
    name: 'a guest that fits only once a bigger one went elsewhere: the biggest is placed first',
    guests: [guest('small', 6), guest('big', 8)],
    hosts: [host('a', 10), host('b', 6)],
    placed: [
      ['big', 'a'],
      ['small', 'b'],
    ],
  },
  {
    name: 'headroom shrinks with every guest placed on a destination',
    guests: [guest('g1', 3), guest('g2', 3), guest('g3', 3)],
    hosts: [host('a', 8)],
    placed: [
      ['g1', 'a'],
      ['g2', 'a'],
    ],
    nowhere: {g3: {a: ['memory: needs 3 GiB, 2 GiB free after 2 guests placed here']}},
  },
  {
    name: 'equal guests spread over equal hosts (the most memory left after placement wins)',
    guests: [guest('g1', 2), guest('g2', 2), guest('g3', 2)],
    hosts: [host('b', 8), host('a', 8)],
    placed: [
      ['g1', 'a'],
      ['g2', 'b'],
      ['g3', 'a'],
    ],
  },
  {
    name: 'a shut-off guest moves only its definition: its memory is not counted',
    guests: [guest('cold', 16, {state: 'shut off'})],
    hosts: [host('a', 1)],
    placed: [['cold', 'a']],
  },
  {
    name: "a guest backed by huge pages does not take free memory (the pool is hugepages-unavailable's business)",
    guests: [guest('hp', 16, {hugepages: true})],
    hosts: [host('a', 1)],
    placed: [['hp', 'a']],
  },
  // reserve
  {
    name: 'the reserve is kept free on every destination',
    guests: [guest('g1', 3.5)],
    hosts: [host('a', 4), host('b', 3)],
    policy: policy({reserve: {memoryKiB: 1 * GiB}}),
    placed: [],
    nowhere: {g1: {a: ['memory: needs 3.5 GiB, 3 GiB free after the 1 GiB reserve'], b: ['memory: needs 3.5 GiB, 2 GiB free after the 1 GiB reserve']}},
  },
  {
    name: 'the reserve and the guests placed before both count',
    guests: [guest('g1', 2), guest('g2', 2)],
    hosts: [host('a', 4.5)],
    policy: policy({reserve: {memoryKiB: 0.5 * GiB}}),
    placed: [
      ['g1', 'a'],
      ['g2', 'a'],
    ],
  },
  {
    name: 'a reserve larger than what is free: nothing free',
    guests: [guest('g1', 1)],
    hosts: [host('a', 1)],
    policy: policy({reserve: {memoryKiB: 2 * GiB}}),
    placed: [],
    nowhere: {g1: {a: ['memory: needs 1 GiB, nothing free after the 2 GiB reserve']}},
  },
  // relocation domains
  {
    name: 'the default domain keeps guests inside it',
    guests: [guest('g1', 1)],
    hosts: [host('a', 4), host('b', 2), host('c', 64)],
    policy: policy({defaultDomain: 'prod'}, {prod: ['a', 'b', 'src'], test: ['c']}),
    placed: [['g1', 'a']],
  },
  {
    name: "a guest's own domain wins over the default",
    guests: [guest('t1', 1), guest('p1', 1)],
    hosts: [host('a', 64), host('c', 4)],
    policy: policy({defaultDomain: 'prod', guests: {t1: {domain: 'test', exclude: []}}}, {prod: ['a'], test: ['c']}),
    placed: [
      ['p1', 'a'],
      ['t1', 'c'],
    ],
  },
  {
    name: 'no host of its domain left: nowhere, naming the domain at each host',
    guests: [guest('g1', 1)],
    hosts: [host('a', 4), host('b', 4)],
    policy: policy({defaultDomain: 'lonely'}, {lonely: ['src']}),
    placed: [],
    nowhere: {g1: {a: ['not in relocation domain lonely'], b: ['not in relocation domain lonely']}},
  },
  // pin and exclude
  {
    name: 'pinned: only the pinned hosts, even when another has more room',
    guests: [guest('lic', 1)],
    hosts: [host('a', 64), host('b', 2)],
    policy: policy({guests: {lic: {pin: ['b'], exclude: []}}}),
    placed: [['lic', 'b']],
  },
  {
    name: 'excluded: never there',
    guests: [guest('app', 1)],
    hosts: [host('a', 64), host('b', 2)],
    policy: policy({guests: {app: {exclude: ['a']}}}),
    placed: [['app', 'b']],
  },
  {
    name: "pinned guests go first, so a bigger unpinned one does not take the pinned host's room",
    guests: [guest('big', 5), guest('lic', 4)],
    hosts: [host('a', 6), host('b', 5)],
    policy: policy({guests: {lic: {pin: ['a'], exclude: []}}}),
    placed: [
      ['lic', 'a'],
      ['big', 'b'],
    ],
  },
  {
    name: 'pinned to the host being evacuated: nowhere, every other host "not pinned"',
    guests: [guest('lic', 1)],
    hosts: [host('a', 8), host('b', 8)],
    policy: policy({guests: {lic: {pin: ['src'], exclude: []}}}),
    placed: [],
    nowhere: {lic: {a: ['not pinned: the profile pins lic to src'], b: ['not pinned']}},
  },
  // anti-affinity
  {
    name: 'anti-affinity with a guest already on a destination',
    guests: [guest('db1', 1)],
    hosts: [host('a', 64, {guests: [resident('db2')]}), host('b', 2)],
    policy: policy({antiAffinity: {hadr: ['db1', 'db2']}}),
    placed: [['db1', 'b']],
  },
  {
    name: 'anti-affinity among the guests of one evacuation',
    guests: [guest('db1', 2), guest('db2', 1)],
    hosts: [host('a', 64), host('b', 4)],
    policy: policy({antiAffinity: {hadr: ['db1', 'db2']}}),
    placed: [
      ['db1', 'a'],
      ['db2', 'b'],
    ],
  },
  {
    name: 'anti-affinity with one destination: the second guest stays, with the group and the guest named',
    guests: [guest('db1', 2), guest('db2', 1)],
    hosts: [host('a', 64)],
    policy: policy({antiAffinity: {hadr: ['db1', 'db2']}}),
    placed: [['db1', 'a']],
    nowhere: {db2: {a: ['anti-affinity group hadr: db1 placed there in this run']}},
  },
  {
    name: 'a shut-off member of the group counts too (it may be started)',
    guests: [guest('db1', 1)],
    hosts: [host('a', 64, {guests: [resident('db2', 1, {state: 'shut off'})]})],
    policy: policy({antiAffinity: {hadr: ['db1', 'db2']}}),
    placed: [],
    nowhere: {db1: {a: ['anti-affinity group hadr: db2 already there']}},
  },
  // readiness
  {
    name: 'never placed where the check found a blocker',
    guests: [guest('g1', 1)],
    hosts: [host('a', 64), host('b', 2)],
    readiness: readiness([{name: 'g1'}], ['a', 'b'], {'g1@a': blocked('dasd-missing-on-destination')}),
    placed: [['g1', 'b']],
  },
  {
    name: 'never placed where it was not checked',
    guests: [guest('g1', 1)],
    hosts: [host('a', 64), host('b', 2)],
    readiness: readiness([{name: 'g1'}], ['a', 'b'], {'g1@a': null}),
    placed: [['g1', 'b']],
  },
  {
    name: 'ready without actions is preferred over more memory',
    guests: [guest('g1', 1)],
    hosts: [host('a', 64), host('b', 2)],
    readiness: readiness([{name: 'g1'}], ['a', 'b'], {'g1@a': actions}),
    placed: [['g1', 'b']],
  },
  // nowhere to go
  {
    name: 'nowhere: every destination with every reason',
    guests: [guest('g1', 8)],
    hosts: [host('a', 4), host('b', 64), host('c', 64)],
    readiness: readiness([{name: 'g1'}], ['a', 'b', 'c'], {'g1@a': blocked('vfio-ap-device', 'dasd-missing-on-destination'), 'g1@c': null}),
    policy: policy({guests: {g1: {exclude: ['b']}}}),
    placed: [],
    nowhere: {
      g1: {
        a: ['blocked: dasd-missing-on-destination, vfio-ap-device', 'memory: needs 8 GiB, 4 GiB free'],
        b: ['excluded by the profile'],
        c: ['not checked: no readiness of g1 for c'],
      },
    },
  },
  {
    name: "the guest's own host is never a candidate, nor listed",
    guests: [guest('g1', 1, {source: 'a'})],
    hosts: [host('a', 64), host('b', 0.5)],
    placed: [],
    nowhere: {g1: {b: ['memory: needs 1 GiB, 512 MiB free']}},
  },
  {
    name: 'candidates restrict the destinations; one without facts is refused as such',
    guests: [guest('g1', 1, {candidates: ['z', 'b']})],
    hosts: [host('a', 64), host('b', 0.5)],
    placed: [],
    nowhere: {g1: {b: ['memory: needs 1 GiB, 512 MiB free'], z: ['no capacity facts for z (not read)', 'not checked']}},
  },
]

function summary(result: PlacementResult) {
  const placed = result.placements.flatMap((p) => (p.kind === 'placed' ? [[p.guest, p.destination] as [string, string]] : []))
  const nowhere = Object.fromEntries(
    result.placements.flatMap((p) =>
      p.kind === 'nowhere' ? [[p.guest, Object.fromEntries(p.nowhere.map((r) => [r.destination, r.reasons.map((x) => x.message)]))]] : [],
    ),
  )
  return {placed, nowhere}
}

describe('site placement', () => {
  for (const c of cases) {
    it(c.name, () => {
      const hosts = c.hosts.map((h) => h.host)
      const result = placeGuests({guests: c.guests, destinations: c.hosts, readiness: c.readiness ?? readiness(c.guests, hosts), policy: c.policy ?? policy()})
      const got = summary(result)
      expect(got.placed).to.deep.equal(c.placed)
      expect(Object.keys(got.nowhere)).to.deep.equal(Object.keys(c.nowhere ?? {}))
      for (const [g, byHost] of Object.entries(c.nowhere ?? {})) {
        expect(Object.keys(got.nowhere[g]), g).to.deep.equal(Object.keys(byHost))
        for (const [h, parts] of Object.entries(byHost)) {
          expect(got.nowhere[g][h], `${g} at ${h}`).to.have.length(parts.length)
          parts.forEach((part, i) => expect(got.nowhere[g][h][i]).to.include(part))
        }
      }
    })
  }

  it('numbers the placed guests in placement order and says why, with the refused destinations', () => {
    const guests = [guest('small', 1), guest('big', 4)]
    const {placements} = placeGuests({guests, destinations: [host('a', 8), host('b', 3)], readiness: readiness(guests, ['a', 'b']), policy: policy()})
    expect(placements.map((p) => p.kind === 'placed' && [p.guest, p.order])).to.deep.equal([
      ['big', 1],
      ['small', 2],
    ])
    const [big, small] = placements
    expect(big).to.deep.include({destination: 'a', why: 'the only destination that can take it (4 GiB left after it)', warnings: []})
    expect(big.kind === 'placed' && big.refused).to.deep.equal([{destination: 'b', reasons: [{code: 'memory', message: 'memory: needs 4 GiB, 3 GiB free'}]}])
    expect(small).to.deep.include({destination: 'b', why: 'of 2 that can take it, the least memory arriving there so far: 0 B (a: 4 GiB); 2 GiB left after it'})
  })

  it('spreads before it fills the roomiest: equal guests alternate (the window runs them in parallel)', () => {
    const guests = ['g1', 'g2', 'g3', 'g4', 'g5'].map((n) => guest(n, 1))
    const {placements, destinations} = placeGuests({
      guests,
      destinations: [host('roomy', 64), host('small', 8)],
      readiness: readiness(guests, ['roomy', 'small']),
      policy: policy(),
    })
    expect(placements.map((p) => p.kind === 'placed' && `${p.guest}->${p.destination}`)).to.deep.equal([
      'g1->roomy',
      'g2->small',
      'g3->roomy',
      'g4->small',
      'g5->roomy',
    ])
    expect(destinations.map((d) => [d.host, d.placed.length])).to.deep.equal([
      ['roomy', 3],
      ['small', 2],
    ])
  })

  it('balances the memory arriving, not the count: one big guest on one side, the small ones on the other', () => {
    const guests = [guest('big', 4), guest('s1', 1), guest('s2', 1), guest('s3', 1)]
    const {placements} = placeGuests({guests, destinations: [host('a', 32), host('b', 32)], readiness: readiness(guests, ['a', 'b']), policy: policy()})
    expect(placements.map((p) => p.kind === 'placed' && `${p.guest}->${p.destination}`)).to.deep.equal(['big->a', 's1->b', 's2->b', 's3->b'])
  })

  it('spreading never overfills: once a destination is full within the reserve, the others take the rest', () => {
    const guests = [guest('g1', 1), guest('g2', 1), guest('g3', 1)]
    const {placements} = placeGuests({
      guests,
      destinations: [host('roomy', 8), host('tiny', 2)],
      readiness: readiness(guests, ['roomy', 'tiny']),
      policy: policy({reserve: {memoryKiB: 1 * GiB}}),
    })
    // tiny: 2 GiB free - 1 GiB reserve leaves room for one 1 GiB guest; g3 would be its second
    expect(placements.map((p) => p.kind === 'placed' && `${p.guest}->${p.destination}`)).to.deep.equal(['g1->roomy', 'g2->tiny', 'g3->roomy'])
  })

  it('ties on everything go to the first host by name', () => {
    const guests = [guest('g1', 1)]
    const {placements} = placeGuests({guests, destinations: [host('b', 4), host('a', 4)], readiness: readiness(guests, ['a', 'b']), policy: policy()})
    expect(placements[0]).to.deep.include({destination: 'a', why: 'of 2 that can take it, equal on memory (3 GiB left after it): first by host name'})
  })

  it('a shut-off guest says its memory was not counted, and never shows a negative size', () => {
    const guests = [guest('cold', 4, {state: 'shut off'})]
    const {placements} = placeGuests({
      guests,
      destinations: [host('a', 1)],
      readiness: readiness(guests, ['a']),
      policy: policy({reserve: {memoryKiB: 2 * GiB}}),
    })
    expect(placements[0]).to.deep.include({
      destination: 'a',
      why: 'the only destination that can take it (shut off: its memory is not counted; nothing left after it)',
    })
  })

  it('a destination that needs actions is still used when it is the only one, with a warning', () => {
    const guests = [guest('g1', 1)]
    const {placements} = placeGuests({guests, destinations: [host('a', 4)], readiness: readiness(guests, ['a'], {'g1@a': actions}), policy: policy()})
    expect(placements[0]).to.deep.include({kind: 'placed', destination: 'a', warnings: ['a needs actions before the move (see check)']})
  })

  describe('vCPUs', () => {
    const guests = [guest('g1', 1, {vcpus: 2})]
    const hosts = [host('a', 64, {onlineCpus: 4, guests: [resident('busy', 1, {vcpus: 3})]}), host('b', 8, {onlineCpus: 4})]
    const run = (p: SitePolicy, destinations = hosts) => placeGuests({guests, destinations, readiness: readiness(guests, ['a', 'b']), policy: p}).placements[0]

    it('not counted without reserve.cpus: KVM overcommits, memory decides', () => {
      expect(run(policy())).to.deep.include({destination: 'a', warnings: []})
    })
    it('with reserve.cpus, a destination within the limit is preferred over more memory', () => {
      expect(run(policy({reserve: {memoryKiB: 0, cpus: 1}}))).to.deep.include({destination: 'b', warnings: []})
    })
    it('with reserve.cpus and no destination within the limit, the guest is still placed, with a warning (a soft limit)', () => {
      const placed = run(policy({reserve: {memoryKiB: 0, cpus: 1}}), [hosts[0]])
      expect(placed).to.deep.include({kind: 'placed', destination: 'a'})
      expect(placed.kind === 'placed' && placed.warnings).to.deep.equal([
        'vCPUs: 3 there + 2 > 4 online CPUs - 1 reserved; KVM overcommits, so it runs, with contention',
      ])
    })
    it('a shut-off resident runs no vCPUs', () => {
      const idle = [host('a', 64, {onlineCpus: 4, guests: [resident('cold', 1, {vcpus: 8, state: 'shut off'})]})]
      expect(run(policy({reserve: {memoryKiB: 0, cpus: 1}}), idle)).to.deep.include({destination: 'a', warnings: []})
    })
  })

  it('is deterministic: the same answer whatever the order of guests, hosts and readiness', () => {
    const guests = [guest('web1', 2), guest('web2', 2), guest('db1', 4), guest('db2', 4), guest('lic', 1), guest('cold', 8, {state: 'shut off'})]
    const hosts = [host('a', 9), host('b', 9), host('c', 6, {guests: [resident('db2-old', 1)]})]
    const p = policy({guests: {lic: {pin: ['c'], exclude: []}}, antiAffinity: {hadr: ['db1', 'db2']}, reserve: {memoryKiB: 0.5 * GiB}})
    const ready = readiness(guests, ['a', 'b', 'c'], {'web2@a': blocked('net-source-missing')})
    const first = placeGuests({guests, destinations: hosts, readiness: ready, policy: p})
    const reversed = placeGuests({guests: [...guests].reverse(), destinations: [...hosts].reverse(), readiness: [...ready].reverse(), policy: p})
    expect(reversed).to.deep.equal(first)
    expect(first.placements.filter((x) => x.kind === 'placed')).to.have.length(6)
    // lic (pinned) first, then web2 (two hosts allowed), then by size, each where the least memory arrives:
    // web2 -> b (c has lic's 1 GiB), db1 -> a, db2 -> c (not a: hadr; c 1 GiB < b 2 GiB), web1 -> b (2 < a 4 < c 5);
    // cold takes no memory: a and b tie on 4 GiB arriving, a has fewer guests
    expect(first.destinations.map((d) => [d.host, d.placed])).to.deep.equal([
      ['a', ['db1', 'cold']],
      ['b', ['web2', 'web1']],
      ['c', ['lic', 'db2']],
    ])
    // 9 free - 0.5 reserve - 4 (cold is shut off: not counted)
    expect(first.destinations[0].memoryLeftKiB).to.equal(4.5 * GiB)
    expect(first.placements.map((x) => x.kind === 'placed' && x.order)).to.deep.equal([1, 2, 3, 4, 5, 6])
  })
})
