import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {checkProfileFile, checkProfileText, loadProfile, type LoadOptions} from '../../src/profiles/load.js'
import {memorySizeKiB} from '../../src/profiles/resolve-site.js'
import {renderProfile} from '../../src/profiles/show-text.js'
import {starterProfile} from '../../src/profiles/starter.js'

const OPTS: LoadOptions = {home: '/home/admin', ruleIds: []}
const threeHosts = ['site: dc1', 'hosts:', '  lp01: {address: 192.0.2.21}', '  lp02: {address: 192.0.2.22}', '  lp03: {address: 192.0.2.23}']

describe('profile: relocation domains, placement, concurrency', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-profile-site-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  let n = 0
  function profileFile(lines: string[]): string {
    const file = path.join(dir, `p${n++}.yaml`)
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }

  describe('valid', () => {
    it('defaults: no domains, 512 MiB reserved, vCPUs not counted, site 4 / outgoing 4 / incoming 2, no total bandwidth', () => {
      const profile = loadProfile(profileFile(threeHosts), OPTS)
      expect(profile.relocationDomains).to.deep.equal({})
      expect(profile.placement).to.deep.equal({reserve: {memoryKiB: 512 * 1024}, guests: {}, antiAffinity: {}})
      expect(profile.concurrency).to.deep.equal({site: 4, outgoing: 4, incoming: 2})
      expect(profile.migration).not.to.have.property('totalBandwidthMiB')
    })

    it('resolves every key', () => {
      const profile = loadProfile(
        profileFile([
          ...threeHosts,
          'migration: {bandwidth: 512, total-bandwidth: 1024}',
          'relocation-domains:',
          '  prod: [lp01, lp02]',
          '  test: [lp03]',
          'placement:',
          '  default-domain: prod',
          '  reserve: {memory: 4GiB, cpus: 2}',
          '  guests:',
          '    licsrv: {pin: [lp01]}',
          '    app1: {domain: test, exclude: [lp03]}',
          '  anti-affinity:',
          '    db: [db1, db2]',
          'concurrency: {site: 4, outgoing: 3, incoming: 2}',
        ]),
        OPTS,
      )
      expect(profile.relocationDomains).to.deep.equal({prod: ['lp01', 'lp02'], test: ['lp03']})
      expect(profile.placement).to.deep.equal({
        defaultDomain: 'prod',
        reserve: {memoryKiB: 4 * 1024 * 1024, cpus: 2},
        guests: {licsrv: {pin: ['lp01'], exclude: []}, app1: {domain: 'test', exclude: ['lp03']}},
        antiAffinity: {db: ['db1', 'db2']},
      })
      expect(profile.concurrency).to.deep.equal({site: 4, outgoing: 3, incoming: 2})
      expect(profile.migration).to.include({bandwidthMiB: 512, totalBandwidthMiB: 1024})
    })

    it('a site limit below the defaults caps them', () => {
      const profile = loadProfile(profileFile([...threeHosts, 'concurrency: {site: 1}']), OPTS)
      expect(profile.concurrency).to.deep.equal({site: 1, outgoing: 1, incoming: 1})
    })

    const sizes: [number | string, number][] = [
      [0, 0],
      [1536, 1536 * 1024],
      ['512MiB', 512 * 1024],
      ['1.5 GiB', 1.5 * 1024 * 1024],
      ['2048KiB', 2048],
      ['1TiB', 1024 ** 3],
    ]
    for (const [size, kib] of sizes) {
      it(`reserve memory ${JSON.stringify(size)} is ${kib} KiB`, () => {
        expect(memorySizeKiB(size)).to.equal(kib)
        const memory = typeof size === 'number' ? String(size) : `"${size}"`
        expect(loadProfile(profileFile([...threeHosts, `placement: {reserve: {memory: ${memory}}}`]), OPTS).placement.reserve.memoryKiB).to.equal(kib)
      })
    }

    it('profile show says where guests may go and how many move at once', () => {
      const file = profileFile([
        ...threeHosts,
        'migration: {total-bandwidth: 1024}',
        'relocation-domains: {prod: [lp01, lp02]}',
        'placement: {default-domain: prod, guests: {licsrv: {pin: [lp01], exclude: [lp02]}}, anti-affinity: {db: [db1, db2]}}',
      ])
      const text = renderProfile({found: {file, how: 'test'}, profile: loadProfile(file, OPTS)}, () => undefined)
      expect(text).to.match(/total bandwidth: +1024 MiB\/s shared by the migrations running at once/)
      expect(text).to.include('Relocation domains (sets of hosts a guest may move between)\n  prod: lp01, lp02')
      expect(text).to.match(/default domain: +prod/)
      expect(text).to.match(/reserve memory: +512 MiB kept free on every destination/)
      expect(text).to.match(/reserve CPUs: +not set: vCPUs are not counted/)
      expect(text).to.include('  guest licsrv: only lp01; never lp02')
      expect(text).to.include('  anti-affinity db: db1, db2 never share a host')
      expect(text).to.match(/in the site: +4\n +leaving one host: +4\n +arriving at one host: +2/)
    })

    it('profile show says the downtime target, the limits and whether check measures dirty rates', () => {
      const show = (migration: string) => {
        const file = profileFile([...threeHosts, `migration: ${migration}`])
        return renderProfile({found: {file, how: 'test'}, profile: loadProfile(file, OPTS)}, () => undefined)
      }
      const none = show('{}')
      expect(none).to.match(/downtime target: +QEMU's default \(300 ms\)/)
      expect(none).to.match(/limits: +none/)
      expect(none).to.match(/dirty rate in check: +not measured/)
      const set = show('{max-total: 1800, max-downtime: 800, on-limit: suspend, measure-dirty-rate: true, dirty-rate-seconds: 3}')
      expect(set).to.match(/downtime target: +800 ms \(max-downtime\)/)
      expect(set).to.match(/limits: +max-total 1800 s, max-downtime 800 ms; when exceeded: suspend/)
      expect(set).to.match(/dirty rate in check: +measured, 3 s per running guest/)
    })

    it("the starter profile's commented migration, placement and concurrency examples validate once uncommented", () => {
      const starter = starterProfile('dc1', [])
      const start = starter.indexOf('# migration:')
      const end = starter.indexOf('# devices:')
      const block = starter
        .slice(start, end)
        .split('\n')
        .filter((l) => /^# {0,7}[A-Za-z-]+:/.test(l))
        .map((l) => l.slice(2))
      const text = `${starter.slice(0, start)}${block.join('\n')}\n`
      expect(block.join('\n')).to.include('relocation-domains:').and.include('anti-affinity:').and.include('concurrency:')
      const {issues, profile} = checkProfileText(text, path.join(dir, 'starter.yaml'), OPTS)
      expect(issues.map((i) => i.message)).to.deep.equal([])
      expect(profile?.relocationDomains).to.deep.equal({production: ['kvm-a', 'kvm-b']})
      expect(profile?.migration.totalBandwidthMiB).to.equal(2048)
    })
  })

  interface InvalidCase {
    name: string
    lines: string[]
    problems: [line: number, col: number, message: string][]
  }
  // threeHosts is lines 1-5: the sections start on line 6
  const invalid: InvalidCase[] = [
    {
      name: 'relocation domain naming a host the profile does not have',
      lines: [...threeHosts, 'relocation-domains:', '  prod: [lp01, lp04]'],
      problems: [[7, 16, 'relocation-domains.prod[1]: "lp04" is not a host of this profile (did you mean "lp01"?)']],
    },
    {
      name: 'relocation domain without hosts',
      lines: [...threeHosts, 'relocation-domains:', '  prod: []'],
      problems: [[7, 3, 'relocation-domains.prod: a relocation domain needs at least one host']],
    },
    {
      name: 'relocation domain listing a host twice',
      lines: [...threeHosts, 'relocation-domains:', '  prod: [lp01, lp02, lp01]'],
      problems: [[7, 22, 'relocation-domains.prod[2]: "lp01" is listed twice (also at [0])']],
    },
    {
      name: 'relocation domain with an invalid name',
      lines: [...threeHosts, 'relocation-domains:', '  "prod one": [lp01]'],
      problems: [[7, 3, 'invalid name "prod one"']],
    },
    {
      name: 'default domain that does not exist',
      lines: [...threeHosts, 'relocation-domains: {prod: [lp01]}', 'placement:', '  default-domain: prd'],
      problems: [[8, 19, 'placement.default-domain: "prd" is not a relocation domain of this profile (did you mean "prod"?)']],
    },
    {
      name: 'guest domain when the profile has no domains',
      lines: [...threeHosts, 'placement:', '  guests:', '    app1: {domain: prod}'],
      problems: [[8, 20, 'placement.guests.app1.domain: "prod" is not a relocation domain of this profile; the profile has no relocation-domains']],
    },
    {
      name: 'pin naming an unknown host',
      lines: [...threeHosts, 'placement:', '  guests:', '    app1:', '      pin: [lp09]'],
      problems: [[9, 13, 'placement.guests.app1.pin[0]: "lp09" is not a host of this profile (did you mean "lp01"?)']],
    },
    {
      name: 'exclude naming an unknown host',
      lines: [...threeHosts, 'placement:', '  guests:', '    app1:', '      exclude: [lp01, kvm]'],
      problems: [[9, 23, 'placement.guests.app1.exclude[1]: "kvm" is not a host of this profile; hosts: lp01, lp02, lp03']],
    },
    {
      name: 'a host both pinned and excluded',
      lines: [...threeHosts, 'placement:', '  guests:', '    app1:', '      pin: [lp01, lp02]', '      exclude: [lp02]'],
      problems: [[9, 19, 'placement.guests.app1.pin[1]: lp02 is both pinned and excluded']],
    },
    {
      name: "a pin outside the guest's own domain",
      lines: [...threeHosts, 'relocation-domains: {prod: [lp01, lp02], test: [lp03]}', 'placement:', '  guests:', '    app1: {domain: test, pin: [lp01]}'],
      problems: [[9, 32, 'placement.guests.app1.pin[0]: lp01 is not in relocation domain test, so app1 could never go there']],
    },
    {
      name: 'a pin outside the default domain',
      lines: [...threeHosts, 'relocation-domains: {prod: [lp01, lp02]}', 'placement:', '  default-domain: prod', '  guests:', '    app1: {pin: [lp03]}'],
      problems: [[10, 18, 'lp03 is not in relocation domain prod (the default domain), so app1 could never go there']],
    },
    {
      name: 'a guest rule that says nothing',
      lines: [...threeHosts, 'placement:', '  guests:', '    app1: {}'],
      problems: [[8, 5, 'placement.guests.app1: set domain, pin or exclude']],
    },
    {
      name: 'reserve memory in decimal units',
      lines: [...threeHosts, 'placement:', '  reserve:', '    memory: 4GB'],
      problems: [[8, 13, 'placement.reserve.memory: a size: a number of MiB, or a number and a binary unit (KiB, MiB, GiB, TiB), e.g. 4GiB']],
    },
    {
      name: 'reserve memory of the wrong type',
      lines: [...threeHosts, 'placement: {reserve: {memory: true}}'],
      problems: [[6, 31, 'placement.reserve.memory: a size: a whole number of MiB, or a string such as 4GiB or 512MiB']],
    },
    {
      name: 'reserve memory as a fraction of a MiB number',
      lines: [...threeHosts, 'placement: {reserve: {memory: 1.5}}'],
      problems: [[6, 31, 'a whole number of MiB']],
    },
    {
      name: 'negative reserve CPUs',
      lines: [...threeHosts, 'placement: {reserve: {cpus: -1}}'],
      problems: [[6, 29, 'placement.reserve.cpus: Too small']],
    },
    {
      name: 'anti-affinity group of one guest',
      lines: [...threeHosts, 'placement:', '  anti-affinity:', '    db: [db1]'],
      problems: [[8, 5, 'placement.anti-affinity.db: an anti-affinity group needs at least two guests']],
    },
    {
      name: 'anti-affinity group listing a guest twice',
      lines: [...threeHosts, 'placement:', '  anti-affinity:', '    db: [db1, db2, db1]'],
      problems: [[8, 20, 'placement.anti-affinity.db[2]: "db1" is listed twice']],
    },
    {
      name: 'unknown placement key, with a suggestion',
      lines: [...threeHosts, 'placement:', '  anti-afinity: {db: [a, b]}'],
      problems: [[7, 3, 'placement.anti-afinity: unknown key "anti-afinity" (did you mean "anti-affinity"?)']],
    },
    {
      name: 'outgoing above the default site limit',
      lines: [...threeHosts, 'concurrency:', '  outgoing: 5'],
      problems: [[7, 13, 'concurrency.outgoing: 5 is more than concurrency.site (4, the default)']],
    },
    {
      name: 'incoming above the site limit',
      lines: [...threeHosts, 'concurrency: {site: 1, incoming: 2}'],
      problems: [[6, 34, 'concurrency.incoming: 2 is more than concurrency.site (1)']],
    },
    {
      name: 'a site limit of zero',
      lines: [...threeHosts, 'concurrency: {site: 0}'],
      problems: [[6, 21, 'concurrency.site: Too small']],
    },
    {
      name: 'bandwidth per migration above the total',
      lines: [...threeHosts, 'migration:', '  bandwidth: 2048', '  total-bandwidth: 1024'],
      problems: [[7, 14, 'migration.bandwidth: 2048 MiB/s per migration is more than total-bandwidth (1024 MiB/s)']],
    },
    {
      name: 'a total bandwidth of zero',
      lines: [...threeHosts, 'migration: {total-bandwidth: 0}'],
      problems: [[6, 30, 'migration.total-bandwidth: Too small']],
    },
    {
      name: 'a domain with a bad member is still a domain for what refers to it',
      lines: [...threeHosts, 'relocation-domains: {prod: [lp01, 7]}', 'placement: {default-domain: prod, guests: {app1: {pin: [lp04]}}}'],
      problems: [
        [6, 35, 'relocation-domains.prod[1]: expected string'],
        [7, 57, 'placement.guests.app1.pin[0]: "lp04" is not a host of this profile'],
      ],
    },
  ]

  describe('problems located at file:line:col', () => {
    for (const c of invalid) {
      it(c.name, () => {
        const file = profileFile(c.lines)
        const {profile, issues} = checkProfileFile(file, OPTS)
        expect(profile).to.equal(undefined)
        expect(issues.map((i) => `${i.location.line}:${i.location.col}`)).to.deep.equal(c.problems.map(([line, col]) => `${line}:${col}`))
        issues.forEach((issue, i) => expect(issue.message).to.include(c.problems[i][2]))
      })
    }
  })
})
