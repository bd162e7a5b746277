import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {InputError} from '../../src/errors.js'
import {checkProfileFile, loadProfile, ProfileInvalidError, type LoadOptions} from '../../src/profiles/load.js'

const HOME = '/home/admin'
/** Rule ids as the registry will have them; the loader takes them as an option so these tests don't depend on which rules exist today. */
const RULE_IDS = ['dasd-udev-node', 'disk-cache-unsafe', 'vfio-ccw-mdev-missing']
const OPTS: LoadOptions = {home: HOME, ruleIds: RULE_IDS}

describe('profile loader', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-profile-load-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  /** Writes the lines to site/profile.yaml under the temp dir and returns the path. */
  function profileFile(lines: string[], name = 'profile.yaml'): string {
    const file = path.join(dir, 'site', name)
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }

  const twoHosts = ['site: dc1', 'hosts:', '  lp01:', '    address: 192.0.2.21', '  lp02:', '    address: 192.0.2.22']

  describe('valid profiles', () => {
    it('applies the built-in defaults and leaves SSH settings for ~/.ssh/config unset', () => {
      const file = profileFile(['site: dc1', 'hosts:', '  lp01:', '    address: 192.0.2.21'])
      const profile = loadProfile(file, OPTS)
      expect(profile.site).to.equal('dc1')
      expect(profile.file).to.equal(file)
      expect(profile.hosts.lp01).to.deep.equal({
        name: 'lp01',
        transport: 'ssh',
        address: '192.0.2.21',
        identities: [],
        trustOnFirstUse: false,
        libvirtUri: 'qemu:///system',
        migrationUri: 'qemu+ssh://192.0.2.21/system',
        root: '/',
        connectTimeoutMs: 10_000,
        agent: true,
      })
      expect(profile.hosts.lp01).not.to.have.any.keys('port', 'user', 'knownHosts')
      expect(profile.rules).to.deep.equal({})
      expect(profile.detachForMigration).to.deep.equal([])
      expect(profile.mappings).to.deep.equal([])
      expect(profile.migration).to.deep.equal({
        mode: 'auto',
        persistent: true,
        undefineSource: true,
        suspendOnArrival: false,
        copyStorage: 'auto',
        sourceImages: 'keep',
        parallelConnections: 0,
        autoConverge: false,
        timeoutAction: 'suspend',
        transport: 'direct',
        tunnelled: false,
        unsafe: false,
        detachTimeoutSeconds: 30,
        limits: {onLimit: 'cancel'},
        dirtyRate: {measure: false, seconds: 1, windows: 3},
      })
    })

    it('merges defaults into each host, the host winning', () => {
      const file = profileFile([
        'site: dc1',
        'defaults:',
        '  user: zmigrate',
        '  port: 22',
        '  identity: [/etc/zmigrate/id_a, /etc/zmigrate/id_b]',
        '  connect-timeout: 2.5',
        '  agent: false',
        '  trust-on-first-use: true',
        'hosts:',
        '  lp01:',
        '    address: 192.0.2.21',
        '  lp02:',
        '    address: 192.0.2.22',
        '    user: root',
        '    port: 2222',
        '    identity: /etc/zmigrate/id_lp02',
        '    agent: true',
      ])
      const {lp01, lp02} = loadProfile(file, OPTS).hosts
      expect(lp01).to.include({user: 'zmigrate', port: 22, connectTimeoutMs: 2500, agent: false, trustOnFirstUse: true})
      expect(lp01.identities).to.deep.equal(['/etc/zmigrate/id_a', '/etc/zmigrate/id_b'])
      expect(lp01.migrationUri).to.equal('qemu+ssh://zmigrate@192.0.2.21:22/system')
      expect(lp02).to.include({user: 'root', port: 2222, agent: true, trustOnFirstUse: true})
      // a host's identity list replaces the defaults' list, it does not add to it
      expect(lp02.identities).to.deep.equal(['/etc/zmigrate/id_lp02'])
      expect(lp02.migrationUri).to.equal('qemu+ssh://root@192.0.2.22:2222/system')
    })

    it('resolves relative paths against the profile directory and ~/ against HOME', () => {
      const file = profileFile([
        'site: dc1',
        'defaults:',
        '  known-hosts: ssh/known_hosts',
        'hosts:',
        '  lp01:',
        '    address: 192.0.2.21',
        '    identity: [~/.ssh/id_ed25519, keys/id_rsa, /abs/key]',
        '    root: ../trees/lp01',
        '  lp02:',
        '    address: 192.0.2.22',
        '    root: "~"',
      ])
      const {lp01, lp02} = loadProfile(file, OPTS).hosts
      const siteDir = path.dirname(file)
      expect(lp01.identities).to.deep.equal([`${HOME}/.ssh/id_ed25519`, path.join(siteDir, 'keys/id_rsa'), '/abs/key'])
      expect(lp01.knownHosts).to.equal(path.join(siteDir, 'ssh/known_hosts'))
      expect(lp01.root).to.equal(path.join(dir, 'trees/lp01'))
      expect(path.isAbsolute(lp01.root)).to.equal(true)
      expect(lp02.root).to.equal(HOME)
    })

    const uriCases = [
      {name: 'IPv6 address in brackets', host: ['    address: "2001:db8::21"'], uri: 'qemu+ssh://[2001:db8::21]/system'},
      {
        name: 'explicit migration-uri kept',
        host: ['    address: 192.0.2.21', '    migration-uri: qemu+tcp://10.1.1.21/system'],
        uri: 'qemu+tcp://10.1.1.21/system',
      },
      {name: 'local transport defaults to localhost', host: ['    transport: local'], uri: 'qemu+ssh://localhost/system'},
    ]
    for (const c of uriCases) {
      it(`migration URI: ${c.name}`, () => {
        const profile = loadProfile(profileFile(['site: dc1', 'hosts:', '  lp01:', ...c.host]), OPTS)
        expect(profile.hosts.lp01.migrationUri).to.equal(c.uri)
      })
    }

    it('resolves the migration policy, rule overrides and devices', () => {
      const file = profileFile([
        ...twoHosts,
        'rules:',
        '  disk-cache-unsafe:',
        '    severity: info',
        '    reason: lab images are on local ext4',
        '  vfio-ccw-mdev-missing: {enabled: false, reason: mdevs are created by the runbook}',
        'migration:',
        '  mode: live',
        '  postcopy-after: 60',
        '  timeout-action: postcopy',
        '  bandwidth: 512',
        '  transport: p2p',
        '  tunnelled: true',
        'devices:',
        '  detach-for-migration:',
        '    - {kind: hostdev, model: vfio-ccw, devno: "0x0009"}',
        '  mappings:',
        '    - {kind: mdev, to-host: lp02, from: 90C6B1A4-1F3E-4D2B-9C1A-000000000001, to: 90c6b1a4-1f3e-4d2b-9c1a-000000000002}',
      ])
      const profile = loadProfile(file, OPTS)
      expect(profile.rules).to.deep.equal({
        'disk-cache-unsafe': {rule: 'disk-cache-unsafe', severity: 'info', reason: 'lab images are on local ext4'},
        'vfio-ccw-mdev-missing': {rule: 'vfio-ccw-mdev-missing', enabled: false, reason: 'mdevs are created by the runbook'},
      })
      expect(profile.migration).to.include({
        mode: 'live',
        postcopyAfterSeconds: 60,
        timeoutAction: 'postcopy',
        bandwidthMiB: 512,
        transport: 'p2p',
        tunnelled: true,
      })
      expect(profile.detachForMigration).to.deep.equal([{kind: 'hostdev', model: 'vfio-ccw', devno: '0x0009'}])
      // libvirt writes mdev UUIDs in lower case and mappings match exactly
      expect(profile.mappings[0].from).to.equal('90c6b1a4-1f3e-4d2b-9c1a-000000000001')
    })

    it('resolves the limits and the dirty-rate measurement', () => {
      const file = profileFile([
        ...twoHosts,
        'migration:',
        '  postcopy-after: 300',
        '  max-downtime-ms: 400',
        '  max-total: 1800',
        '  max-downtime: 1000',
        '  on-limit: postcopy',
        '  measure-dirty-rate: true',
        '  dirty-rate-seconds: 5',
        '  dirty-rate-windows: 2',
      ])
      const profile = loadProfile(file, OPTS)
      expect(profile.migration.limits).to.deep.equal({maxTotalSeconds: 1800, maxDowntimeMs: 1000, onLimit: 'postcopy'})
      expect(profile.migration.dirtyRate).to.deep.equal({measure: true, seconds: 5, windows: 2})
      expect(loadProfile(profileFile(twoHosts), OPTS).migration.dirtyRate).to.deep.equal({measure: false, seconds: 1, windows: 3})
      expect(profile.migration.maxDowntimeMs).to.equal(400)
    })

    it('records the sha256 of the file bytes', () => {
      const file = profileFile(twoHosts)
      const sha = createHash('sha256')
        .update(twoHosts.join('\n') + '\n')
        .digest('hex')
      expect(loadProfile(file, OPTS).sha256).to.equal(sha)
    })
  })

  interface InvalidCase {
    name: string
    lines: string[]
    /** Every problem, in order: line, column and a part of the message. */
    problems: [line: number, col: number, message: string][]
  }

  const invalid: InvalidCase[] = [
    {
      name: 'YAML syntax: unclosed flow sequence',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    identity: [a, b', '    address: x'],
      problems: [[5, 5, 'YAML: Flow sequence']],
    },
    {
      name: 'YAML: duplicate key',
      lines: ['site: dc1', 'hosts:', '  lp01: {address: a}', '  lp01: {address: b}'],
      problems: [[4, 3, 'duplicate key "lp01"']],
    },
    {
      name: 'YAML: tab indentation',
      lines: ['site: dc1', 'hosts:', '\tlp01: {address: a}'],
      problems: [[3, 1, 'Tabs are not allowed']],
    },
    {name: 'empty file', lines: [''], problems: [[1, 1, 'the profile is empty']]},
    {name: 'not a map', lines: ['- site: dc1'], problems: [[1, 1, 'expected object, received array']]},
    {
      name: 'wrong type, located at the value',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    address: 192.0.2.21', '    port: "22"'],
      problems: [[5, 11, 'hosts.lp01.port: expected number, received string']],
    },
    {
      name: 'value out of range',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    address: a', '    port: 70000'],
      problems: [[5, 11, 'hosts.lp01.port: Too big']],
    },
    {
      name: 'enum value',
      lines: [...twoHosts, 'migration:', '  mode: fast'],
      problems: [[8, 9, 'migration.mode: expected one of "auto"|"live"|"non-live"|"offline"']],
    },
    {
      name: 'unknown key typo, located at the key, with a suggestion',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    adress: 192.0.2.21'],
      problems: [[4, 5, 'hosts.lp01.adress: unknown key "adress" (did you mean "address"?)']],
    },
    {
      name: 'unknown top-level key',
      lines: [...twoHosts, 'migrations: {}'],
      problems: [[7, 1, 'migrations: unknown key "migrations" (did you mean "migration"?)']],
    },
    {name: 'missing site', lines: ['# a comment', 'hosts:', '  lp01: {address: a}'], problems: [[2, 1, 'missing required key "site"']]},
    {
      name: 'invalid host name',
      lines: ['site: dc1', 'hosts:', '  "lp 01": {address: a}'],
      problems: [[3, 3, 'hosts["lp 01"]: invalid name "lp 01"']],
    },
    {
      name: 'rule override without a reason, located at the rule',
      lines: [...twoHosts, 'rules:', '  disk-cache-unsafe:', '    severity: info'],
      problems: [[8, 3, 'rules.disk-cache-unsafe: missing required key "reason"']],
    },
    {
      name: 'rule override that changes nothing',
      lines: [...twoHosts, 'rules:', '  disk-cache-unsafe: {reason: because}'],
      problems: [[8, 3, 'rules.disk-cache-unsafe: set enabled or severity']],
    },
    {
      name: 'unknown rule id with a suggestion',
      lines: [...twoHosts, 'rules:', '  disk-cache-unsaf:', '    severity: info', '    reason: local ext4'],
      problems: [[8, 3, 'rules.disk-cache-unsaf: unknown rule id "disk-cache-unsaf" (did you mean "disk-cache-unsafe"?)']],
    },
    {
      name: 'unknown rule id, nothing close',
      lines: [...twoHosts, 'rules:', '  totally-different: {severity: info, reason: x}'],
      problems: [[8, 3, 'unknown rule id "totally-different"; zmigrate rules lists the rule ids']],
    },
    {
      name: 'mapping to a host the profile does not have',
      lines: [...twoHosts, 'devices:', '  mappings:', '    - kind: disk-source', '      to-host: lp03', '      from: /dev/a', '      to: /dev/b'],
      problems: [[10, 16, 'devices.mappings[0].to-host: "lp03" is not a host of this profile (did you mean "lp01"?)']],
    },
    {
      name: 'ssh host without an address',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    user: root'],
      problems: [[3, 3, 'hosts.lp01: transport ssh (the default) needs an address']],
    },
    {
      name: 'mdev mapping values must be UUIDs',
      lines: [...twoHosts, 'devices:', '  mappings:', '    - {kind: mdev, from: 0.0.0009, to: 90c6b1a4-1f3e-4d2b-9c1a-000000000002}'],
      problems: [[9, 26, 'devices.mappings[0].from: "0.0.0009" is not an mdev UUID']],
    },
    {
      name: 'conflicting mappings',
      lines: [
        ...twoHosts,
        'devices:',
        '  mappings:',
        '    - {kind: net-source, from: enc1a00, to: enc2a00}',
        '    - {kind: net-source, from: enc1a00, to: enc3a00}',
      ],
      problems: [[10, 45, 'devices.mappings[1].to: conflicts with devices.mappings[0]']],
    },
    {
      name: 'selector devno must be a ccw devno',
      lines: [...twoHosts, 'devices:', '  detach-for-migration:', '    - kind: hostdev', '      devno: 0.0.0009'],
      problems: [[10, 14, 'devno: "0.0.0009" is not a ccw device number']],
    },
    {
      name: 'empty selector',
      lines: [...twoHosts, 'devices:', '  detach-for-migration:', '    - {}'],
      problems: [[9, 7, 'an empty selector would select every device']],
    },
    {
      name: '~user paths are not expanded',
      lines: ['site: dc1', 'defaults:', '  identity: ~bob/.ssh/id', 'hosts:', '  lp01: {address: a}'],
      problems: [[3, 13, 'defaults.identity: "~bob/.ssh/id": only ~ and ~/']],
    },
    {
      name: 'a bare ~ is null in YAML',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    address: a', '    root: ~'],
      problems: [[5, 11, 'hosts.lp01.root: has no value: a bare ~ means null in YAML; write "~" in quotes']],
    },
    {
      name: 'a key without a value',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    address:'],
      problems: [[4, 5, 'hosts.lp01.address: has no value']],
    },
    {
      name: "QEMU's downtime target above the max-downtime limit",
      lines: [...twoHosts, 'migration:', '  max-downtime-ms: 2000', '  max-downtime: 1000'],
      problems: [[8, 20, "migration.max-downtime-ms: QEMU's switch-over target (2000 ms) is above max-downtime (1000 ms)"]],
    },
    {
      name: 'on-limit without a limit',
      lines: [...twoHosts, 'migration:', '  on-limit: suspend'],
      problems: [[8, 13, 'migration.on-limit: on-limit says what exceeding max-total or max-downtime does: set one of them']],
    },
    {
      name: 'on-limit postcopy without post-copy enabled',
      lines: [...twoHosts, 'migration:', '  max-total: 600', '  on-limit: postcopy'],
      problems: [[9, 13, 'migration.on-limit: switching to post-copy at a limit needs post-copy enabled when the migration starts: set postcopy-after']],
    },
    {
      name: 'on-limit: an action zmigrate does not know',
      lines: [...twoHosts, 'migration:', '  max-total: 600', '  on-limit: abort'],
      problems: [[9, 13, 'migration.on-limit: expected one of "cancel"|"suspend"|"postcopy"']],
    },
    {
      name: 'a measurement longer than libvirt allows, more windows than zmigrate takes, a limit that is not whole seconds',
      lines: [...twoHosts, 'migration:', '  dirty-rate-seconds: 61', '  max-total: 1.5', '  dirty-rate-windows: 11'],
      problems: [
        [8, 23, 'migration.dirty-rate-seconds: Too big'],
        [9, 14, 'migration.max-total: expected int'],
        [10, 23, 'migration.dirty-rate-windows: Too big'],
      ],
    },
    {
      name: 'tunnelled without p2p',
      lines: [...twoHosts, 'migration:', '  tunnelled: true'],
      problems: [[8, 14, 'needs transport: p2p']],
    },
    {
      name: 'every problem is reported, in file order',
      lines: ['site: dc1', 'hosts:', '  lp01:', '    adress: a', '    port: x', '  lp02:', '    address: b', 'rules:', '  disk-cache-unsafe: {severity: info}'],
      problems: [
        [4, 5, 'unknown key "adress"'],
        [5, 11, 'expected number'],
        [9, 3, 'missing required key "reason"'],
      ],
    },
    {
      name: 'semantic problems are reported together with schema problems',
      lines: [
        'site: dc1',
        'hosts:',
        '  lp01: {address: a, port: x}',
        'rules:',
        '  disk-cache-unsaf: {reason: local ext4}',
        'devices:',
        '  mappings: [{kind: pci, to-host: lp02, from: a, to: b}]',
      ],
      problems: [
        [3, 28, 'hosts.lp01.port: expected number'],
        [5, 3, 'rules.disk-cache-unsaf: set enabled or severity'],
        [5, 3, 'rules.disk-cache-unsaf: unknown rule id "disk-cache-unsaf" (did you mean "disk-cache-unsafe"?)'],
        [7, 35, 'devices.mappings[0].to-host: "lp02" is not a host of this profile (did you mean "lp01"?)'],
      ],
    },
  ]

  describe('problems located at file:line:col', () => {
    for (const c of invalid) {
      it(c.name, () => {
        const file = profileFile(c.lines)
        const {profile, issues} = checkProfileFile(file, OPTS)
        expect(profile).to.equal(undefined)
        expect(issues.map((i) => [i.location.line, i.location.col])).to.deep.equal(c.problems.map(([line, col]) => [line, col]))
        issues.forEach((issue, i) => {
          expect(issue.location.file).to.equal(file)
          expect(issue.message).to.include(c.problems[i][2])
          expect(issue.message).not.to.include('\n')
        })
      })
    }

    it('loadProfile throws one located InputError naming the count of the other problems', () => {
      const file = profileFile(invalid.find((c) => c.name === 'every problem is reported, in file order')!.lines)
      let thrown: unknown
      try {
        loadProfile(file, OPTS)
      } catch (error) {
        thrown = error
      }
      expect(thrown).to.be.instanceOf(ProfileInvalidError).and.instanceOf(InputError)
      const error = thrown as ProfileInvalidError
      expect(error.exitCode).to.equal(2)
      expect(error.location).to.deep.equal({file, line: 4, col: 5})
      expect(error.message).to.equal(`${file}:4:5: hosts.lp01.adress: unknown key "adress" (did you mean "address"?) (and 2 more problems)`)
      expect(error.issues).to.have.length(3)
      expect(error.remedy).to.include('zmigrate profile validate')
    })

    it('checks rule ids against the rule registry by default', () => {
      const file = profileFile([...twoHosts, 'rules:', '  dasd-udev-nod: {severity: warning, reason: x}'])
      const {issues} = checkProfileFile(file, {home: HOME})
      expect(issues.map((i) => i.message)).to.deep.equal([
        'rules.dasd-udev-nod: unknown rule id "dasd-udev-nod" (did you mean "dasd-udev-node"?); zmigrate rules lists the rule ids',
      ])
    })

    it('an unreadable file is an input error without a line', () => {
      expect(() => loadProfile(path.join(dir, 'nope.yaml'), OPTS))
        .to.throw(InputError, 'cannot read the profile: no such file')
        .with.property('location')
        .that.deep.equals({file: path.join(dir, 'nope.yaml')})
    })
  })
})
