/**
 * Gathering a host's facts and probing paths: the only I/O of the facts layer, one round trip
 * each through a HostTransport (local execa or SSH — this module cannot tell them apart).
 * The commands are constants (collect-script.ts); inputs go over stdin; parsing is pure
 * (collect-parse.ts, probe-parse.ts).
 */
import {RemoteCommandError} from '../errors.js'
import type {ResolvedHost} from '../profiles/types.js'
import {parseCollectOutput} from './collect-parse.js'
import {COLLECT_SCRIPT, encodeCollectInput, newNonce} from './collect-script.js'
import {PROBE_SCRIPT, encodeProbeInput, unsafeProbeTarget} from './probe-script.js'
import type {CpuCompareResult, HostFacts, PathProbe, ProbeTarget} from './facts-types.js'
import {parseProbeOutput} from './probe-parse.js'
import type {HostTransport, RunResult} from './transport.js'

export interface FactsOptions {
  /** Kill the remote script after this long (default 120 s: a host with thousands of devices and guests stays far below). */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 120_000

function checkRun(host: ResolvedHost, what: string, r: RunResult, timeoutMs: number): void {
  const argv = ['sh', '-c', what]
  if (r.timedOut) {
    throw new RemoteCommandError(
      host.name,
      argv,
      {exitCode: r.exitCode, stderr: `timed out after ${Math.round(timeoutMs / 1000)} s`},
      `Check that virsh -c ${host.libvirtUri} responds on ${host.name} (a hung libvirtd blocks every virsh call).`,
    )
  }
  if (r.exitCode !== 0) {
    throw new RemoteCommandError(
      host.name,
      argv,
      r,
      `${what} needs a POSIX sh, grep, find and virsh on ${host.name}; the message above says which step failed.`,
    )
  }
}

/**
 * Everything zmigrate knows about a host, read in ONE command: sysfs/dev/proc under host.root and
 * libvirt at host.libvirtUri. An unreachable libvirt is a fact (libvirt.reachable=false + error),
 * not an exception; an unreachable host is the transport's error.
 */
export async function gatherFacts(t: HostTransport, host: ResolvedHost, opts: FactsOptions = {}): Promise<HostFacts> {
  const nonce = newNonce()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const r = await t.run(['sh', '-c', COLLECT_SCRIPT], {stdin: encodeCollectInput({nonce, root: host.root, uri: host.libvirtUri}), timeoutMs})
  checkRun(host, 'the zmigrate collect script', r, timeoutMs)
  const facts = parseCollectOutput(r.stdout, {host: host.name, root: host.root, uri: host.libvirtUri, nonce})
  if (r.stderr.trim() !== '') facts.warnings.push(`collect script stderr: ${r.stderr.trim().split('\n').slice(0, 5).join('; ')}`)
  return facts
}

export interface ProbeRequest {
  /** Disk and boot-file paths from guest XML (untrusted), disks with their declared formats. /dev paths are looked up under host.root. */
  targets: ProbeTarget[]
  /** Guest <cpu> (or domain) XML documents for `virsh hypervisor-cpu-compare`. */
  cpuXmls: string[]
}

/**
 * Per-path facts (type, size, qemu-img info, free space) and CPU comparisons, in ONE command.
 * Paths that cannot be framed safely (line breaks, NUL), are not absolute, have a format QEMU
 * does not know or two disks declaring different formats are not sent; they come back with
 * `error` set.
 */
export async function probeHost(
  t: HostTransport,
  host: ResolvedHost,
  req: ProbeRequest,
  opts: FactsOptions = {},
): Promise<{paths: Map<string, PathProbe>; cpu: CpuCompareResult[]}> {
  const byPath = new Map<string, ProbeTarget>()
  const rejected = new Map<string, string>()
  for (const t of req.targets) {
    const seen = byPath.get(t.path)
    if (!seen) byPath.set(t.path, t)
    // a plain-file probe (no format) learns nothing an image probe of the same path does not
    else if (t.format === undefined) continue
    else if (seen.format === undefined) byPath.set(t.path, t)
    else if (seen.format !== t.format)
      rejected.set(
        t.path,
        `declared as ${seen.format} by one disk and as ${t.format} by another; zmigrate reads an image only as the one format its disks agree on`,
      )
    else byPath.set(t.path, {...seen, backingFiles: [...(seen.backingFiles ?? []), ...(t.backingFiles ?? [])]})
  }
  const asked = [...byPath.keys()]
  // sent sorted: images in one directory become neighbours and share one df in the script
  const sent: ProbeTarget[] = []
  for (const p of [...asked].sort()) {
    const why = rejected.get(p) ?? unsafeProbeTarget(byPath.get(p)!)
    if (why) rejected.set(p, why)
    else sent.push(byPath.get(p)!)
  }
  const nonce = newNonce()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const stdin = encodeProbeInput({nonce, root: host.root, uri: host.libvirtUri, targets: sent, cpuXmls: req.cpuXmls})
  const r = await t.run(['sh', '-c', PROBE_SCRIPT], {stdin, timeoutMs})
  checkRun(host, 'the zmigrate probe script', r, timeoutMs)
  const result = parseProbeOutput(r.stdout, nonce, sent, req.cpuXmls.length, rejected)
  // in the order asked
  return {paths: new Map(asked.map((p) => [p, result.paths.get(p)!])), cpu: result.cpu}
}
