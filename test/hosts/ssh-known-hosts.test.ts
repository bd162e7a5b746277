import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from '../../src/hosts/known-hosts.js'

// Real keys made with ssh-keygen (OpenSSH 9.2); the hashed lines are `ssh-keygen -H` output
// for "zhost1" and "[zhost2]:2222".
const A = 'AAAAC3NzaC1lZDI1NTE5AAAAIAKxX1rZNkfwZLu3baeNWPgNvnY+GejjU4JIXoJH1RtX'
const B = 'AAAAC3NzaC1lZDI1NTE5AAAAIFdY8L660MlL5Paoy5eJMynZhcxnPFeIw43SbSZ4vTIW'
const C = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD6ISi5LkFr6HN2WU3kBbDtkkt57w6McATS/Jfm4ShYWjV5aWsRzpExX5eOht6a0WLYPShGJzW/mRsIDYi5148A='
const keyA = Buffer.from(A, 'base64')
const keyB = Buffer.from(B, 'base64')
const keyC = Buffer.from(C, 'base64')
const HASHED_ZHOST1 = `|1|NLS7fC4DfwapvFfgutA37yCP5aM=|hYGq9afYcbcWJQhcYInQeYhyvro= ssh-ed25519 ${A}`
const HASHED_ZHOST2_2222 = `|1|G70KcOSlW7+/HJgQhb5929rlMQk=|2fCRCmayvwYnGwIAcE1bkZdjAP8= ssh-ed25519 ${A}`

const src = (text: string, file = '/home/admin/.ssh/known_hosts') => [{file, text}]

describe('known_hosts', () => {
  describe('parseKnownHosts', () => {
    it('reads entries, markers, hashed names; skips comments and blank lines; reports malformed lines', () => {
      const text = [
        '# site hosts',
        '',
        `zhost1,10.1.1.1 ssh-ed25519 ${A} root@zhost1`,
        `   @revoked * ssh-ed25519 ${B}`,
        `@cert-authority *.example.com ssh-ed25519 ${B}`,
        HASHED_ZHOST1,
        'garbage',
        `@bogus zhost1 ssh-ed25519 ${A}`,
        `zhost1 ssh-ed25519 not*base64`,
      ].join('\n')
      const {entries, malformed} = parseKnownHosts(text)
      expect(entries.map((e) => [e.line, e.marker, e.patterns, Boolean(e.hashed), e.keyType])).to.deep.equal([
        [3, undefined, ['zhost1', '10.1.1.1'], false, 'ssh-ed25519'],
        [4, 'revoked', ['*'], false, 'ssh-ed25519'],
        [5, 'cert-authority', ['*.example.com'], false, 'ssh-ed25519'],
        [6, undefined, undefined, true, 'ssh-ed25519'],
      ])
      expect(entries[0].key.equals(keyA)).to.equal(true)
      expect(malformed).to.deep.equal([7, 8, 9])
    })
  })

  describe('host names', () => {
    it('uses [host]:port for ports other than 22, lower-cased', () => {
      expect(knownHostsName('ZHost1.Example.COM', 22)).to.equal('zhost1.example.com')
      expect(knownHostsName('10.0.0.5', 2222)).to.equal('[10.0.0.5]:2222')
      expect(knownHostsLine('10.0.0.5', 2222, keyA)).to.equal(`[10.0.0.5]:2222 ssh-ed25519 ${A}`)
      expect(knownHostsLine('zhost1', 22, keyA)).to.equal(`zhost1 ssh-ed25519 ${A}`)
    })

    const cases: Array<[pattern: string, name: string, matches: boolean]> = [
      ['zhost1', 'zhost1', true],
      ['zhost1', 'zhost10', false],
      ['ZHOST1', 'zhost1', true],
      ['zhost1,zhost2', 'zhost2', true],
      ['zhost*', 'zhost42', true],
      ['zhost?', 'zhost4', true],
      ['zhost?', 'zhost42', false],
      ['zhost?', 'zhost', false],
      ['*.lab.example.com', 'kvm1.lab.example.com', true],
      ['*.lab.example.com', 'lab.example.com', false],
      ['*,!zhost3', 'zhost3', false],
      ['!zhost3,*', 'zhost3', false],
      ['*,!zhost3', 'zhost4', true],
      ['!zhost3', 'zhost4', false],
      ['zhost1', '[zhost1]:2222', false],
      ['[zhost1]:2222', '[zhost1]:2222', true],
      ['[zhost1]:2222', 'zhost1', false],
      ['[zhost1]:2222', '[zhost1]:22222', false],
      ['[10.0.0.*]:2222', '[10.0.0.7]:2222', true],
      ['10.0.0.1', '10.0.0.10', false],
      ['a.b', 'axb', false],
    ]
    for (const [pattern, name, matches] of cases) {
      it(`${pattern} ${matches ? 'matches' : 'does not match'} ${name}`, () => {
        const [entry] = parseKnownHosts(`${pattern} ssh-ed25519 ${A}`).entries
        expect(entryMatchesHost(entry, name)).to.equal(matches)
      })
    }

    it('matches hashed names (HMAC-SHA1) made by ssh-keygen -H', () => {
      const [h1] = parseKnownHosts(HASHED_ZHOST1).entries
      const [h2] = parseKnownHosts(HASHED_ZHOST2_2222).entries
      expect(entryMatchesHost(h1, 'zhost1')).to.equal(true)
      expect(entryMatchesHost(h1, 'zhost2')).to.equal(false)
      expect(entryMatchesHost(h2, '[zhost2]:2222')).to.equal(true)
      expect(entryMatchesHost(h2, 'zhost2')).to.equal(false)
    })

    it('agrees with OpenSSH (ssh-keygen -F) on every case', function () {
      if (spawnSync('ssh-keygen', ['-?']).error) this.skip()
      const dir = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-kh-'))
      try {
        for (const [pattern, name, matches] of cases) {
          const file = path.join(dir, 'known_hosts')
          writeFileSync(file, `${pattern} ssh-ed25519 ${A}\n`)
          // ssh-keygen -F takes the name as ssh would look it up: host, or [host]:port.
          const r = spawnSync('ssh-keygen', ['-F', name, '-f', file], {encoding: 'utf8'})
          expect(r.status === 0, `${pattern} vs ${name}`).to.equal(matches)
        }
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  })

  describe('checkHostKey', () => {
    it('known: the presented key is recorded for the host', () => {
      const v = checkHostKey(src(`zhost1 ssh-ed25519 ${A}`), 'zhost1', 22, keyA)
      expect(v.status).to.equal('known')
    })

    it('known via a hashed entry and via [host]:port', () => {
      expect(checkHostKey(src(HASHED_ZHOST1), 'zhost1', 22, keyA).status).to.equal('known')
      expect(checkHostKey(src(HASHED_ZHOST2_2222), 'zhost2', 2222, keyA).status).to.equal('known')
      expect(checkHostKey(src(`[zhost2]:2222 ssh-ed25519 ${A}`), 'zhost2', 2222, keyA).status).to.equal('known')
    })

    it('unknown: nothing recorded (missing file = no sources), or recorded only for another port', () => {
      expect(checkHostKey([], 'zhost1', 22, keyA)).to.deep.equal({status: 'unknown', otherTypes: []})
      expect(checkHostKey(src(`zhost1 ssh-ed25519 ${A}`), 'zhost1', 2222, keyA)).to.deep.equal({status: 'unknown', otherTypes: []})
    })

    it('changed: another key of the same type is recorded; names file and line', () => {
      const v = checkHostKey(src(`# header\nzhost1 ssh-ed25519 ${B}\n`), 'zhost1', 22, keyA)
      expect(v.status).to.equal('changed')
      if (v.status !== 'changed') return
      expect(v.entries[0]).to.include({file: '/home/admin/.ssh/known_hosts', line: 2})
      expect(fingerprintSha256(v.entries[0].key)).to.equal(fingerprintSha256(keyB))
    })

    it('a matching entry wins over a different key of the same type (host with two keys recorded)', () => {
      expect(checkHostKey(src(`zhost1 ssh-ed25519 ${B}\nzhost1 ssh-ed25519 ${A}`), 'zhost1', 22, keyA).status).to.equal('known')
    })

    it('unknown with otherTypes when only another key type is recorded', () => {
      expect(checkHostKey(src(`zhost1 ecdsa-sha2-nistp256 ${C}`), 'zhost1', 22, keyA)).to.deep.equal({status: 'unknown', otherTypes: ['ecdsa-sha2-nistp256']})
    })

    it('revoked beats known, for matching hosts only', () => {
      const text = `zhost1 ssh-ed25519 ${A}\n@revoked zhost* ssh-ed25519 ${A}`
      expect(checkHostKey(src(text), 'zhost1', 22, keyA)).to.deep.include({status: 'revoked'})
      expect(checkHostKey(src(`@revoked other ssh-ed25519 ${A}\nzhost1 ssh-ed25519 ${A}`), 'zhost1', 22, keyA).status).to.equal('known')
    })

    it('ignores @cert-authority lines (ssh2 does not do host certificates)', () => {
      expect(checkHostKey(src(`@cert-authority * ssh-ed25519 ${A}`), 'zhost1', 22, keyA).status).to.equal('unknown')
      expect(checkHostKey(src(`@cert-authority * ssh-ed25519 ${B}\nzhost1 ssh-ed25519 ${A}`), 'zhost1', 22, keyA).status).to.equal('known')
    })

    it('negation excludes a host from a wildcard entry', () => {
      expect(checkHostKey(src(`*,!zhost3 ssh-ed25519 ${B}`), 'zhost3', 22, keyA).status).to.equal('unknown')
      expect(checkHostKey(src(`*,!zhost3 ssh-ed25519 ${B}`), 'zhost4', 22, keyA).status).to.equal('changed')
    })

    it('looks through several files (user, then global) and says which one matched', () => {
      const v = checkHostKey(
        [
          {file: '/root/.ssh/known_hosts', text: ''},
          {file: '/etc/ssh/ssh_known_hosts', text: `\nzhost1 ssh-ed25519 ${B}`},
        ],
        'zhost1',
        22,
        keyA,
      )
      expect(v.status === 'changed' && v.entries[0].file).to.equal('/etc/ssh/ssh_known_hosts')
    })
  })

  describe('key helpers', () => {
    it('fingerprints like ssh-keygen -l (SHA256, unpadded base64)', () => {
      expect(fingerprintSha256(keyA)).to.equal('SHA256:bMpm/hTkg0v9r+5Yge7yGL/ojnJZA3I/0pYuMUrhS68')
    })

    it('reads the key type from the blob', () => {
      expect(keyTypeOf(keyA)).to.equal('ssh-ed25519')
      expect(keyTypeOf(keyC)).to.equal('ecdsa-sha2-nistp256')
      expect(keyTypeOf(Buffer.alloc(2))).to.equal('')
    })

    it('offers the host-key algorithms of known key types first', () => {
      expect(preferredHostKeyAlgorithms([])[0]).to.equal('ssh-ed25519')
      expect(preferredHostKeyAlgorithms(['ecdsa-sha2-nistp256']).slice(0, 2)).to.deep.equal(['ecdsa-sha2-nistp256', 'ssh-ed25519'])
      expect(preferredHostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).to.deep.equal(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
      expect(new Set(preferredHostKeyAlgorithms(['ssh-rsa'])).size).to.equal(preferredHostKeyAlgorithms(['ssh-rsa']).length)
      expect(knownKeyTypes(src(`zhost1 ecdsa-sha2-nistp256 ${C}\n@revoked zhost1 ssh-ed25519 ${B}`), 'zhost1', 22)).to.deep.equal(['ecdsa-sha2-nistp256'])
    })
  })
})
