import {runCommand} from '@oclif/test'
import {expect} from 'chai'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {loadProfile} from '../../src/profiles/load.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const ENV_KEYS = ['HOME', 'XDG_CONFIG_HOME', 'ZMIGRATE_PROFILE'] as const

/** Runs `zmigrate ARGS` in-process with the given environment and returns its output and exit status. */
async function zmigrate(args: string[], env: Partial<Record<(typeof ENV_KEYS)[number], string>> = {}) {
  const saved = {exitCode: process.exitCode, env: Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]))}
  process.exitCode = undefined
  for (const k of ENV_KEYS) {
    if (env[k] === undefined) delete process.env[k]
    else process.env[k] = env[k]
  }
  try {
    const out = await runCommand(args, {root: repoRoot})
    return {...out, exitCode: process.exitCode ?? 0}
  } finally {
    process.exitCode = saved.exitCode
    for (const k of ENV_KEYS) {
      if (saved.env[k] === undefined) delete process.env[k]
      else process.env[k] = saved.env[k]
    }
  }
}

describe('zmigrate profile commands', () => {
  let tmp: string
  let home: string
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-profile-cmd-'))
    home = path.join(tmp, 'home')
    mkdirSync(home)
  })
  after(() => rmSync(tmp, {recursive: true, force: true}))

  function write(name: string, lines: string[]): string {
    const file = path.join(tmp, name)
    mkdirSync(path.dirname(file), {recursive: true})
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }

  const validLines = [
    'site: dc1',
    'hosts:',
    '  lp01: {address: 192.0.2.21, user: zmigrate}',
    '  lp02: {address: 192.0.2.22, port: 2222}',
    'rules:',
    '  dasd-udev-node: {severity: warning, reason: both LPARs set DASDs online from one chzdev list}',
    'devices:',
    '  detach-for-migration: [{kind: hostdev, model: vfio-ccw}]',
    '  mappings: [{kind: disk-source, to-host: lp02, from: /dev/disk/by-path/ccw-0.0.7500, to: /dev/disk/by-path/ccw-0.0.8500}]',
  ]
  const invalidLines = ['site: dc1', 'hosts:', '  lp01:', '    adress: 192.0.2.21', 'rules:', '  dasd-udev-nod: {severity: info, reason: x}']

  describe('validate', () => {
    it('valid file: exit 0 and says so', async () => {
      const file = write('valid.yaml', validLines)
      const {stdout, exitCode} = await zmigrate(['profile', 'validate', file], {HOME: home})
      expect(exitCode).to.equal(0)
      expect(stdout).to.equal(`${file}: valid profile for site dc1 (2 hosts)\n`)
    })

    it('invalid file: exit 2, every problem as file:line:col: message', async () => {
      const file = write('invalid.yaml', invalidLines)
      const {stdout, exitCode} = await zmigrate(['profile', 'validate', file], {HOME: home})
      expect(exitCode).to.equal(2)
      expect(stdout.trim().split('\n')).to.deep.equal([
        `${file}:4:5: hosts.lp01.adress: unknown key "adress" (did you mean "address"?)`,
        `${file}:6:3: rules.dasd-udev-nod: unknown rule id "dasd-udev-nod" (did you mean "dasd-udev-node"?); zmigrate rules lists the rule ids`,
        '2 problems',
      ])
    })

    it('--json: {ok, file, problems[]} and the same exit status', async () => {
      const file = write('invalid-semantic.yaml', [
        'site: dc1',
        'hosts:',
        '  lp01: {address: a}',
        'rules:',
        '  dasd-udev-nod: {severity: info, reason: x}',
        'devices:',
        '  mappings: [{kind: pci, to-host: other, from: a, to: b}]',
      ])
      const {stdout, exitCode} = await zmigrate(['profile', 'validate', file, '--json'], {HOME: home})
      expect(exitCode).to.equal(2)
      expect(JSON.parse(stdout)).to.deep.equal({
        ok: false,
        file,
        problems: [
          {
            file,
            line: 5,
            col: 3,
            message: 'rules.dasd-udev-nod: unknown rule id "dasd-udev-nod" (did you mean "dasd-udev-node"?); zmigrate rules lists the rule ids',
          },
          {file, line: 7, col: 35, message: 'devices.mappings[0].to-host: "other" is not a host of this profile; hosts: lp01'},
        ],
      })
      const ok = await zmigrate(['profile', 'validate', write('valid2.yaml', validLines), '--json'], {HOME: home})
      expect(ok.exitCode).to.equal(0)
      expect(JSON.parse(ok.stdout)).to.deep.equal({ok: true, file: path.join(tmp, 'valid2.yaml'), problems: []})
    })

    it('takes a profile NAME, and without an argument validates the discovered profile', async () => {
      const byName = await zmigrate(['profile', 'validate', 'lab', '--json'], {HOME: home})
      expect(JSON.parse(byName.stdout)).to.include({ok: true, file: path.join(repoRoot, 'profiles/lab.yaml')})
      const file = write('env.yaml', invalidLines)
      const fromEnv = await zmigrate(['profile', 'validate', '--json'], {HOME: home, ZMIGRATE_PROFILE: file})
      expect(fromEnv.exitCode).to.equal(2)
      expect(JSON.parse(fromEnv.stdout).file).to.equal(file)
    })

    it('a file that does not exist: exit 2 with an error envelope', async () => {
      const {stdout, exitCode} = await zmigrate(['profile', 'validate', path.join(tmp, 'missing.yaml'), '--json'], {HOME: home})
      expect(exitCode).to.equal(2)
      expect(JSON.parse(stdout)).to.deep.include({ok: false})
      expect(JSON.parse(stdout).error).to.include({code: 'E_PROFILE_NOT_FOUND', exitCode: 2})
    })
  })

  describe('show', () => {
    it('--json: where it was found and how, and the resolved profile', async () => {
      const file = write('show.yaml', validLines)
      const {stdout, exitCode} = await zmigrate(['profile', 'show', '--profile', file, '--json'], {HOME: home})
      expect(exitCode).to.equal(0)
      const shown = JSON.parse(stdout)
      expect(shown.found).to.deep.equal({file, how: `--profile ${file}`})
      expect(shown.profile).to.deep.equal(JSON.parse(JSON.stringify(loadProfile(file))))
      expect(shown.profile.hosts.lp02).to.include({port: 2222, migrationUri: 'qemu+ssh://192.0.2.22:2222/system'})
    })

    it('human text: effective host settings, overrides with reasons, policy, devices', async () => {
      const file = write('show-text.yaml', validLines)
      const {stdout} = await zmigrate(['profile', 'show', '-p', file], {HOME: home})
      expect(stdout).to.include('Site dc1')
      expect(stdout).to.match(/chosen by: +--profile /)
      expect(stdout).to.match(/lp01\n +transport: +ssh\n +address: +192\.0\.2\.21\n +port: +from ~\/\.ssh\/config, else 22\n +user: +zmigrate/)
      expect(stdout).to.include('dasd-udev-node: blocker -> warning\n    reason: both LPARs set DASDs online from one chzdev list')
      expect(stdout).to.match(/copy storage: +auto/)
      expect(stdout).to.include('  - kind hostdev, model vfio-ccw')
      expect(stdout).to.include('  - disk-source /dev/disk/by-path/ccw-0.0.7500 -> /dev/disk/by-path/ccw-0.0.8500 (to lp02)')
    })

    it('ZMIGRATE_PROFILE is reported as the source when --profile is not typed', async () => {
      const file = write('from-env.yaml', validLines)
      const {stdout} = await zmigrate(['profile', 'show', '--json'], {HOME: home, ZMIGRATE_PROFILE: file})
      expect(JSON.parse(stdout).found).to.deep.equal({file, how: `ZMIGRATE_PROFILE ${file}`})
    })

    it('nothing configured: the bundled lab profile', async function () {
      if (existsSync('/etc/zmigrate/profiles/default.yaml')) this.skip()
      const {stdout} = await zmigrate(['profile', 'show', '--json'], {HOME: home})
      const shown = JSON.parse(stdout)
      expect(shown.found.file).to.equal(path.join(repoRoot, 'profiles/lab.yaml'))
      expect(shown.found.how).to.match(/^the bundled lab profile/)
    })

    it('an invalid profile: exit 2, the first problem located, the count of the rest', async () => {
      const file = write('bad-show.yaml', invalidLines)
      const {stdout, exitCode} = await zmigrate(['profile', 'show', '--profile', file, '--json'], {HOME: home})
      expect(exitCode).to.equal(2)
      expect(JSON.parse(stdout).error).to.include({
        code: 'E_PROFILE_INVALID',
        message: `${file}:4:5: hosts.lp01.adress: unknown key "adress" (did you mean "address"?) (and 1 more problem)`,
      })
    })

    it('an unknown NAME: exit 2, naming the available profiles', async () => {
      const {stderr, exitCode} = await zmigrate(['profile', 'show', '--profile', 'nosuch'], {HOME: home})
      expect(exitCode).to.equal(2)
      expect(stderr).to.include('no profile named "nosuch"').and.include('available: ').and.include('lab')
    })
  })

  describe('init', () => {
    it('writes a commented starter profile that validates', async () => {
      const file = path.join(tmp, 'init/conf/prod.yaml')
      const {stdout, exitCode} = await zmigrate(['profile', 'init', file, '--host', 'kvmlp01=192.0.2.21', '--host', 'kvmlp02=kvmlp02.example.com'], {
        HOME: home,
      })
      expect(exitCode).to.equal(0)
      expect(stdout).to.include(`wrote ${file} (site prod, hosts kvmlp01, kvmlp02)`)
      const text = readFileSync(file, 'utf8')
      expect(text).to.match(/^# zmigrate site profile/)
      const profile = loadProfile(file)
      expect(profile.site).to.equal('prod')
      expect(Object.values(profile.hosts).map((h) => [h.name, h.address])).to.deep.equal([
        ['kvmlp01', '192.0.2.21'],
        ['kvmlp02', 'kvmlp02.example.com'],
      ])
    })

    it('--site and no hosts: placeholder hosts, still valid; --json result', async () => {
      const file = path.join(tmp, 'init/placeholder.yaml')
      const {stdout} = await zmigrate(['profile', 'init', file, '--site', '@dc1', '--json'], {HOME: home})
      expect(JSON.parse(stdout)).to.deep.equal({file, site: '@dc1', hosts: [], placeholders: true})
      const profile = loadProfile(file)
      expect(profile.site).to.equal('@dc1')
      expect(Object.keys(profile.hosts)).to.deep.equal(['kvm-a', 'kvm-b'])
    })

    it('refuses to overwrite without --force (exit 2); --force overwrites', async () => {
      const file = write('init/existing.yaml', ['# keep me'])
      const refused = await zmigrate(['profile', 'init', file], {HOME: home})
      expect(refused.exitCode).to.equal(2)
      expect(refused.stderr).to.include(`${file} exists; not overwriting it`).and.include('--force')
      expect(readFileSync(file, 'utf8')).to.equal('# keep me\n')
      const forced = await zmigrate(['profile', 'init', file, '--force'], {HOME: home})
      expect(forced.exitCode).to.equal(0)
      expect(loadProfile(file).site).to.equal('existing')
    })

    const badHosts = [
      {spec: 'kvmlp01', message: '--host kvmlp01: expected NAME=ADDRESS'},
      {spec: '=192.0.2.1', message: 'expected NAME=ADDRESS'},
      {spec: 'kvm/01=192.0.2.1', message: 'invalid name "kvm/01"'},
    ]
    for (const c of badHosts) {
      it(`rejects --host ${c.spec} (exit 2) and writes nothing`, async () => {
        const file = path.join(tmp, `init/bad-${badHosts.indexOf(c)}.yaml`)
        const {stderr, exitCode} = await zmigrate(['profile', 'init', file, '--host', c.spec], {HOME: home})
        expect(exitCode).to.equal(2)
        expect(stderr).to.include(c.message)
        expect(existsSync(file)).to.equal(false)
      })
    }
  })
})
