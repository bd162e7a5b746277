/**
 * Host-key policy, on top of the pure known_hosts matching in known-hosts.ts: reading the
 * known_hosts files, the verdict on the key a host presents (known, unknown, changed, revoked),
 * and trust-on-first-use, which records an unknown key only when the profile allows it.
 *
 * - A changed or @revoked key is always refused, whatever trust-on-first-use says.
 * - An unknown key of a host that is known by another key type is refused too: the host is
 *   not new, so this is a possible substitution, not a first use.
 * - The key types already recorded for the host are offered first in the key exchange, so a
 *   host with several keys presents the one we know.
 * - A known_hosts file others could change is refused, not read as "nothing known" (ssh-files.ts).
 */
import {appendFile, mkdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {HostAccessError} from '../errors.js'
import {
  checkHostKey,
  fingerprintSha256,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  preferredHostKeyAlgorithms,
  type KnownHostsSource,
} from './known-hosts.js'
import {errorText} from './ssh-errors.js'
import {checkKnownHostsDir, readKnownHostsFile} from './ssh-files.js'
import type {SshOptions} from './ssh-options.js'

/** The profile's known_hosts files, then the global ones, as sources for checkHostKey. */
export function loadKnownHosts(hostName: string, o: SshOptions): Promise<KnownHostsSource[]> {
  return readKnownHosts(hostName, [...o.knownHosts, ...o.globalKnownHosts]).catch((err: unknown) => {
    if (err instanceof HostAccessError) throw err
    throw new HostAccessError(hostName, `cannot read known_hosts to check ${o.address}:${o.port}: ${errorText(err)}`, {
      code: 'E_SSH',
      remedy: `Fix the permissions of ${o.knownHosts.join(', ')}, or name another file with known-hosts: in the profile.`,
      cause: err,
    })
  })
}

/** ssh2's serverHostKey algorithm list: the key types recorded for this host first. */
export function hostKeyAlgorithms(sources: readonly KnownHostsSource[], o: SshOptions): string[] {
  return preferredHostKeyAlgorithms(knownKeyTypes(sources, o.address, o.port))
}

/**
 * ssh2's hostVerifier for one connection attempt. `refuse` is told why a key was not accepted,
 * so the connect error can say so instead of ssh2's generic handshake failure; `onNotice` hears
 * of a key recorded on first use.
 */
export function hostVerifier(
  hostName: string,
  o: SshOptions,
  sources: KnownHostsSource[],
  onNotice: (message: string) => void,
  refuse: (error: HostAccessError) => void,
): (blob: Buffer, verify: (valid: boolean) => void) => void {
  const where = `${o.address}:${o.port}`
  return (blob, verify) => {
    decideHostKey(hostName, o, sources, blob).then(
      (d) => {
        if (d.accept && d.notice) onNotice(d.notice)
        if (!d.accept) refuse(d.error)
        verify(d.accept)
      },
      (err: unknown) => {
        refuse(new HostAccessError(hostName, `cannot check the host key of ${where}: ${errorText(err)}`, {code: 'E_SSH', cause: err}))
        verify(false)
      },
    )
  }
}

/** A missing file means "nothing known"; an unreadable or unsafe one must not silently mean that. */
async function readKnownHosts(hostName: string, files: readonly string[]): Promise<KnownHostsSource[]> {
  const sources: KnownHostsSource[] = []
  for (const file of files) {
    const text = await readKnownHostsFile(hostName, file)
    if (text !== undefined) sources.push({file, text})
  }
  return sources
}

/**
 * Appends a line, creating the file 0600 (and its directory 0700) if needed, as OpenSSH does.
 * Refused when others could write that directory or one above it: the file we create would be
 * theirs to replace.
 */
async function recordHostKey(hostName: string, file: string, line: string): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  await checkKnownHostsDir(hostName, file)
  let prefix = ''
  try {
    const existing = await readFile(file, 'utf8')
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n'
  } catch {
    // new file
  }
  await appendFile(file, `${prefix}${line}\n`, {mode: 0o600})
}

type HostKeyDecision = {accept: true; notice?: string} | {accept: false; error: HostAccessError}

async function decideHostKey(hostName: string, o: SshOptions, sources: KnownHostsSource[], blob: Buffer): Promise<HostKeyDecision> {
  const {address, port} = o
  const where = `${address}:${port}`
  const type = keyTypeOf(blob)
  const fp = fingerprintSha256(blob)
  const userFile = o.knownHosts[0]
  const verdict = checkHostKey(sources, address, port, blob)
  switch (verdict.status) {
    case 'known':
      return {accept: true}
    case 'revoked':
      return {
        accept: false,
        error: new HostAccessError(
          hostName,
          `host key of ${where} (${type} ${fp}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`,
          {
            code: 'E_HOSTKEY_REVOKED',
            remedy: `The host must get a new host key (ask its administrator); a revoked key is never accepted.`,
          },
        ),
      }
    case 'changed': {
      const old = verdict.entries[0]
      return {
        accept: false,
        error: new HostAccessError(
          hostName,
          `host key of ${where} has CHANGED: it presents ${type} ${fp}, but ${old.file}:${old.line} records ${fingerprintSha256(old.key)}; refusing to connect (possible man-in-the-middle)`,
          {
            code: 'E_HOSTKEY_CHANGED',
            remedy: `If the host was reinstalled or its key rotated, confirm ${fp} on the host (ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-sha2-nistp\d+$/g, '')}_key.pub), then run: ssh-keygen -R '${knownHostsName(address, port)}' -f ${old.file} and connect again (trust-on-first-use never accepts a changed key).`,
          },
        ),
      }
    }
    case 'unknown': {
      const keyscan = `ssh-keyscan -p ${port} ${address} >> ${userFile}`
      if (verdict.otherTypes.length > 0) {
        // The host is known by another key type but does not offer it now: treat as a
        // possible substitution, never as a first use.
        return {
          accept: false,
          error: new HostAccessError(
            hostName,
            `host key of ${where} is not known: it presents ${type} ${fp}, but only ${verdict.otherTypes.join(', ')} keys are recorded for it; refusing to connect`,
            {
              code: 'E_HOSTKEY_UNKNOWN',
              remedy: `Confirm ${fp} on the host, then add it with: ${keyscan} (trust-on-first-use does not apply when other keys are recorded).`,
            },
          ),
        }
      }
      if (!o.trustOnFirstUse) {
        return {
          accept: false,
          error: new HostAccessError(hostName, `host key of ${where} is not known (${type} ${fp}); refusing to connect`, {
            code: 'E_HOSTKEY_UNKNOWN',
            remedy: `Confirm ${fp} on the host, then run: ${keyscan} — or set trust-on-first-use: true for this host in the profile.`,
          }),
        }
      }
      try {
        await recordHostKey(hostName, userFile, knownHostsLine(address, port, blob))
      } catch (err) {
        if (err instanceof HostAccessError) return {accept: false, error: err}
        return {
          accept: false,
          error: new HostAccessError(
            hostName,
            `host key of ${where} is not known (${type} ${fp}) and could not be recorded in ${userFile}: ${errorText(err)}`,
            {
              code: 'E_HOSTKEY_UNKNOWN',
              remedy: `Make ${userFile} writable, or add the key yourself: ${keyscan}`,
            },
          ),
        }
      }
      return {accept: true, notice: `${hostName}: trusted the host key of ${where} on first use (${type} ${fp}) and recorded it in ${userFile}`}
    }
  }
}
