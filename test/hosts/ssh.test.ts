/**
 * SshTransport against a real OpenSSH sshd on 127.0.0.1 (test/support/sshd.ts).
 */
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync, statSync} from 'node:fs'
import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execFileSync} from 'node:child_process'
import {HostAccessError, OutputLimitError} from '../../src/errors.js'
import {SshTransport, type SshConnectOptions} from '../../src/hosts/ssh.js'
import type {ResolvedHost} from '../../src/profiles/types.js'
import {delay, freePort, startSilentServer, startSshAgent, startSshd, type TestSshd} from '../support/sshd.js'

/** Isolated from the machine's ~/.ssh, SSH_AUTH_SOCK and ~/.ssh/config. */
function isolated(home: string, extra: SshConnectOptions = {}): SshConnectOptions {
  return {home, env: {}, sshConfigText: '', ...extra}
}

async function expectAccessError(p: Promise<unknown>, code: string): Promise<HostAccessError> {
  try {
    await p
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(HostAccessError)
    const e = err as HostAccessError
    expect(e.code, e.message).to.equal(code)
    expect(e.exitCode).to.equal(3)
    expect(e.message).not.to.include('\n')
    expect(e.remedy, 'remedy').to.be.a('string').and.not.equal('')
    return e
  }
  expect.fail(`expected ${code}, but it succeeded`)
}

function acceptedLogins(sshd: TestSshd): number {
  return sshd
    .log()
    .split('\n')
    .filter((l) => l.startsWith('Accepted publickey')).length
}

describe('SshTransport (real sshd on 127.0.0.1)', function () {
  this.timeout(30_000)
  let sshd: TestSshd
  let home: string
  let t: SshTransport

  before(async () => {
    sshd = await startSshd({maxSessions: 10})
    home = await mkdtemp(path.join(os.tmpdir(), 'zmigrate-home-'))
  })
  after(async () => {
    await t?.close()
    await sshd?.stop()
    if (home) await rm(home, {recursive: true, force: true})
  })

  describe('running commands on one connection', () => {
    before(async () => {
      t = await SshTransport.connect(sshd.resolvedHost(), isolated(home))
    })

    it('reports exit codes and keeps stdout and stderr apart', async () => {
      const ok = await t.run(['sh', '-c', 'echo out; echo err >&2'])
      expect(ok).to.deep.equal({stdout: 'out\n', stderr: 'err\n', exitCode: 0, timedOut: undefined})
      const three = await t.run(['sh', '-c', 'echo nope >&2; exit 3'])
      expect(three.exitCode).to.equal(3)
      expect(three.stderr).to.equal('nope\n')
    })

    it('passes stdin through, then EOF', async () => {
      const input = 'line 1\nünïcödé ✓\n' + 'x'.repeat(200_000)
      const r = await t.run(['cat'], {stdin: input})
      expect(r.stdout).to.equal(input)
      expect((await t.run(['wc', '-c'], {stdin: Buffer.from([0, 1, 2, 255])})).stdout.trim()).to.equal('4')
      // Without stdin the command sees EOF at once instead of hanging.
      expect((await t.run(['cat'])).stdout).to.equal('')
      // A command that does not read its stdin still finishes.
      expect((await t.run(['true'], {stdin: 'y'.repeat(1_000_000)})).exitCode).to.equal(0)
    })

    it('returns a 5 MB stdout whole, and streams it to onStdout', async () => {
      let streamed = 0
      const r = await t.run(['sh', '-c', 'yes 0123456789abcdef | head -c 5242880'], {onStdout: (c) => (streamed += c.length)})
      expect(r.exitCode).to.equal(0)
      expect(r.stdout.length).to.equal(5 * 1024 * 1024)
      expect(streamed).to.equal(r.stdout.length)
      expect(r.stdout.slice(0, 34)).to.equal('0123456789abcdef\n0123456789abcdef\n')
      expect(r.stdout.split('\n').every((l, i, all) => l === '0123456789abcdef' || i === all.length - 1)).to.equal(true)
    })

    it('stops a command that prints past its output limit, on the host too', async () => {
      const marker = `/tmp/zmigrate-flood-${randomBytes(4).toString('hex')}`
      const started = Date.now()
      // without the limit: 5 MB back, then the file a second later
      const flood = t.run(['sh', '-c', `head -c 5000000 /dev/zero; sleep 1; touch ${marker}`], {maxStdoutBytes: 1024 * 1024})
      const e = await flood.then(
        () => expect.fail('expected an OutputLimitError'),
        (err: unknown) => err as OutputLimitError,
      )
      expect(e).to.be.instanceOf(OutputLimitError)
      expect(e).to.include({code: 'E_OUTPUT_LIMIT', exitCode: 1, stream: 'stdout'})
      expect(e.message).to.match(/^test-sshd: sh -c head -c 5000000 \/dev\/zero; .*printed more than 1 MiB on stdout; zmigrate stopped it$/)
      expect(Date.now() - started).to.be.below(3000)
      const chatty = await t.run(['sh', '-c', 'yes error | head -c 300000 >&2'], {maxStderrBytes: 100_000}).catch((err: unknown) => err)
      expect(chatty).to.be.instanceOf(OutputLimitError).and.include({stream: 'stderr'})
      await delay(1500)
      expect(existsSync(marker), 'the remote command kept running').to.equal(false)
      expect((await t.run(['echo', 'still usable'])).stdout).to.equal('still usable\n')
    })

    it('keeps multi-byte UTF-8 intact across chunk boundaries', async () => {
      const r = await t.run(['sh', '-c', 'i=0; while [ $i -lt 30000 ]; do printf "日本語✓"; i=$((i+1)); done'])
      expect(r.stdout).to.equal('日本語✓'.repeat(30000))
    })

    it('delivers shell metacharacters literally and never runs them', async () => {
      const marker = `/tmp/zmigrate-pwned-${randomBytes(4).toString('hex')}`
      const hostile = `x;$(touch ${marker})'"\`touch ${marker}\`; touch ${marker} && echo *`
      const r = await t.run(['printf', '%s', hostile])
      expect(r.stdout).to.equal(hostile)
      const r2 = await t.run(['printf', '[%s]', '', '-n', 'a b', '\n', "'"])
      expect(r2.stdout).to.equal("[][-n][a b][\n][']")
      expect(existsSync(marker)).to.equal(false)
    })

    it('runs 30 commands in parallel on one connection with MaxSessions 10', async () => {
      const logins = acceptedLogins(sshd)
      const before = t.roundTrips
      const results = await Promise.all(Array.from({length: 30}, (_, i) => t.run(['sh', '-c', `sleep 0.1; echo ${i}`])))
      expect(results.map((r) => r.exitCode)).to.deep.equal(Array(30).fill(0))
      expect(results.map((r) => r.stdout)).to.deep.equal(Array.from({length: 30}, (_, i) => `${i}\n`))
      expect(t.roundTrips - before).to.equal(30)
      expect(acceptedLogins(sshd)).to.equal(logins) // no new connection
      expect(t.connectionCount).to.equal(1)
    })

    it('kills a command that times out, on the host too', async () => {
      const marker = `/tmp/zmigrate-timeout-${randomBytes(4).toString('hex')}`
      const started = Date.now()
      const r = await t.run(['sh', '-c', `sleep 1.5; touch ${marker}`], {timeoutMs: 700})
      expect(r.timedOut).to.equal(true)
      expect(r.exitCode).to.equal(-1)
      expect(Date.now() - started).to.be.below(3000)
      await delay(1500)
      expect(existsSync(marker), 'the remote command kept running').to.equal(false)
      expect((await t.run(['echo', 'still usable'])).stdout).to.equal('still usable\n')
    })

    it('cancels a command with an AbortSignal', async () => {
      const ac = new AbortController()
      setTimeout(() => ac.abort(), 700)
      const r = await t.run(['sleep', '20'], {signal: ac.signal})
      expect(r.exitCode).to.equal(-1)
      expect(r.timedOut).to.equal(undefined)
    })

    it('reports -1 for a command killed by a signal', async () => {
      expect((await t.run(['sh', '-c', 'kill -KILL $$'])).exitCode).to.equal(-1)
    })

    it('counts one round trip per command', async () => {
      const before = t.roundTrips
      await t.run(['true'])
      await t.run(['false'])
      expect(t.roundTrips).to.equal(before + 2)
    })
  })

  describe('host keys', () => {
    let dir: string
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'zmigrate-kh-'))
    })
    afterEach(async () => rm(dir, {recursive: true, force: true}))

    async function knownHostsWith(text: string): Promise<string> {
      const file = path.join(dir, 'known_hosts')
      await writeFile(file, text)
      return file
    }
    const connect = (host: ResolvedHost, opts: SshConnectOptions = {}) => SshTransport.connect(host, isolated(home, opts)).then((x) => x.close())

    it('refuses an unknown host key with its fingerprint and the ssh-keyscan remedy', async () => {
      const file = path.join(dir, 'missing', 'known_hosts')
      const e = await expectAccessError(connect(sshd.resolvedHost({knownHosts: file})), 'E_HOSTKEY_UNKNOWN')
      expect(e.message)
        .to.include(`127.0.0.1:${sshd.port}`)
        .and.include(await sshd.fingerprint())
      expect(e.remedy).to.include(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${file}`).and.include('trust-on-first-use: true')
      expect(existsSync(file)).to.equal(false)
    })

    it('refuses a key recorded for the address without the port (port is not 22)', async () => {
      const line = (await sshd.knownHostsLines())[0].replace(`[127.0.0.1]:${sshd.port}`, '127.0.0.1')
      await expectAccessError(connect(sshd.resolvedHost({knownHosts: await knownHostsWith(line + '\n')})), 'E_HOSTKEY_UNKNOWN')
    })

    it('trust-on-first-use records the key (0600 file, 0700 dir) and says so; the next connect is silent', async () => {
      const file = path.join(dir, 'new', '.ssh', 'known_hosts')
      const notices: string[] = []
      const host = sshd.resolvedHost({knownHosts: file, trustOnFirstUse: true})
      await connect(host, {onNotice: (m) => notices.push(m)})
      expect(notices).to.have.length(1)
      expect(notices[0])
        .to.include('first use')
        .and.include(await sshd.fingerprint())
        .and.include(file)
      expect(await readFile(file, 'utf8')).to.equal((await sshd.knownHostsLines()).join('\n') + '\n')
      expect(statSync(file).mode & 0o777).to.equal(0o600)
      expect(statSync(path.dirname(file)).mode & 0o777).to.equal(0o700)
      notices.length = 0
      await connect(host, {onNotice: (m) => notices.push(m)})
      expect(notices).to.deep.equal([])
    })

    it('accepts a hashed entry (ssh-keygen -H)', async () => {
      const file = path.join(dir, 'known_hosts')
      await copyFile(sshd.knownHostsPath, file)
      execFileSync('ssh-keygen', ['-H', '-f', file], {stdio: 'ignore'})
      expect(await readFile(file, 'utf8')).to.match(/^\|1\|/)
      await connect(sshd.resolvedHost({knownHosts: file}))
    })

    it('accepts a wildcard entry, and honours a negation that excludes the host', async () => {
      const [, type, b64] = (await sshd.knownHostsLines())[0].split(' ')
      await connect(sshd.resolvedHost({knownHosts: await knownHostsWith(`[127.0.0.*]:${sshd.port} ${type} ${b64}\n`)}))
      await expectAccessError(
        connect(sshd.resolvedHost({knownHosts: await knownHostsWith(`[127.0.0.*]:${sshd.port},![127.0.0.1]:${sshd.port} ${type} ${b64}\n`)})),
        'E_HOSTKEY_UNKNOWN',
      )
    })

    it('refuses a @revoked key', async () => {
      const [line] = await sshd.knownHostsLines()
      const file = await knownHostsWith(`${line}\n@revoked * ${line.split(' ').slice(1).join(' ')}\n`)
      const e = await expectAccessError(connect(sshd.resolvedHost({knownHosts: file})), 'E_HOSTKEY_REVOKED')
      expect(e.message).to.include(`${file}:2`)
    })

    it('asks for the key type already known (ECDSA known, ed25519 preferred by ssh2)', async () => {
      const multi = await startSshd({hostKeyTypes: ['ed25519', 'ecdsa']})
      try {
        const ecdsaOnly = (await multi.knownHostsLines()).filter((l) => l.includes('ecdsa'))
        await SshTransport.connect(multi.resolvedHost({knownHosts: await knownHostsWith(ecdsaOnly.join('\n') + '\n')}), isolated(home)).then((x) => x.close())
      } finally {
        await multi.stop()
      }
    })

    it('refuses a changed host key, even with trust-on-first-use, naming both fingerprints and the old line', async () => {
      const rotating = await startSshd()
      try {
        const file = await knownHostsWith(`# lab hosts\n${(await rotating.knownHostsLines())[0]}\n`)
        const oldFp = await rotating.fingerprint()
        await rotating.rotateHostKey()
        const newFp = await rotating.fingerprint()
        expect(newFp).not.to.equal(oldFp)
        const before = await readFile(file, 'utf8')
        for (const trustOnFirstUse of [false, true]) {
          const e = await expectAccessError(connect(rotating.resolvedHost({knownHosts: file, trustOnFirstUse})), 'E_HOSTKEY_CHANGED')
          expect(e.message).to.include(oldFp).and.include(newFp).and.include(`${file}:2`).and.include(`127.0.0.1:${rotating.port}`)
          expect(e.remedy).to.include(`ssh-keygen -R '[127.0.0.1]:${rotating.port}' -f ${file}`)
        }
        expect(await readFile(file, 'utf8')).to.equal(before)
      } finally {
        await rotating.stop()
      }
    })
  })

  describe('authentication', () => {
    it('fails with E_AUTH_FAILED naming the user, address and the key offered', async () => {
      const host = sshd.resolvedHost({identities: [sshd.wrongClientKey]})
      const e = await expectAccessError(SshTransport.connect(host, isolated(home)), 'E_AUTH_FAILED')
      expect(e.message).to.include(`${host.user}@127.0.0.1:${sshd.port}`).and.include(sshd.wrongClientKey)
      expect(e.message).not.to.include('PRIVATE KEY')
    })

    it('tries keys in order: a wrong key first, then the right one', async () => {
      const host = sshd.resolvedHost({identities: [path.join(home, 'no-such-key'), sshd.wrongClientKey, sshd.clientKey]})
      await (await SshTransport.connect(host, isolated(home))).close()
    })

    it('says an encrypted key needs ssh-agent when no agent is available', async () => {
      const host = sshd.resolvedHost({identities: [sshd.encryptedClientKey], agent: true})
      const e = await expectAccessError(SshTransport.connect(host, isolated(home)), 'E_AUTH_FAILED')
      expect(e.message).to.include(sshd.encryptedClientKey).and.include('encrypted').and.include('ssh-agent')
      expect(e.remedy).to.include('ssh-add')
    })

    it('uses ssh-agent (SSH_AUTH_SOCK) when the profile allows it, e.g. for an encrypted key', async () => {
      const agent = await startSshAgent([{file: sshd.encryptedClientKey, passphrase: 'secret'}])
      try {
        const host = sshd.resolvedHost({identities: [sshd.encryptedClientKey], agent: true})
        const viaAgent = await SshTransport.connect(host, isolated(home, {env: {SSH_AUTH_SOCK: agent.socket}}))
        expect((await viaAgent.run(['echo', 'agent'])).stdout).to.equal('agent\n')
        await viaAgent.close()
        // agent: false in the profile: the agent is not used even though it is there.
        await expectAccessError(SshTransport.connect({...host, agent: false}, isolated(home, {env: {SSH_AUTH_SOCK: agent.socket}})), 'E_AUTH_FAILED')
      } finally {
        await agent.stop()
      }
    })

    it('takes port, user, key and known_hosts from ~/.ssh/config when the profile leaves them unset', async () => {
      const host = sshd.resolvedHost({port: undefined, user: undefined, identities: [], knownHosts: undefined})
      const sshConfigText = [
        'Host 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${os.userInfo().username}`,
        `  IdentityFile ${sshd.clientKey}`,
        `  UserKnownHostsFile ${sshd.knownHostsPath}`,
        'Match exec "false"',
        '  Port 1',
      ].join('\n')
      const viaConfig = await SshTransport.connect(host, {home, env: {}, sshConfigText})
      expect(viaConfig.options.sources).to.include({port: 'ssh-config', user: 'ssh-config', identities: 'ssh-config', knownHosts: 'ssh-config'})
      expect((await viaConfig.run(['echo', 'ok'])).stdout).to.equal('ok\n')
      await viaConfig.close()
    })
  })

  describe('unreachable hosts', () => {
    it('port closed (sshd stopped) → E_HOST_UNREACHABLE within 2 s', async () => {
      const gone = await startSshd()
      const host = gone.resolvedHost()
      await gone.stop()
      const started = Date.now()
      const e = await expectAccessError(SshTransport.connect(host, isolated(home)), 'E_HOST_UNREACHABLE')
      expect(Date.now() - started).to.be.below(2000)
      expect(e.message).to.include(`127.0.0.1:${host.port}`).and.include('refused')
    })

    it('a never-used port → E_HOST_UNREACHABLE', async () => {
      const port = await freePort()
      await expectAccessError(SshTransport.connect(sshd.resolvedHost({port}), isolated(home)), 'E_HOST_UNREACHABLE')
    })

    it('TCP accepted but no SSH banner → E_HOST_TIMEOUT within connectTimeout + 1 s', async () => {
      const silent = await startSilentServer()
      try {
        const started = Date.now()
        const e = await expectAccessError(
          SshTransport.connect(sshd.resolvedHost({port: silent.port, connectTimeoutMs: 1000}), isolated(home)),
          'E_HOST_TIMEOUT',
        )
        const took = Date.now() - started
        expect(took).to.be.at.least(900).and.below(2000)
        expect(e.message).to.include('handshake').and.include(`127.0.0.1:${silent.port}`)
      } finally {
        await silent.stop()
      }
    })
  })

  describe('a dropped connection', () => {
    it('rejects the running command, then reconnects once for the next one', async () => {
      const flaky = await startSshd()
      try {
        const notices: string[] = []
        const tr = await SshTransport.connect(flaky.resolvedHost(), isolated(home, {onNotice: (m) => notices.push(m)}))
        const running = tr.run(['sleep', '10'])
        running.catch(() => {}) // checked below
        await delay(500)
        const started = Date.now()
        await flaky.dropConnections()
        const e = await expectAccessError(running, 'E_HOST_UNREACHABLE')
        expect(Date.now() - started).to.be.below(3000)
        expect(e.message).to.include('lost').and.include('sleep')
        expect((await tr.run(['echo', 'back'])).stdout).to.equal('back\n')
        expect(tr.connectionCount).to.equal(2)
        expect(notices.join('\n')).to.include('reconnected')

        // The host goes away for good: one reconnect attempt, then every command fails fast.
        await flaky.stop()
        await expectAccessError(tr.run(['true']), 'E_HOST_UNREACHABLE')
        const again = Date.now()
        await expectAccessError(tr.run(['true']), 'E_HOST_UNREACHABLE')
        expect(Date.now() - again).to.be.below(200)
        await tr.close()
      } finally {
        await flaky.stop()
      }
    })
  })

  describe('a host with MaxSessions 2', () => {
    it('adapts the channel cap instead of failing with "Channel open failure"', async () => {
      const small = await startSshd({maxSessions: 2})
      try {
        const tr = await SshTransport.connect(small.resolvedHost(), isolated(home))
        const results = await Promise.all(Array.from({length: 10}, (_, i) => tr.run(['echo', String(i)])))
        expect(results.map((r) => r.stdout)).to.deep.equal(Array.from({length: 10}, (_, i) => `${i}\n`))
        expect(tr.channelLimit).to.be.at.most(2)
        await tr.close()
      } finally {
        await small.stop()
      }
    })
  })

  it('refuses commands after close()', async () => {
    const tr = await SshTransport.connect(sshd.resolvedHost(), isolated(home))
    await tr.close()
    let error: unknown
    await tr.run(['true']).catch((e: unknown) => (error = e))
    expect(String(error)).to.include('closed')
  })
})
