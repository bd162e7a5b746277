/**
 * OpenSSH known_hosts: parsing, host matching and the verdict for a presented host key.
 * Pure functions only (text in, data out); reading and appending the files is in ssh-hostkey.ts.
 *
 * Format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): `[@marker] hostpatterns keytype base64 [comment]`.
 * - hostpatterns: comma list of names or IPs with `*`/`?` wildcards and `!` negation; a
 *   non-22 port is written `[host]:port`; or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 * - `@revoked`: the key must never be accepted for the matching hosts.
 * - `@cert-authority`: a CA that signs host certificates. zmigrate (ssh2) does not do host
 *   certificates, so these lines are ignored; a host known only through a CA is "unknown".
 * No maintained npm package parses this format (see reference/ecosystem.md, ssh2 section).
 */
import {createHash, createHmac} from 'node:crypto'

export interface KnownHostsEntry {
  /** 1-based line number in the file. */
  line: number
  marker?: 'revoked' | 'cert-authority'
  /** Plain patterns (comma list split), or undefined for a hashed entry. */
  patterns?: string[]
  hashed?: {salt: Buffer; hash: Buffer}
  keyType: string
  /** The key blob (SSH wire format), decoded from base64. */
  key: Buffer
}

export interface ParsedKnownHosts {
  entries: KnownHostsEntry[]
  /** Lines that are neither blank, comments nor valid entries (1-based line numbers). */
  malformed: number[]
}

export function parseKnownHosts(text: string): ParsedKnownHosts {
  const entries: KnownHostsEntry[] = []
  const malformed: number[] = []
  text.split('\n').forEach((raw, i) => {
    const lineNo = i + 1
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fields = line.split(/[ \t]+/)
    let marker: KnownHostsEntry['marker']
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!
      if (m === '@revoked') marker = 'revoked'
      else if (m === '@cert-authority') marker = 'cert-authority'
      else return void malformed.push(lineNo)
    }
    const [hosts, keyType, keyB64] = fields
    if (!hosts || !keyType || !keyB64 || !/^[A-Za-z0-9+/]+=*$/.test(keyB64)) return void malformed.push(lineNo)
    const key = Buffer.from(keyB64, 'base64')
    if (key.length === 0) return void malformed.push(lineNo)
    const entry: KnownHostsEntry = {line: lineNo, marker, keyType, key}
    if (hosts.startsWith('|')) {
      const m = /^\|1\|([A-Za-z0-9+/]+=*)\|([A-Za-z0-9+/]+=*)$/.exec(hosts)
      if (!m) return void malformed.push(lineNo)
      entry.hashed = {salt: Buffer.from(m[1], 'base64'), hash: Buffer.from(m[2], 'base64')}
    } else {
      entry.patterns = hosts.split(',').filter((p) => p !== '')
    }
    entries.push(entry)
  })
  return {entries, malformed}
}

/** The name OpenSSH looks up and records for a host: `address`, or `[address]:port` when port is not 22. */
export function knownHostsName(address: string, port: number): string {
  const host = address.toLowerCase()
  return port === 22 ? host : `[${host}]:${port}`
}

/** `*` any run of characters, `?` exactly one; case-insensitive like OpenSSH's match_pattern. */
function wildcardMatch(pattern: string, text: string): boolean {
  const re = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${re}$`, 's').test(text)
}

/** Whether an entry's host field names `name` (already in knownHostsName form). */
export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hashed) {
    const mac = createHmac('sha1', entry.hashed.salt).update(name).digest()
    return mac.length === entry.hashed.hash.length && mac.equals(entry.hashed.hash)
  }
  let matched = false
  for (const p of entry.patterns ?? []) {
    if (p.startsWith('!')) {
      // A matching negated pattern rejects the line whatever else matches (sshd(8)).
      if (wildcardMatch(p.slice(1), name)) return false
    } else if (wildcardMatch(p, name)) {
      matched = true
    }
  }
  return matched
}

/** The key type named inside an SSH wire-format key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return ''
  const len = blob.readUInt32BE(0)
  return len > 0 && 4 + len <= blob.length ? blob.subarray(4, 4 + len).toString('latin1') : ''
}

/** OpenSSH's fingerprint: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/** A known_hosts line recording `blob` for the host (what trust-on-first-use appends). */
export function knownHostsLine(address: string, port: number, blob: Buffer): string {
  return `${knownHostsName(address, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`
}

/** Entries of one file, tagged with that file, so a verdict can say where a key came from. */
export interface KnownHostsSource {
  file: string
  text: string
}

export interface LocatedEntry extends KnownHostsEntry {
  file: string
}

export type HostKeyVerdict =
  /** The presented key is recorded for this host. */
  | {status: 'known'; entry: LocatedEntry}
  /** The presented key is marked `@revoked` for this host: never accept. */
  | {status: 'revoked'; entry: LocatedEntry}
  /** Keys of the presented type are recorded for this host, and none of them is the presented key. */
  | {status: 'changed'; entries: LocatedEntry[]}
  /** Nothing of this type is recorded. `otherTypes`: key types that are recorded for the host. */
  | {status: 'unknown'; otherTypes: string[]}

/**
 * The verdict for `blob` presented by `address:port`, across several known_hosts files
 * (user files, then global ones). Order of precedence, as in OpenSSH's check_key_in_hostkeys:
 * revoked > known > changed > unknown.
 */
export function checkHostKey(sources: readonly KnownHostsSource[], address: string, port: number, blob: Buffer): HostKeyVerdict {
  const name = knownHostsName(address, port)
  const keyType = keyTypeOf(blob)
  const matching: LocatedEntry[] = []
  for (const src of sources) {
    for (const e of parseKnownHosts(src.text).entries) {
      if (e.marker !== 'cert-authority' && entryMatchesHost(e, name)) matching.push({...e, file: src.file})
    }
  }
  const revoked = matching.find((e) => e.marker === 'revoked' && e.key.equals(blob))
  if (revoked) return {status: 'revoked', entry: revoked}
  const plain = matching.filter((e) => e.marker === undefined)
  const known = plain.find((e) => e.keyType === keyType && e.key.equals(blob))
  if (known) return {status: 'known', entry: known}
  const sameType = plain.filter((e) => e.keyType === keyType)
  if (sameType.length > 0) return {status: 'changed', entries: sameType}
  return {status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))]}
}

/** Key types recorded (not revoked) for the host, in file order. */
export function knownKeyTypes(sources: readonly KnownHostsSource[], address: string, port: number): string[] {
  const name = knownHostsName(address, port)
  const types: string[] = []
  for (const src of sources) {
    for (const e of parseKnownHosts(src.text).entries) {
      if (e.marker === undefined && entryMatchesHost(e, name) && !types.includes(e.keyType)) types.push(e.keyType)
    }
  }
  return types
}

/** ssh2's default host-key algorithm order (lib/protocol/constants.js, ssh2 1.17). */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]

/**
 * Host-key algorithms to offer, those of already-known key types first. OpenSSH does the same
 * (it prefers algorithms it has keys for), so a host recorded with its ECDSA key is asked for
 * that key and not reported "unknown" because ssh2 would otherwise prefer ed25519.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const first = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]))
  const preferred = first.filter((a) => DEFAULT_HOST_KEY_ALGORITHMS.includes(a))
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS])]
}
