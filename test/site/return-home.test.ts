import {expect} from 'chai'
import type {ResolvedHost} from '../../src/profiles/types.js'
import {planReturnHome, type EvacuatedGuest, type ReturnHomeInput, type ReturnVerdict} from '../../src/site/return-home.js'
import type {HostCapacity, Readiness, SitePolicy} from '../../src/site/types.js'
import {blocked, host, policy, resident, uuidOf} from './site-fixtures.js'

const PROFILE_HOSTS = ['home', 'away', 'other']

function input(
  record: EvacuatedGuest[],
  hosts: HostCapacity[],
  more: {readiness?: Readiness[]; policy?: SitePolicy; profileHosts?: string[]} = {},
): ReturnHomeInput {
  const names = more.profileHosts ?? PROFILE_HOSTS
  // placement reads only the names of the profile's hosts
  const profileHosts = Object.fromEntries(names.map((n) => [n, {name: n} as ResolvedHost]))
  // every guest found is ready at every host unless the case says otherwise
  const readiness =
    more.readiness ??
    hosts.flatMap((h) => hosts.flatMap((g) => g.guests.map((r) => ({guest: r.name, destination: h.host, status: 'ok' as const, blockers: []}))))
  return {record, hosts, readiness, policy: {...(more.policy ?? policy()), hosts: profileHosts}}
}

const evacuated = (name: string, home = 'home'): EvacuatedGuest => ({uuid: uuidOf(name), name, home})

interface Case {
  name: string
  input: ReturnHomeInput
  /** [guest, kind, code or from] in verdict order. */
  verdicts: [guest: string, kind: ReturnVerdict['kind'], detail: string][]
  /** Parts of the reasons of the first verdict. */
  reasons?: string[]
}

const cases: Case[] = [
  {
    name: 'a guest away from home goes back',
    input: input([evacuated('web1')], [host('home', 8), host('away', 8, {guests: [resident('web1', 2)]})]),
    verdicts: [['web1', 'return', 'away']],
  },
  {
    name: 'a guest already home (someone moved it back) needs nothing',
    input: input([evacuated('web1')], [host('home', 8, {guests: [resident('web1', 2)]}), host('away', 8)]),
    verdicts: [['web1', 'home', 'running']],
  },
  {
    name: 'running elsewhere with a leftover definition at home: it goes back from where it runs',
    input: input(
      [evacuated('web1')],
      [host('home', 8, {guests: [resident('web1', 2, {state: 'shut off'})]}), host('away', 8, {guests: [resident('web1', 2)]})],
    ),
    verdicts: [['web1', 'return', 'away']],
  },
  {
    name: 'running at home with a leftover definition elsewhere: home',
    input: input(
      [evacuated('web1')],
      [host('home', 8, {guests: [resident('web1', 2)]}), host('away', 8, {guests: [resident('web1', 2, {state: 'shut off'})]})],
    ),
    verdicts: [['web1', 'home', 'running']],
  },
  {
    name: 'defined nowhere, every host read: gone',
    input: input([evacuated('web1')], [host('home', 8), host('away', 8), host('other', 8)]),
    verdicts: [['web1', 'stays', 'gone']],
    reasons: [`no host defines UUID ${uuidOf('web1')} (hosts read: away, home, other)`],
  },
  {
    name: 'not on the hosts read while one could not be read: not-found, naming it',
    input: input([evacuated('web1')], [host('home', 8), host('away', 8)]),
    verdicts: [['web1', 'stays', 'not-found']],
    reasons: ['not on any host read (away, home); not read: other'],
  },
  {
    name: 'renamed since the evacuation: stays, with both names',
    input: input([evacuated('web1')], [host('home', 8), host('away', 8, {guests: [resident('web1-old', 2, {uuid: uuidOf('web1')})]})]),
    verdicts: [['web1', 'stays', 'renamed']],
    reasons: ['renamed from web1 to web1-old on away since the evacuation'],
  },
  {
    name: 'active on two hosts: stays until someone finds the current copy',
    input: input(
      [evacuated('web1')],
      [host('home', 8), host('away', 8, {guests: [resident('web1')]}), host('other', 8, {guests: [resident('web1', 1, {state: 'paused'})]})],
    ),
    verdicts: [['web1', 'stays', 'running-twice']],
    reasons: ['active on away (running) and other (paused)'],
  },
  {
    name: 'its home is no longer in the profile',
    input: input([evacuated('web1', 'retired')], [host('away', 8, {guests: [resident('web1')]})], {profileHosts: ['away']}),
    verdicts: [['web1', 'stays', 'home-not-in-profile']],
  },
  {
    name: 'its home could not be read',
    input: input([evacuated('web1')], [host('away', 8, {guests: [resident('web1')]})]),
    verdicts: [['web1', 'stays', 'home-unreachable']],
    reasons: ['its home home could not be read'],
  },
  {
    name: "blocked at home: the check's blockers there",
    input: input([evacuated('web1')], [host('home', 8), host('away', 8, {guests: [resident('web1')]})], {
      readiness: [{guest: 'web1', destination: 'home', ...blocked('dest-name-conflict')}],
    }),
    verdicts: [['web1', 'stays', 'blocked']],
    reasons: ['blocked: dest-name-conflict'],
  },
  {
    name: 'excluded from its home by the profile since: stays',
    input: input([evacuated('web1')], [host('home', 8), host('away', 8, {guests: [resident('web1')]})], {
      policy: policy({guests: {web1: {exclude: ['home']}}}),
    }),
    verdicts: [['web1', 'stays', 'blocked']],
    reasons: ['excluded by the profile'],
  },
  {
    name: 'home memory is shared by the guests going back: the biggest first, the one that no longer fits stays',
    input: input(
      [evacuated('small'), evacuated('big'), evacuated('mid')],
      [host('home', 7), host('away', 32, {guests: [resident('small', 1), resident('big', 4)]}), host('other', 32, {guests: [resident('mid', 2.5)]})],
    ),
    verdicts: [
      ['big', 'return', 'away'],
      ['mid', 'return', 'other'],
      ['small', 'stays', 'blocked'],
    ],
  },
  {
    name: 'anti-affinity at home: a guest of its group went there meanwhile',
    input: input([evacuated('db1')], [host('home', 8, {guests: [resident('db2')]}), host('away', 8, {guests: [resident('db1')]})], {
      policy: policy({antiAffinity: {hadr: ['db1', 'db2']}}),
    }),
    verdicts: [['db1', 'stays', 'blocked']],
    reasons: ['anti-affinity group hadr: db2 already there'],
  },
  {
    name: 'each guest to its own home; verdicts: returns in order, then those that stay, then those home',
    input: input(
      [evacuated('b1', 'away'), evacuated('gone1'), evacuated('h1'), evacuated('a1')],
      [host('home', 8, {guests: [resident('h1')]}), host('away', 8, {guests: [resident('a1', 3)]}), host('other', 8, {guests: [resident('b1', 1)]})],
    ),
    verdicts: [
      ['a1', 'return', 'away'],
      ['b1', 'return', 'other'],
      ['gone1', 'stays', 'gone'],
      ['h1', 'home', 'running'],
    ],
  },
]

function detail(v: ReturnVerdict): string {
  return v.kind === 'return' ? v.from : v.kind === 'home' ? v.state : v.code
}

describe('site: bringing guests home', () => {
  for (const c of cases) {
    it(c.name, () => {
      const verdicts = planReturnHome(c.input)
      expect(verdicts.map((v) => [v.guest, v.kind, detail(v)])).to.deep.equal(c.verdicts)
      const [first] = verdicts
      for (const part of c.reasons ?? []) {
        expect(first.kind === 'stays' && first.reasons.join('; ')).to.include(part)
      }
    })
  }

  it('a return says where from and to, in the order to start it; the memory reason names the others sent home', () => {
    const verdicts = planReturnHome(
      input([evacuated('small'), evacuated('big')], [host('home', 5), host('away', 32, {guests: [resident('small', 2), resident('big', 4)]})]),
    )
    expect(verdicts[0]).to.deep.equal({
      kind: 'return',
      guest: 'big',
      uuid: uuidOf('big'),
      home: 'home',
      from: 'away',
      order: 1,
      why: 'back to home, where it was evacuated from',
      warnings: [],
    })
    expect(verdicts[1]).to.deep.include({
      kind: 'stays',
      guest: 'small',
      home: 'home',
      now: 'away',
      code: 'blocked',
      reasons: ['memory: needs 2 GiB, 1 GiB free after 1 guest placed here'],
    })
  })
})
