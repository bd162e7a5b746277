/**
 * Logging in: which private keys and which ssh-agent to offer, in what order, and what to tell
 * the admin when the host accepted none of them. Identity files are offered in the profile's
 * order, then the agent (ssh2 tries its keys one by one). A key others can read is refused
 * outright (ssh-files.ts); a missing or passphrase-protected one is skipped and named in the error.
 */
import ssh2 from 'ssh2'
import type {AnyAuthMethod, AuthenticationType, ParsedKey} from 'ssh2'
import {HostAccessError} from '../errors.js'
import {errorText} from './ssh-errors.js'
import {readIdentityFile} from './ssh-files.js'
import type {SshOptions} from './ssh-options.js'

const {utils} = ssh2

interface LoadedKey {
  file: string
  key: ParsedKey
}

export interface Credentials {
  keys: LoadedKey[]
  /** Identity files that could not be used, with why ("encrypted", "not found", …). */
  skipped: Array<{file: string; why: string}>
  agentSocket?: string
  /** Set when there is nothing to authenticate with at all (the error to report after the host-key check). */
  unusable?: HostAccessError
}

export async function loadCredentials(hostName: string, o: SshOptions): Promise<Credentials> {
  const keys: LoadedKey[] = []
  const skipped: Credentials['skipped'] = []
  for (const file of o.identities) {
    let data: Buffer
    try {
      data = await readIdentityFile(hostName, file)
    } catch (err) {
      // A key others can read is refused outright (ssh-files.ts); a missing one is skipped.
      if (err instanceof HostAccessError) throw err
      skipped.push({file, why: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : errorText(err)})
      continue
    }
    const parsed = utils.parseKey(data)
    if (parsed instanceof Error) {
      skipped.push({file, why: /encrypted/i.test(parsed.message) ? 'encrypted' : parsed.message})
    } else if (!parsed.isPrivateKey()) {
      skipped.push({file, why: 'not a private key'})
    } else {
      keys.push({file, key: parsed})
    }
  }
  let unusable: HostAccessError | undefined
  if (keys.length === 0 && !o.agentSocket) {
    // Reported only after the host key is checked, as ssh does: "host down" or "host key
    // changed" are the more important news.
    const target = `${o.user}@${o.address}:${o.port}`
    const encrypted = skipped.filter((s) => s.why === 'encrypted').map((s) => s.file)
    if (encrypted.length > 0) {
      unusable = new HostAccessError(
        hostName,
        `cannot log in as ${target}: ${encrypted.join(', ')} ${encrypted.length > 1 ? 'are' : 'is'} encrypted (passphrase-protected) and no ssh-agent is available`,
        {
          code: 'E_AUTH_FAILED',
          remedy: `Load the key into ssh-agent (eval "$(ssh-agent)"; ssh-add ${encrypted[0]}) with agent: true in the profile (the default), or name an unencrypted key with identity:.`,
        },
      )
    } else {
      const tried =
        skipped.length > 0
          ? skipped.map((s) => `${s.file} (${s.why})`).join(', ')
          : 'none (no identity configured and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa)'
      unusable = new HostAccessError(hostName, `cannot log in as ${target}: no usable private key; key files: ${tried}; no ssh-agent`, {
        code: 'E_AUTH_FAILED',
        remedy: 'Set identity: in the profile to a private key the host accepts, or start ssh-agent with the key loaded (SSH_AUTH_SOCK).',
      })
    }
  }
  return {keys, skipped, agentSocket: o.agentSocket, unusable}
}

/** What one connection attempt offered, and what ssh-agent reported while it was tried. */
export interface AuthAttempts {
  /** Labels of the keys offered so far, in order. */
  offered: string[]
  agentErrors: string[]
}

/**
 * ssh2's authHandler: identity files in order, then the agent. Each call offers the next one and
 * records its label in `attempts.offered`.
 */
export function authHandlerFor(creds: Credentials, user: string, attempts: AuthAttempts) {
  const methods: Array<{label: string; method: AnyAuthMethod}> = [
    ...creds.keys.map((k) => ({label: `${k.file} (${k.key.type})`, method: {type: 'publickey', username: user, key: k.key} as AnyAuthMethod})),
    ...(creds.agentSocket
      ? [{label: `ssh-agent keys (${creds.agentSocket})`, method: {type: 'agent', username: user, agent: creds.agentSocket} as AnyAuthMethod}]
      : []),
  ]
  return (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void) => {
    // methodsLeft is null on the first call; afterwards, stop if the server no longer takes keys.
    const attempt = methods[attempts.offered.length]
    if (!attempt || (methodsLeft && !methodsLeft.includes('publickey'))) return next(false)
    attempts.offered.push(attempt.label)
    next(attempt.method)
  }
}

/** The error when the host accepted none of the keys offered (or there was nothing to offer). */
export function authFailure(hostName: string, o: SshOptions, creds: Credentials, attempts: AuthAttempts, detail?: string): HostAccessError {
  const {address, port, user} = o
  const where = `${address}:${port}`
  if (creds.unusable) return creds.unusable
  const tried = [...attempts.offered]
  const notTried = creds.skipped.map((s) => `${s.file} (${s.why})`)
  const parts = [`offered: ${tried.length > 0 ? tried.join(', ') : 'nothing'}`]
  if (notTried.length > 0) parts.push(`not usable: ${notTried.join(', ')}`)
  if (attempts.agentErrors.length > 0) parts.push(`ssh-agent: ${attempts.agentErrors[0]}`)
  const encrypted = creds.skipped.some((s) => s.why === 'encrypted')
  return new HostAccessError(hostName, `authentication as ${user}@${where} failed${detail ? ` (${detail})` : ''}; ${parts.join('; ')}`, {
    code: 'E_AUTH_FAILED',
    remedy: encrypted
      ? "Load the encrypted key into ssh-agent (ssh-add FILE) with agent: true, or check that its public key is in the user's authorized_keys on the host."
      : `Add one of these public keys to ~${user}/.ssh/authorized_keys on the host, or set user:/identity: in the profile (debug with: ssh -v -p ${port} ${user}@${address}).`,
  })
}
