/**
 * Opening one SSH connection: resolving the settings (profile, then ~/.ssh/config), TCP, the
 * handshake with host-key verification (ssh-hostkey.ts) and login (ssh-auth.ts), within the
 * profile's connect timeout. Every way this can fail becomes a HostAccessError that says in which
 * phase it failed and what to check on the host.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import ssh2 from 'ssh2'
import type {Client as SshClient, ConnectConfig} from 'ssh2'
import {HostAccessError} from '../errors.js'
import type {ResolvedHost} from '../profiles/types.js'
import type {KnownHostsSource} from './known-hosts.js'
import {authFailure, authHandlerFor, loadCredentials, type AuthAttempts, type Credentials} from './ssh-auth.js'
import {errorText, socketError} from './ssh-errors.js'
import {hostKeyAlgorithms, hostVerifier, loadKnownHosts} from './ssh-hostkey.js'
import {resolveSshOptions, type SshOptions} from './ssh-options.js'

const {Client} = ssh2

export interface SshConnectOptions {
  /** Told about things the user should know that are not errors (a host key recorded on first use, a reconnect). */
  onNotice?: (message: string) => void
  /** Environment (SSH_AUTH_SOCK). Default process.env. */
  env?: Record<string, string | undefined>
  /** Home directory (~/.ssh). Default os.homedir(). */
  home?: string
  /** ~/.ssh/config text. Default: read HOME/.ssh/config if it exists. Pass '' to ignore it. */
  sshConfigText?: string
  /** Channels open at once on the connection. Default 6. */
  maxChannels?: number
  /** SSH keepalive: probe every this many ms, give up after keepaliveCountMax unanswered. Default 15000 / 4. */
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
}

/** Resolves the connection settings for a host the way SshTransport.connect does (for `zmigrate hosts --verbose` style output). */
export async function loadSshOptions(host: ResolvedHost, opts: SshConnectOptions = {}): Promise<SshOptions> {
  const home = opts.home ?? os.homedir()
  const sshConfigText = opts.sshConfigText ?? (await readFile(path.join(home, '.ssh', 'config'), 'utf8').catch(() => undefined))
  return resolveSshOptions(host, {
    sshConfigText,
    env: opts.env ?? process.env,
    home,
    localUser: os.userInfo().username,
    cwd: process.cwd(),
    exists: existsSync,
  })
}

/** A connected, host-key-verified and logged-in client. Credentials are read before known_hosts. */
export async function openConnection(hostName: string, o: SshOptions, settings: SshConnectOptions): Promise<SshClient> {
  const creds = await loadCredentials(hostName, o)
  const sources = await loadKnownHosts(hostName, o)
  return connectClient(hostName, o, settings, creds, sources)
}

function connectClient(hostName: string, o: SshOptions, settings: SshConnectOptions, creds: Credentials, sources: KnownHostsSource[]): Promise<SshClient> {
  const {address, port, user} = o
  const where = `${address}:${port}`
  return new Promise((resolve, reject) => {
    const client = new Client()
    let phase: 'tcp' | 'handshake' | 'auth' = 'tcp'
    let settled = false
    let hostKeyRefusal: HostAccessError | undefined
    const attempts: AuthAttempts = {offered: [], agentErrors: []}

    const fail = (err: HostAccessError) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      detach()
      client.destroy()
      reject(err)
    }
    const timer = setTimeout(() => {
      const what = {
        tcp: 'the TCP connection was not established',
        handshake: 'TCP connected, but the SSH handshake did not complete',
        auth: 'authentication did not complete',
      }[phase]
      fail(
        new HostAccessError(hostName, `no answer from ${where} within ${formatSeconds(o.connectTimeoutMs)} (${what})`, {
          code: 'E_HOST_TIMEOUT',
          remedy: `Check that ${address} is up and that no firewall drops port ${port}; raise connect-timeout in the profile for a slow link.`,
        }),
      )
    }, o.connectTimeoutMs)

    const onConnect = () => {
      phase = 'handshake'
    }
    const onHandshake = () => {
      phase = 'auth'
    }
    const onReady = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      detach()
      resolve(client)
    }
    const onError = (err: Error & {level?: string; code?: string}) => {
      if (err.level === 'agent') {
        // ssh2 reports an unusable agent and moves on to the next method.
        attempts.agentErrors.push(err.message)
        return
      }
      if (hostKeyRefusal) return fail(hostKeyRefusal)
      if (err.level === 'client-authentication' || (phase === 'auth' && /authentication/i.test(err.message)))
        return fail(authFailure(hostName, o, creds, attempts))
      if (err.level === 'client-socket' || err.level === 'client-dns') return fail(socketError(hostName, o, err))
      if (err.level === 'client-timeout')
        return fail(new HostAccessError(hostName, `no answer from ${where}: ${err.message}`, {code: 'E_HOST_TIMEOUT', remedy: `Check that ${address} is up.`}))
      if (/before handshake/i.test(err.message)) {
        return fail(
          new HostAccessError(hostName, `${where} closed the connection before the SSH handshake (is it an sshd?)`, {
            code: 'E_HOST_UNREACHABLE',
            remedy: `Check that sshd listens on ${address} port ${port} (MaxStartups, tcp_wrappers, fail2ban).`,
          }),
        )
      }
      fail(
        new HostAccessError(hostName, `SSH to ${where} failed during ${phase}: ${err.message}`, {
          code: 'E_SSH',
          remedy: `Debug with: ssh -v -p ${port} ${user}@${address}`,
          cause: err,
        }),
      )
    }
    const onClose = () => {
      if (hostKeyRefusal) return fail(hostKeyRefusal)
      if (phase === 'auth') return fail(authFailure(hostName, o, creds, attempts, 'the host closed the connection'))
      fail(
        new HostAccessError(hostName, `${where} closed the connection during the SSH ${phase === 'tcp' ? 'connect' : phase}`, {
          code: 'E_HOST_UNREACHABLE',
          remedy: `Check that sshd is running on ${address} port ${port}.`,
        }),
      )
    }
    // An 'error' listener stays attached: an unhandled 'error' event would crash the process.
    const ignore = () => {}
    client.on('error', ignore)
    client.on('connect', onConnect).on('handshake', onHandshake).on('ready', onReady).on('error', onError).on('close', onClose)
    const detach = () => {
      client.off('connect', onConnect).off('handshake', onHandshake).off('ready', onReady).off('error', onError).off('close', onClose)
    }

    const config: ConnectConfig = {
      host: address,
      port,
      username: user,
      hostVerifier: hostVerifier(
        hostName,
        o,
        sources,
        (notice) => settings.onNotice?.(notice),
        (error) => (hostKeyRefusal = error),
      ),
      authHandler: authHandlerFor(creds, user, attempts) as unknown as ConnectConfig['authHandler'],
      algorithms: {serverHostKey: hostKeyAlgorithms(sources, o) as NonNullable<ConnectConfig['algorithms']>['serverHostKey']},
      keepaliveInterval: settings.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: settings.keepaliveCountMax ?? 4,
      readyTimeout: 0, // our own timer above, which knows the phase
    }
    try {
      client.connect(config)
      // From the first packet, not only after login: the handshake and login are small request and
      // answer packets, which Nagle's algorithm would hold back until the host's delayed ACK (40 ms
      // on Linux). Measured on loopback: ready after 77 ms with Nagle, 32 ms without.
      client.setNoDelay(true)
    } catch (err) {
      fail(new HostAccessError(hostName, `cannot start SSH to ${where}: ${errorText(err)}`, {code: 'E_SSH', cause: err}))
    }
  })
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
