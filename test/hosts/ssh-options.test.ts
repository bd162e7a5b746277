import {expect} from 'chai'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {ResolvedHost} from '../../src/profiles/types.js'
import {expandPath, resolveSshOptions, type SshOptionsContext} from '../../src/hosts/ssh-options.js'

const HOME = '/home/admin'

function host(overrides: Partial<ResolvedHost> = {}): ResolvedHost {
  return {
    name: 'dest',
    transport: 'ssh',
    address: 'kvm2.lab.example.com',
    identities: [],
    trustOnFirstUse: false,
    libvirtUri: 'qemu:///system',
    migrationUri: 'qemu+ssh://kvm2.lab.example.com/system',
    root: '/',
    connectTimeoutMs: 8000,
    agent: true,
    ...overrides,
  }
}

function ctx(overrides: Partial<SshOptionsContext> = {}): SshOptionsContext {
  return {env: {}, home: HOME, localUser: 'admin', cwd: '/work', exists: () => false, ...overrides}
}

const SSH_CONFIG = `
# ~/.ssh/config of a site admin
Host kvm2 kvm2.lab.example.com
  HostName 192.0.2.99
  User zadmin
  Port 2022
  IdentityFile ~/.ssh/id_lab
  IdentityFile %d/.ssh/id_%r@%h
  UserKnownHostsFile ~/.ssh/known_hosts.lab /etc/lab/known_hosts
  ConnectTimeout 4

Match exec "touch /tmp/zmigrate-match-exec-ran"
  User pwned

Host *.lab.example.com
  User ignored-later-match
  ProxyJump bastion
  CanonicalizeHostName yes
  CanonicalDomains lab.example.com

Host *
  IdentityFile ~/.ssh/id_fallback
`

describe('resolveSshOptions', () => {
  it('without profile values or ssh config: OpenSSH defaults', () => {
    const o = resolveSshOptions(host({connectTimeoutMs: 0}), ctx({exists: (f) => f.endsWith('id_ecdsa') || f.endsWith('id_rsa')}))
    expect(o).to.deep.include({
      address: 'kvm2.lab.example.com',
      port: 22,
      user: 'admin',
      identities: [`${HOME}/.ssh/id_ecdsa`, `${HOME}/.ssh/id_rsa`],
      knownHosts: [`${HOME}/.ssh/known_hosts`, `${HOME}/.ssh/known_hosts2`],
      globalKnownHosts: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      connectTimeoutMs: 10_000,
      agentSocket: undefined,
    })
    expect(o.sources).to.deep.equal({port: 'default', user: 'default', identities: 'default', knownHosts: 'default', connectTimeout: 'default'})
  })

  it('fills what the profile left unset from ~/.ssh/config (first match wins, like ssh)', () => {
    const o = resolveSshOptions(host({connectTimeoutMs: 0}), ctx({sshConfigText: SSH_CONFIG}))
    expect(o.address).to.equal('kvm2.lab.example.com') // HostName never replaces the profile address
    expect(o.port).to.equal(2022)
    expect(o.user).to.equal('zadmin')
    expect(o.identities).to.deep.equal([`${HOME}/.ssh/id_lab`, `${HOME}/.ssh/id_zadmin@kvm2.lab.example.com`, `${HOME}/.ssh/id_fallback`])
    expect(o.knownHosts).to.deep.equal([`${HOME}/.ssh/known_hosts.lab`, '/etc/lab/known_hosts'])
    expect(o.connectTimeoutMs).to.equal(4000)
    expect(o.sources).to.deep.equal({port: 'ssh-config', user: 'ssh-config', identities: 'ssh-config', knownHosts: 'ssh-config', connectTimeout: 'ssh-config'})
    expect(o.ignoredDirectives).to.deep.equal(['proxyjump'])
  })

  it('profile values win over ~/.ssh/config', () => {
    const o = resolveSshOptions(
      host({port: 22, user: 'root', identities: ['/etc/zmigrate/id_ed25519'], knownHosts: '/etc/zmigrate/known_hosts'}),
      ctx({sshConfigText: SSH_CONFIG}),
    )
    expect(o).to.deep.include({
      port: 22,
      user: 'root',
      identities: ['/etc/zmigrate/id_ed25519'],
      knownHosts: ['/etc/zmigrate/known_hosts'],
      globalKnownHosts: [],
      connectTimeoutMs: 8000,
    })
    expect(o.sources).to.deep.equal({port: 'profile', user: 'profile', identities: 'profile', knownHosts: 'profile', connectTimeout: 'profile'})
  })

  it('never runs Match exec (nor nslookup for CanonicalizeHostName)', () => {
    const marker = '/tmp/zmigrate-match-exec-ran'
    rmSync(marker, {force: true})
    const o = resolveSshOptions(host(), ctx({sshConfigText: SSH_CONFIG}))
    expect(existsSync(marker)).to.equal(false)
    expect(o.user).to.equal('zadmin')
  })

  it('matches Host blocks against the profile address, not the profile name', () => {
    const o = resolveSshOptions(host({name: 'kvm2', address: '192.0.2.7'}), ctx({sshConfigText: SSH_CONFIG}))
    expect(o.port).to.equal(22)
    expect(o.identities).to.deep.equal([`${HOME}/.ssh/id_fallback`])
  })

  it('uses the agent only when the profile allows it and SSH_AUTH_SOCK is set', () => {
    expect(resolveSshOptions(host(), ctx({env: {SSH_AUTH_SOCK: '/tmp/agent.1'}})).agentSocket).to.equal('/tmp/agent.1')
    expect(resolveSshOptions(host({agent: false}), ctx({env: {SSH_AUTH_SOCK: '/tmp/agent.1'}})).agentSocket).to.equal(undefined)
    expect(resolveSshOptions(host(), ctx()).agentSocket).to.equal(undefined)
  })

  it('IdentityFile none means no key from the config', () => {
    const o = resolveSshOptions(host(), ctx({sshConfigText: 'Host *\n  IdentityFile none\n'}))
    expect(o.identities).to.deep.equal([])
  })

  it('checks which default key files exist on the real file system when given existsSync', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-home-'))
    try {
      const o = resolveSshOptions(host(), ctx({home, exists: existsSync}))
      expect(o.identities).to.deep.equal([])
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })
})

describe('expandPath', () => {
  const t = {home: HOME, cwd: '/work', localUser: 'admin', remoteUser: 'root', address: 'kvm2', port: 2022}
  it('expands ~ and % tokens like ssh_config(5), relative paths against the working directory', () => {
    expect(expandPath('~/.ssh/id', t)).to.equal(`${HOME}/.ssh/id`)
    expect(expandPath('%d/k_%u_%r_%h_%p_%%', t)).to.equal(`${HOME}/k_admin_root_kvm2_2022_%`)
    expect(expandPath('keys/id', t)).to.equal('/work/keys/id')
  })
})
