// zmigrate check end to end over real SSH: two OpenSSH sshd on loopback started by the test (own
// host keys, own authorized_keys), hosts' Z view from recorded trees, libvirt's test driver with
// realistic s390x guests. The CLI runs as a separate process, so exit codes are the real ones.
import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {checkReportSchema} from '../../src/report/check-report.js'
import {REPO, zm} from '../support/lab-cli.js'
import {startSshd, type TestSshd} from '../support/sshd.js'

const dir = mkdtempSync(join(tmpdir(), 'zm-check-ssh-'))
// libvirt forbids '/' in names, so the payload touches a relative file: in the remote login's home
// directory or wherever a shell would run it. None of these places may get it.
const token = `zm-pwned-${process.pid}`
const EVIL = `evil;$(touch ${token})'"\`touch ${token}\`;exit 99 &&x`
const pwnedPlaces = [join('/root', token), join(REPO, token), join(tmpdir(), token), join(process.cwd(), token)]

const linux01 = `<domain type='test'>
  <name>linux01</name>
  <uuid>0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01</uuid>
  <memory unit='MiB'>2048</memory>
  <vcpu>2</vcpu>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/disk/by-path/ccw-0.0.7502'/>
      <target dev='vda' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x7502'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/dasdb'/>
      <target dev='vdb' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x7501'/>
    </disk>
    <hostdev mode='subsystem' type='mdev' model='vfio-ap'>
      <source><address uuid='62177883-f1bb-47f0-914d-32a22e3a8804'/></source>
    </hostdev>
    <interface type='direct'>
      <source dev='enc1a00' mode='bridge'/>
      <model type='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/>
    </interface>
  </devices>
</domain>`

const plain = (name: string, uuid: string) =>
  `<domain type='test'><name>${name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;')}</name><uuid>${uuid}</uuid><memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os><devices/></domain>`

describe('zmigrate check over real SSH (sshd on loopback)', function () {
  this.timeout(120_000)
  let src: TestSshd
  let dst: TestSshd
  let profile: string

  function writeProfile(file: string, change: (hosts: Record<string, Record<string, unknown>>) => void = () => {}): string {
    const node = join(dir, 'node.xml')
    const hosts: Record<string, Record<string, unknown>> = {
      zlpar1: {
        address: '127.0.0.1',
        port: src.port,
        identity: src.clientKey,
        'known-hosts': join(dir, 'known_hosts'),
        root: join(REPO, 'test/fixtures/hosts/lpar-src'),
        'libvirt-uri': `test://${node}`,
      },
      zlpar2: {
        address: '127.0.0.1',
        port: dst.port,
        identity: dst.clientKey,
        'known-hosts': join(dir, 'known_hosts'),
        root: join(REPO, 'test/fixtures/hosts/lpar-dst'),
        'libvirt-uri': 'test:///default',
      },
    }
    change(hosts)
    writeFileSync(file, stringify({site: 'itest', defaults: {user: 'root', agent: false, 'connect-timeout': 5}, hosts}))
    return file
  }

  before(async () => {
    ;[src, dst] = await Promise.all([startSshd(), startSshd()])
    writeFileSync(join(dir, 'known_hosts'), readFileSync(src.knownHostsPath, 'utf8') + readFileSync(dst.knownHostsPath, 'utf8'))
    writeFileSync(join(dir, 'node.xml'), `<node>\n${linux01}\n${plain(EVIL, '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a02')}\n</node>\n`)
    profile = writeProfile(join(dir, 'site.yaml'))
  })
  after(async () => Promise.all([src?.stop(), dst?.stop()]))

  it('reports every finding for a guest, exit 1 on blockers, JSON matching the schema', async () => {
    const r = await zm(['check', 'linux01', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'])
    expect(r.exitCode, r.stderr + r.stdout).to.equal(1)
    const report = checkReportSchema.strict().parse(JSON.parse(r.stdout))
    const rules = report.guests[0].findings.map((f) => f.rule)
    // several independent problems, all reported at once
    expect(rules).to.include.members(['dasd-udev-node', 'dasd-devno-mismatch', 'dasd-alias-offline', 'vfio-ap-device', 'arch-mismatch'])
    expect(report.guests[0].migratable).to.equal(false)
    // one round trip per host for all facts, one for probing the guest's disk paths (and CPU)
    expect(report.roundTrips).to.deep.equal({zlpar1: 2, zlpar2: 2})
  })

  it('human output names each finding with its remedy', async () => {
    const r = await zm(['check', 'linux01', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile])
    expect(r.exitCode).to.equal(1)
    expect(r.stdout).to.match(/BLOCKER\s+dasd-udev-node\s+disk vdb \(\/dev\/dasdb\)/)
    expect(r.stdout).to.match(/remedy: /)
    expect(r.stdout).to.match(/Result: 0 of 1 guest can be migrated/)
  })

  it('handles a guest name full of shell metacharacters literally', async () => {
    const r = await zm(['check', EVIL, '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'])
    expect([0, 1], r.stderr).to.include(r.exitCode)
    expect(JSON.parse(r.stdout).guests[0].name).to.equal(EVIL)
    for (const p of pwnedPlaces) expect(existsSync(p), `nothing was executed (${p})`).to.equal(false)
  })

  it('--all checks every guest on the source', async () => {
    const r = await zm(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'])
    expect(
      JSON.parse(r.stdout)
        .guests.map((g: {name: string}) => g.name)
        .sort(),
    ).to.deep.equal([EVIL, 'linux01'].sort())
  })

  it('an unknown guest is a usage error (exit 2)', async () => {
    const r = await zm(['check', 'nosuch', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile])
    expect(r.exitCode).to.equal(2)
    expect(r.stderr).to.match(/unknown guest "nosuch" on zlpar1/)
  })

  it('refuses an unknown host key (exit 3) and names the fingerprint', async () => {
    const p = writeProfile(join(dir, 'unknown-key.yaml'), (h) => (h.zlpar2['known-hosts'] = join(dir, 'empty_known_hosts')))
    writeFileSync(join(dir, 'empty_known_hosts'), '')
    const r = await zm(['check', 'linux01', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', p, '--json'])
    expect(r.exitCode).to.equal(3)
    const e = JSON.parse(r.stdout).error
    expect(e.code).to.equal('E_HOSTKEY_UNKNOWN')
    expect(e.message).to.include(await dst.fingerprint())
  })

  it('refuses a changed host key (exit 3)', async () => {
    const p = writeProfile(join(dir, 'changed-key.yaml'), (h) => (h.zlpar2['known-hosts'] = join(dir, 'stale_known_hosts')))
    writeFileSync(join(dir, 'stale_known_hosts'), readFileSync(src.knownHostsPath, 'utf8').replace(`]:${src.port} `, `]:${dst.port} `))
    const r = await zm(['check', 'linux01', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', p, '--json'])
    expect(r.exitCode).to.equal(3)
    expect(JSON.parse(r.stdout).error.code).to.equal('E_HOSTKEY_CHANGED')
  })

  it('refuses a key the host does not authorize (exit 3)', async () => {
    const p = writeProfile(join(dir, 'wrong-key.yaml'), (h) => (h.zlpar1.identity = src.wrongClientKey))
    const r = await zm(['check', 'linux01', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', p, '--json'])
    expect(r.exitCode).to.equal(3)
    expect(JSON.parse(r.stdout).error.code).to.equal('E_AUTH_FAILED')
  })

  it('a host that is down gives exit 3 within a bounded time', async () => {
    const down = await startSshd()
    const p = writeProfile(join(dir, 'down.yaml'), (h) => (h.zlpar2.port = down.port))
    await down.stop()
    const started = Date.now()
    const r = await zm(['check', 'linux01', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', p])
    expect(r.exitCode).to.equal(3)
    expect(r.stderr).to.match(/zlpar2: .*127\.0\.0\.1:\d+/)
    expect(Date.now() - started).to.be.below(15_000)
  })

  it('malformed domain XML is rejected with file:line:col (exit 2)', async () => {
    const bad = join(dir, 'bad.xml')
    writeFileSync(bad, `<domain type='kvm'>\n  <name>x</name>\n  <devices>\n    <disk type='file'>\n  </devices>\n</domain>\n`)
    const r = await zm(['check', '--domain-xml', bad, '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile])
    expect(r.exitCode).to.equal(2)
    expect(r.stderr).to.match(new RegExp(`${bad.replace(/[.]/g, '\\.')}:5:\\d+: `))
  })

  it('malformed YAML profile is rejected with file:line:col (exit 2)', async () => {
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'site: x\nhosts:\n  a:\n    address: 127.0.0.1\n    port: [1\n')
    const r = await zm(['check', 'linux01', '--from', 'a', '--to', 'a', '--profile', bad])
    expect(r.exitCode).to.equal(2)
    expect(r.stderr).to.match(new RegExp(`${bad.replace(/[.]/g, '\\.')}:\\d+:\\d+: `))
  })

  // the use cases after check carry their outcome's exit status to the process (src/app/exit-status.ts)
  it('plan and migrate refuse a blocked guest (exit 1, E_BLOCKED) and write no plan', async () => {
    const out = join(dir, 'linux01.plan.json')
    for (const args of [
      ['plan', 'linux01', '-o', out],
      ['migrate', 'linux01', '--dry-run'],
    ]) {
      const r = await zm([...args, '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'])
      expect(r.exitCode, r.stderr + r.stdout).to.equal(1)
      expect(JSON.parse(r.stdout).error.code).to.equal('E_BLOCKED')
    }
    expect(existsSync(out)).to.equal(false)
  })

  it('migrate --all: a dry run exits 0 with every guest blocked; a run where nothing can move exits 1', async () => {
    const dry = await zm(['migrate', '--all', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--dry-run', '--json'])
    expect(dry.exitCode, dry.stderr).to.equal(0)
    const report = JSON.parse(dry.stdout.trim().split('\n').at(-1)!)
    expect(report.guests.map((g: {outcome: string}) => g.outcome)).to.deep.equal(['blocked', 'blocked'])
    const run = await zm(['migrate', '--all', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile])
    expect(run.exitCode, run.stderr).to.equal(1)
    expect(run.stdout).to.match(/0 of 2 guests migrated\./)
  })

  it('complete guests lists the source host guests over SSH, names as they are (shell completion)', async () => {
    const r = await zm(['complete', 'guests', '--from', 'zlpar1', '--profile', profile])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stdout.split('\n').filter(Boolean).sort()).to.deep.equal([EVIL, 'linux01'].sort())
    for (const p of pwnedPlaces) expect(existsSync(p), `nothing was executed (${p})`).to.equal(false)
  })
})
