/**
 * Key and known_hosts files others could read or change are refused before zmigrate logs in,
 * against a real sshd on 127.0.0.1 (test/support/sshd.ts): zmigrate runs as root, so a readable
 * key is a leaked root login and a writable known_hosts lets anyone plant a host key.
 */
import {expect} from 'chai'
import {chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {HostAccessError} from '../../src/errors.js'
import {SshTransport} from '../../src/hosts/ssh.js'
import type {ResolvedHost} from '../../src/profiles/types.js'
import {startSshd, type TestSshd} from '../support/sshd.js'

const asRoot = process.getuid?.() === 0

describe('SSH key and known_hosts file permissions (real sshd on 127.0.0.1)', function () {
  this.timeout(30_000)
  let sshd: TestSshd
  let dir: string
  const home = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-home-'))
  const connect = (host: ResolvedHost) => SshTransport.connect(host, {home, env: {}, sshConfigText: ''})
  const connects = async (host: ResolvedHost) => {
    const t = await connect(host)
    expect((await t.run(['echo', 'in'])).stdout).to.equal('in\n')
    await t.close()
  }
  async function refused(host: ResolvedHost, code: string): Promise<HostAccessError> {
    const e = await connect(host).then(
      async (t) => void (await t.close()),
      (x: unknown) => x,
    )
    expect(e, 'the connection should have been refused').to.be.instanceOf(HostAccessError)
    const err = e as HostAccessError
    expect(err.code, err.message).to.equal(code)
    expect(err.exitCode).to.equal(3)
    expect(err.message).not.to.include('\n')
    return err
  }
  /** A copy of a file of the sshd's in `dir`, with the given mode. */
  const copy = (from: string, name: string, mode: number): string => {
    const file = path.join(dir, name)
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
    copyFileSync(from, file)
    chmodSync(file, mode)
    return file
  }

  before(async () => {
    sshd = await startSshd()
  })
  after(async () => {
    await sshd?.stop()
    rmSync(home, {recursive: true, force: true})
  })
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-perms-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  describe('identity files', () => {
    it('refuses a key others can read (0644) with its mode and the chmod 600 remedy, and uses it once it is 0600', async () => {
      const key = copy(sshd.clientKey, 'id_ed25519', 0o644)
      const e = await refused(sshd.resolvedHost({identities: [key]}), 'E_KEY_PERMISSIONS')
      expect(e.message).to.equal(
        `test-sshd: identity file ${key} has mode 0644: group or others can read it, and OpenSSH refuses such a key (UNPROTECTED PRIVATE KEY FILE)`,
      )
      expect(e.remedy).to.equal(`chmod 600 ${key}`)
      chmodSync(key, 0o600)
      await connects(sshd.resolvedHost({identities: [key]}))
    })

    it('refuses any group or other bit (0640, 0601), even when a later key would work', async () => {
      for (const mode of [0o640, 0o601]) {
        const key = copy(sshd.clientKey, `id_${mode.toString(8)}`, mode)
        const e = await refused(sshd.resolvedHost({identities: [key, sshd.clientKey]}), 'E_KEY_PERMISSIONS')
        expect(e.message)
          .to.include(key)
          .and.include(`mode 0${mode.toString(8)}`)
      }
    })

    it('refuses a key that belongs to another user', async function () {
      if (!asRoot) this.skip() // only root can give a file away
      const key = copy(sshd.clientKey, 'id_other', 0o600)
      chownSync(key, 65534, 65534)
      const e = await refused(sshd.resolvedHost({identities: [key]}), 'E_KEY_PERMISSIONS')
      expect(e.message).to.include(`identity file ${key} belongs to uid 65534, not to this user (uid 0)`)
    })
  })

  describe('known_hosts files', () => {
    it('refuses a known_hosts file group or others can write (0664); 0644 is fine', async () => {
      const kh = copy(sshd.knownHostsPath, 'known_hosts', 0o664)
      const e = await refused(sshd.resolvedHost({knownHosts: kh}), 'E_KNOWN_HOSTS_PERMISSIONS')
      expect(e.message).to.equal(`test-sshd: known_hosts file ${kh} is writable by group or others (mode 0664): anyone who can write it can plant a host key`)
      expect(e.remedy).to.equal(`chmod go-w ${kh}`)
      chmodSync(kh, 0o644)
      await connects(sshd.resolvedHost({knownHosts: kh}))
    })

    it('refuses one in a directory others can write, sticky or not; a sticky directory further up is fine', async () => {
      const kh = copy(sshd.knownHostsPath, 'shared/known_hosts', 0o600)
      for (const mode of [0o777, 0o1777, 0o770]) {
        chmodSync(path.join(dir, 'shared'), mode)
        const e = await refused(sshd.resolvedHost({knownHosts: kh}), 'E_KNOWN_HOSTS_PERMISSIONS')
        expect(e.message).to.include(`${path.join(dir, 'shared')} is writable by group or others (mode 0${mode.toString(8)})`)
      }
      chmodSync(path.join(dir, 'shared'), 0o1777)
      await connects(sshd.resolvedHost({knownHosts: copy(sshd.knownHostsPath, 'shared/private/known_hosts', 0o600)}))
      chmodSync(path.join(dir, 'shared'), 0o777)
      const e = await refused(sshd.resolvedHost({knownHosts: path.join(dir, 'shared/private/known_hosts')}), 'E_KNOWN_HOSTS_PERMISSIONS')
      expect(e.message).to.include(`is in an unsafe directory: ${path.join(dir, 'shared')} is writable`)
    })

    it('refuses a symlink in a private directory to a file in an unsafe one', async () => {
      const real = copy(sshd.knownHostsPath, 'open/known_hosts', 0o644)
      chmodSync(path.dirname(real), 0o777)
      const link = path.join(dir, 'known_hosts')
      symlinkSync(real, link)
      const e = await refused(sshd.resolvedHost({knownHosts: link}), 'E_KNOWN_HOSTS_PERMISSIONS')
      expect(e.message).to.include(`${path.dirname(real)} is writable by group or others (mode 0777)`)
    })

    it('refuses one that belongs to another user', async function () {
      if (!asRoot) this.skip()
      const kh = copy(sshd.knownHostsPath, 'known_hosts', 0o644)
      chownSync(kh, 65534, 65534)
      const e = await refused(sshd.resolvedHost({knownHosts: kh}), 'E_KNOWN_HOSTS_PERMISSIONS')
      expect(e.message).to.include('belongs to uid 65534, not to this user (uid 0) or root')
    })

    it('trust-on-first-use does not create a known_hosts file in a directory others can write', async () => {
      const open = path.join(dir, 'open')
      mkdirSync(open)
      chmodSync(open, 0o777)
      const kh = path.join(open, 'known_hosts')
      const e = await refused(sshd.resolvedHost({knownHosts: kh, trustOnFirstUse: true}), 'E_KNOWN_HOSTS_PERMISSIONS')
      expect(e.message).to.equal(
        `test-sshd: known_hosts file ${kh} is in an unsafe directory: ${open} is writable by group or others (mode 0777), so anyone could replace the file and plant a host key`,
      )
      expect(existsSync(kh)).to.equal(false)
      chmodSync(open, 0o700)
      await connects(sshd.resolvedHost({knownHosts: kh, trustOnFirstUse: true}))
      expect(readFileSync(kh, 'utf8')).to.equal((await sshd.knownHostsLines()).join('\n') + '\n')
    })
  })
})
