/**
 * The names of a host's libvirt guests, in one `virsh list --all --name` (shell completion of
 * GUEST; check and migrate read the guests with the rest of the facts, facts.ts).
 */
import {RemoteCommandError} from '../errors.js'
import type {ResolvedHost} from '../profiles/types.js'
import type {HostTransport} from './transport.js'

export async function guestNames(t: HostTransport, host: ResolvedHost, timeoutMs = 10_000): Promise<string[]> {
  const argv = ['virsh', '-c', host.libvirtUri, 'list', '--all', '--name']
  const r = await t.run(argv, {timeoutMs, maxStdoutBytes: 4 << 20})
  if (r.exitCode !== 0 || r.timedOut)
    throw new RemoteCommandError(host.name, argv, {exitCode: r.exitCode, stderr: r.timedOut ? `timed out after ${timeoutMs / 1000} s` : r.stderr})
  return r.stdout.split('\n').filter((name) => name.trim() !== '')
}
