/**
 * Words for SSH failures that several of the ssh-* modules report: the text of whatever was
 * thrown, and what a socket error code means to an admin.
 */
import {HostAccessError} from '../errors.js'
import type {SshOptions} from './ssh-options.js'

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is sshd running and listening on that port?)',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ECONNRESET: 'connection reset by the host',
  EPIPE: 'connection closed by the host',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved (DNS not answering)',
  EADDRNOTAVAIL: 'address not available',
}

/** A TCP or DNS failure before SSH even started (ssh2 error levels client-socket, client-dns). */
export function socketError(hostName: string, o: SshOptions, err: Error & {code?: string}): HostAccessError {
  const where = `${o.address}:${o.port}`
  if (err.code === 'ETIMEDOUT') {
    return new HostAccessError(hostName, `no answer from ${where} (TCP connect timed out)`, {
      code: 'E_HOST_TIMEOUT',
      remedy: `Check that ${o.address} is up and that no firewall drops port ${o.port}.`,
      cause: err,
    })
  }
  const why = (err.code && UNREACHABLE_CODES[err.code]) ?? err.message
  return new HostAccessError(hostName, `cannot reach ${where}: ${why}`, {
    code: 'E_HOST_UNREACHABLE',
    remedy: `Check the address and port in the profile, that the host is up and sshd runs (try: ssh -p ${o.port} ${o.user}@${o.address}).`,
    cause: err,
  })
}
