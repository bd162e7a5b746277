/**
 * Which port, user, keys and known_hosts files an SSH connection uses: the profile first,
 * then ~/.ssh/config for what the profile left unset, then OpenSSH's defaults. Pure: the
 * caller passes the config text, environment, home directory and a file-exists probe.
 *
 * ~/.ssh/config is read with the ssh-config package, with `Match exec` disabled (zmigrate
 * never runs a command because a config file says so) and the canonicalisation directives
 * dropped (ssh-config would shell out to nslookup for them). It does not follow `Include`.
 * The profile's address always wins over `HostName`; `Host` blocks are matched against that
 * address, as `ssh ADDRESS` would.
 */
import path from 'node:path'
import SSHConfig from 'ssh-config'
import type {ResolvedHost} from '../profiles/types.js'

export type OptionSource = 'profile' | 'ssh-config' | 'default'

export interface SshOptions {
  address: string
  port: number
  user: string
  /** Private key files to try, in order (absolute paths; may not exist). */
  identities: string[]
  /** known_hosts files checked for the host; trust-on-first-use appends to the first. */
  knownHosts: string[]
  /** Read-only system-wide known_hosts files (OpenSSH's GlobalKnownHostsFile); empty when the profile names a file. */
  globalKnownHosts: string[]
  connectTimeoutMs: number
  /** ssh-agent socket, when the profile allows the agent and SSH_AUTH_SOCK is set. */
  agentSocket?: string
  trustOnFirstUse: boolean
  /** Where each setting came from (shown by verbose output and in auth errors). */
  sources: {port: OptionSource; user: OptionSource; identities: OptionSource; knownHosts: OptionSource; connectTimeout: OptionSource}
  /** ~/.ssh/config directives that apply to this host but zmigrate does not implement (ProxyJump …). */
  ignoredDirectives: string[]
}

export interface SshOptionsContext {
  /** Contents of ~/.ssh/config, if any. */
  sshConfigText?: string
  env: Record<string, string | undefined>
  home: string
  /** Local user name (os.userInfo().username): the default remote user, `%u`. */
  localUser: string
  /** Directory relative paths in ~/.ssh/config are resolved against (OpenSSH: the working directory). */
  cwd?: string
  /** Used only to pick which default key files (~/.ssh/id_*) exist. */
  exists: (file: string) => boolean
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** OpenSSH's default identity files that still make sense (DSA is gone from OpenSSH 9.8). */
const DEFAULT_KEY_NAMES = ['id_ed25519', 'id_ecdsa', 'id_rsa']
const DEFAULT_GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']
/** Directives that change how OpenSSH would connect and that zmigrate does not honour: the user should know. */
const UNSUPPORTED = ['proxyjump', 'proxycommand', 'hostkeyalias', 'certificatefile', 'localforward', 'remoteforward', 'knownhostscommand']

export function resolveSshOptions(host: ResolvedHost, ctx: SshOptionsContext): SshOptions {
  const cfg = computeSshConfig(host, ctx.sshConfigText)
  const first = (key: string): string | undefined => {
    const v = cfg[key]
    return Array.isArray(v) ? v[0] : v
  }
  const list = (key: string): string[] => {
    const v = cfg[key]
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter((s) => s !== '')
  }

  const cfgPort = Number(first('port'))
  const port = host.port ?? (Number.isInteger(cfgPort) && cfgPort > 0 ? cfgPort : 22)
  const user = host.user ?? first('user') ?? ctx.localUser
  const expand = (p: string) =>
    expandPath(p, {home: ctx.home, cwd: ctx.cwd ?? ctx.home, localUser: ctx.localUser, remoteUser: user, address: host.address, port})

  let identities: string[]
  let identitiesSource: OptionSource
  const cfgIdentities = list('identityfile')
  if (host.identities.length > 0) {
    identities = host.identities
    identitiesSource = 'profile'
  } else if (cfgIdentities.length > 0) {
    identities = cfgIdentities.filter((f) => f.toLowerCase() !== 'none').map(expand)
    identitiesSource = 'ssh-config'
  } else {
    identities = DEFAULT_KEY_NAMES.map((n) => path.join(ctx.home, '.ssh', n)).filter((f) => ctx.exists(f))
    identitiesSource = 'default'
  }

  let knownHosts: string[]
  let knownHostsSource: OptionSource
  const cfgKnownHosts = list('userknownhostsfile')
  if (host.knownHosts) {
    knownHosts = [host.knownHosts]
    knownHostsSource = 'profile'
  } else if (cfgKnownHosts.length > 0) {
    knownHosts = cfgKnownHosts.map(expand)
    knownHostsSource = 'ssh-config'
  } else {
    knownHosts = [path.join(ctx.home, '.ssh', 'known_hosts'), path.join(ctx.home, '.ssh', 'known_hosts2')]
    knownHostsSource = 'default'
  }
  const cfgGlobal = list('globalknownhostsfile')
  const globalKnownHosts = host.knownHosts ? [] : cfgGlobal.length > 0 ? cfgGlobal.map(expand) : DEFAULT_GLOBAL_KNOWN_HOSTS

  // ResolvedHost.connectTimeoutMs is always set by the profile loader today; a missing or zero
  // value is treated as "unset" so ~/.ssh/config's ConnectTimeout (seconds) can apply.
  const cfgTimeout = Number(first('connecttimeout'))
  let connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS
  let timeoutSource: OptionSource = 'default'
  if (host.connectTimeoutMs > 0) {
    connectTimeoutMs = host.connectTimeoutMs
    timeoutSource = 'profile'
  } else if (cfgTimeout > 0) {
    connectTimeoutMs = cfgTimeout * 1000
    timeoutSource = 'ssh-config'
  }

  const sock = ctx.env.SSH_AUTH_SOCK
  return {
    address: host.address,
    port,
    user,
    identities,
    knownHosts,
    globalKnownHosts,
    connectTimeoutMs,
    agentSocket: host.agent && sock ? sock : undefined,
    trustOnFirstUse: host.trustOnFirstUse,
    sources: {
      port: host.port !== undefined ? 'profile' : first('port') !== undefined ? 'ssh-config' : 'default',
      user: host.user !== undefined ? 'profile' : first('user') !== undefined ? 'ssh-config' : 'default',
      identities: identitiesSource,
      knownHosts: knownHostsSource,
      connectTimeout: timeoutSource,
    },
    ignoredDirectives: UNSUPPORTED.filter((d) => cfg[d] !== undefined && !(d === 'proxyjump' && first(d)?.toLowerCase() === 'none')),
  }
}

/** ~/.ssh/config settings for the host, keys lower-cased; never evaluates `Match exec` or runs nslookup. */
function computeSshConfig(host: ResolvedHost, text: string | undefined): Record<string, string | string[]> {
  if (!text) return {}
  const config = SSHConfig.parse(text)
  dropCanonicalisation(config)
  return config.compute({Host: host.address, User: host.user}, {matchExec: false, ignoreCase: true})
}

function dropCanonicalisation(config: SSHConfig): void {
  for (let i = config.length - 1; i >= 0; i--) {
    const line = config[i]
    if (line.type !== SSHConfig.DIRECTIVE) continue
    if (/^canonical/i.test(line.param)) config.splice(i, 1)
    else if ('config' in line) dropCanonicalisation(line.config)
  }
}

/** OpenSSH's `~` and `%` expansion for file names (ssh_config(5) TOKENS), then absolute. */
export function expandPath(file: string, t: {home: string; cwd: string; localUser: string; remoteUser: string; address: string; port: number}): string {
  let p = file.replace(/^~(?=\/|$)/, t.home)
  p = p.replace(/%([%dhnpru])/g, (_, c: string) => {
    switch (c) {
      case '%':
        return '%'
      case 'd':
        return t.home
      case 'h':
      case 'n':
        return t.address
      case 'p':
        return String(t.port)
      case 'r':
        return t.remoteUser
      default:
        return t.localUser
    }
  })
  return path.resolve(t.cwd, p)
}
