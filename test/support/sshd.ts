/**
 * A real OpenSSH sshd on 127.0.0.1 for integration tests: its own temp directory, host key(s),
 * authorized_keys with a generated client key, and a known_hosts file for the client.
 *
 *   const sshd = await startSshd({maxSessions: 10})
 *   after(() => sshd.stop())
 *   const host = sshd.resolvedHost()          // a ResolvedHost that reaches it
 *
 * Only processes this harness starts are ever signalled, by PID (the listener and the
 * per-connection sshd processes it forked). Every wait is bounded.
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import type {ResolvedHost} from '../../src/profiles/types.js'

const run = promisify(execFile)
const SSHD = '/usr/sbin/sshd'

export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa'

export interface SshdOptions {
  /** sshd MaxSessions (channels per connection). Default 10, sshd's own default. */
  maxSessions?: number
  /** Host key types, in sshd's preference order. Default ['ed25519']. */
  hostKeyTypes?: HostKeyType[]
  /** Extra sshd_config lines (they take precedence over the harness's own). */
  extraConfig?: string[]
}

export interface TestSshd {
  readonly address: '127.0.0.1'
  readonly port: number
  readonly dir: string
  /** Private key accepted by the server (unencrypted ed25519). */
  readonly clientKey: string
  /** The same kind of key, never authorized. */
  readonly wrongClientKey: string
  /** A passphrase-protected key (passphrase 'secret'), authorized too. */
  readonly encryptedClientKey: string
  /** known_hosts with the current host key(s), `[127.0.0.1]:PORT` form. */
  readonly knownHostsPath: string
  /** `[127.0.0.1]:PORT TYPE BASE64` lines for the current host keys. */
  knownHostsLines(): Promise<string[]>
  /** SHA256 fingerprint of the current host key of the given type (default the first). */
  fingerprint(type?: HostKeyType): Promise<string>
  /** A ResolvedHost that reaches this sshd with clientKey and knownHostsPath, no agent. */
  resolvedHost(overrides?: Partial<ResolvedHost>): ResolvedHost
  /** Replace the host keys with new ones and restart on the same port (knownHostsPath is NOT updated). */
  rotateHostKey(): Promise<void>
  /** Kill the per-connection sshd processes: every open client connection drops. */
  dropConnections(): Promise<void>
  /** PIDs of processes running under this sshd (sessions included). */
  descendants(): Promise<number[]>
  /** sshd's stderr so far (for failure diagnostics). */
  log(): string
  stop(): Promise<void>
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zmigrate-sshd-'))
  const hostKeyTypes = opts.hostKeyTypes ?? ['ed25519']
  // Debian's sshd refuses to start without its privilege-separation directory.
  if (!existsSync('/run/sshd') && process.getuid?.() === 0) await mkdir('/run/sshd', {mode: 0o755})

  await generateHostKeys(dir, hostKeyTypes)
  const clientKey = path.join(dir, 'client_ed25519')
  const wrongClientKey = path.join(dir, 'wrong_ed25519')
  const encryptedClientKey = path.join(dir, 'encrypted_ed25519')
  await Promise.all([
    keygen(['-t', 'ed25519', '-N', '', '-C', 'zmigrate-test-client', '-f', clientKey]),
    keygen(['-t', 'ed25519', '-N', '', '-C', 'zmigrate-test-wrong', '-f', wrongClientKey]),
    keygen(['-t', 'ed25519', '-N', 'secret', '-C', 'zmigrate-test-encrypted', '-f', encryptedClientKey]),
  ])
  const authorized = [await readFile(`${clientKey}.pub`, 'utf8'), await readFile(`${encryptedClientKey}.pub`, 'utf8')]
  await writeFile(path.join(dir, 'authorized_keys'), authorized.join(''), {mode: 0o600})

  const configPath = path.join(dir, 'sshd_config')
  let child: ChildProcess | undefined
  let stderr = ''
  let port = 0

  const writeConfig = async () =>
    writeFile(
      configPath,
      [
        // sshd keeps the first value it reads for a keyword: extra lines come first to override ours.
        ...(opts.extraConfig ?? []),
        `ListenAddress 127.0.0.1:${port}`,
        ...hostKeyTypes.map((t) => `HostKey ${path.join(dir, `ssh_host_${t}_key`)}`),
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        `MaxSessions ${opts.maxSessions ?? 10}`,
        'MaxStartups 100',
        'LogLevel VERBOSE',
        'UseDNS no',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    )

  const launch = async (fixedPort?: number): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      port = fixedPort ?? (await freePort())
      await writeConfig()
      stderr = ''
      const proc = spawn(SSHD, ['-D', '-e', '-f', configPath], {stdio: ['ignore', 'ignore', 'pipe']})
      proc.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString('utf8')
      })
      const exited = new Promise<'exited'>((resolve) => proc.once('exit', () => resolve('exited')))
      const ready = await Promise.race([waitForBanner(port, 5000), exited])
      if (ready === true) {
        child = proc
        process.once('exit', killOnExit)
        return
      }
      if (proc.exitCode === null) proc.kill('SIGKILL')
      await Promise.race([exited, delay(2000)])
      // Port taken between picking and binding, or sshd still releasing it: try again.
      await delay(100 * (attempt + 1))
    }
    throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${stderr}`)
  }

  const descendants = async (): Promise<number[]> => {
    if (!child?.pid) return []
    const parents = new Map<number, number>()
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue
      try {
        const stat = await readFile(`/proc/${name}/stat`, 'utf8')
        // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        parents.set(Number(name), ppid)
      } catch {
        // the process exited while we looked
      }
    }
    const found: number[] = []
    const walk = (pid: number) => {
      for (const [p, pp] of parents) {
        if (pp === pid) {
          found.push(p)
          walk(p)
        }
      }
    }
    walk(child.pid)
    return found
  }

  const killPids = async (pids: number[]) => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 2000
    while (Date.now() < deadline && pids.some((p) => existsSync(`/proc/${p}`) && !isZombie(p))) await delay(20)
  }

  // If the test process dies without running its after hooks, do not leave sshd behind.
  // (Per-connection sshd processes end by themselves when our sockets close.)
  const killOnExit = () => {
    try {
      if (child?.pid) process.kill(child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
    rmSync(dir, {recursive: true, force: true})
  }

  const stopListener = async () => {
    process.removeListener('exit', killOnExit)
    const proc = child
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    await killPids(await descendants())
    proc.kill('SIGTERM')
    await Promise.race([exited, delay(2000)])
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL')
      await Promise.race([exited, delay(2000)])
    }
    child = undefined
  }

  const knownHostsPath = path.join(dir, 'known_hosts')
  const knownHostsLines = async () =>
    Promise.all(
      hostKeyTypes.map(async (t) => {
        const [type, b64] = (await readFile(path.join(dir, `ssh_host_${t}_key.pub`), 'utf8')).trim().split(/\s+/)
        return `[127.0.0.1]:${port} ${type} ${b64}`
      }),
    )

  await launch()
  await writeFile(knownHostsPath, (await knownHostsLines()).join('\n') + '\n', {mode: 0o600})

  return {
    address: '127.0.0.1',
    get port() {
      return port
    },
    dir,
    clientKey,
    wrongClientKey,
    encryptedClientKey,
    knownHostsPath,
    knownHostsLines,
    async fingerprint(type = hostKeyTypes[0]) {
      const {stdout} = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, `ssh_host_${type}_key.pub`)])
      return stdout.split(/\s+/)[1]
    },
    resolvedHost(overrides = {}) {
      return {
        name: 'test-sshd',
        transport: 'ssh',
        address: '127.0.0.1',
        port,
        user: os.userInfo().username,
        identities: [clientKey],
        knownHosts: knownHostsPath,
        trustOnFirstUse: false,
        libvirtUri: 'qemu:///system',
        migrationUri: `qemu+ssh://127.0.0.1:${port}/system`,
        root: '/',
        connectTimeoutMs: 5000,
        agent: false,
        ...overrides,
      }
    },
    async rotateHostKey() {
      const samePort = port
      await stopListener()
      await generateHostKeys(dir, hostKeyTypes)
      await launch(samePort)
    },
    async dropConnections() {
      await killPids(await descendants())
    },
    descendants,
    log: () => stderr,
    async stop() {
      await stopListener()
      await rm(dir, {recursive: true, force: true})
    },
  }
}

async function generateHostKeys(dir: string, types: HostKeyType[]): Promise<void> {
  await Promise.all(
    types.map(async (t) => {
      const file = path.join(dir, `ssh_host_${t}_key`)
      await rm(file, {force: true})
      await rm(`${file}.pub`, {force: true})
      await keygen(['-t', t, ...(t === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `zmigrate-test-host-${t}`, '-f', file])
    }),
  )
}

async function keygen(args: string[]): Promise<void> {
  await run('ssh-keygen', ['-q', ...args], {timeout: 20_000})
}

/** A port that was free a moment ago (the kernel picks it for a throwaway listener). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** True once something on the port answers with an SSH banner; false after `timeoutMs`. */
async function waitForBanner(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({host: '127.0.0.1', port})
      const timer = setTimeout(() => done(false), 1000)
      function done(v: boolean) {
        clearTimeout(timer)
        sock.destroy()
        resolve(v)
      }
      sock.once('data', (d) => done(d.toString('latin1').startsWith('SSH-2.0-')))
      sock.once('error', () => done(false))
    })
    if (ok) return true
    await delay(50)
  }
  return false
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never says anything: an SSH client
 * connecting to it waits for a banner until its own timeout (the "host answers TCP but sshd
 * hangs" case, without leaving loopback).
 */
export async function startSilentServer(): Promise<{port: number; stop(): Promise<void>}> {
  const sockets = new Set<net.Socket>()
  const srv = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const {port} = srv.address() as net.AddressInfo
  return {
    port,
    async stop() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }
}

/**
 * A private ssh-agent (`ssh-agent -D -a SOCKET`, a child of this process) with the given keys
 * loaded; passphrases go through a throwaway SSH_ASKPASS script. stop() kills it by PID.
 */
export async function startSshAgent(keys: Array<{file: string; passphrase?: string}>): Promise<{socket: string; stop(): Promise<void>}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zmigrate-agent-'))
  const socket = path.join(dir, 'agent.sock')
  const proc = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'})
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      await Promise.race([exited, delay(2000)])
    }
    await rm(dir, {recursive: true, force: true})
  }
  try {
    const deadline = Date.now() + 5000
    while (!existsSync(socket)) {
      if (Date.now() > deadline) throw new Error('ssh-agent did not create its socket')
      await delay(20)
    }
    for (const key of keys) {
      const askpass = path.join(dir, 'askpass.sh')
      await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' '${(key.passphrase ?? '').replaceAll("'", `'\\''`)}'\n`, {mode: 0o700})
      await run('ssh-add', ['-q', key.file], {
        timeout: 10_000,
        env: {...process.env, SSH_AUTH_SOCK: socket, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0'},
      })
    }
  } catch (err) {
    await stop()
    throw err
  }
  return {socket, stop}
}
