/**
 * Parsing the probe script's framed output (probe-script.ts). Pure: no I/O.
 */
import type {CpuCompareResult, PathProbe, ProbeTarget} from './facts-types.js'
import {nulRecords, splitFrames} from './frames.js'
import {PROBE_SECTIONS as P, probeSection} from './wire-format.js'

/**
 * `qemu-img info -f <declared> --output=json` (QEMU qapi ImageInfo: format, virtual-size,
 * actual-size, backing-filename). A format other than the declared one is an error, not a fact:
 * its size would be another image's. A backing file the XML does not declare is kept apart.
 */
export function parseQemuImgInfo(json: string, declared: Omit<ProbeTarget, 'path'> & {format: string}): NonNullable<PathProbe['image']> {
  const info = JSON.parse(json) as Record<string, unknown>
  if (typeof info.format !== 'string' || typeof info['virtual-size'] !== 'number') throw new Error('no format or virtual-size')
  if (info.format !== declared.format) throw new Error(`read as ${info.format}, not as the declared ${declared.format}`)
  const named = [info['full-backing-filename'], info['backing-filename']].filter((f): f is string => typeof f === 'string')
  const backing = named[0]
  const declaredToo = named.some((f) => declared.backingFiles?.includes(f))
  return {
    format: info.format,
    virtualSizeBytes: info['virtual-size'],
    ...(typeof info['actual-size'] === 'number' ? {actualSizeBytes: info['actual-size']} : {}),
    ...(backing === undefined ? {} : declaredToo ? {backingFile: backing} : {undeclaredBackingFile: backing}),
  }
}

/**
 * `df -P -k` (POSIX format): a header, then `Filesystem 1024-blocks Used Available Capacity Mounted-on`;
 * counted from the numbers, since the file-system name and mount point may hold spaces.
 */
export function parseDfAvailableBytes(text: string): number | undefined {
  for (const line of text.split('\n').slice(1)) {
    const m = line.match(/\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+\//)
    if (m) return Number(m[3]) * 1024
  }
  return undefined
}

/**
 * `virsh hypervisor-cpu-compare --error` (libvirt tools/virsh-host.c cmdHypervisorCPUCompare):
 * identical / superset are printed on success; with --error an incompatible CPU fails with
 * "the CPU is incompatible with host CPU: …missing features…" (without it, stdout says "…is
 * incompatible with the CPU provided by hypervisor…"). Anything else is an error, e.g. on TCG
 * "QEMU '…' does not support reporting CPU model for virttype 'qemu'" or, on the test driver,
 * "this function is not supported by the connection driver: virConnectCompareHypervisorCPU".
 */
export function classifyCpuCompare(status: number | undefined, text: string): CpuCompareResult {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const detail = lines
    .filter((l) => !/^error: Failed to compare hypervisor CPU with /.test(l))
    .map((l) => l.replace(/^error: /, ''))
    .join('; ')
  if (status === 0 && /is identical to the CPU provided by hypervisor/.test(text)) return {result: 'identical'}
  if (status === 0 && /is a superset of CPU described in/.test(text)) return {result: 'superset'}
  if (/\bis incompatible with\b/.test(text)) return {result: 'incompatible', detail: detail || undefined}
  return {result: 'error', detail: detail || (status === undefined ? 'output cut short' : `virsh exited with status ${status}`)}
}

/**
 * Probe results keyed by path. `sent` are the targets given to the script, in order; `rejected`
 * are paths that were never sent (with the reason).
 */
export function parseProbeOutput(
  stdout: string,
  nonce: string,
  sent: readonly ProbeTarget[],
  cpuCount: number,
  rejected: ReadonlyMap<string, string> = new Map(),
): {paths: Map<string, PathProbe>; cpu: CpuCompareResult[]} {
  const frames = splitFrames(stdout, nonce)
  const paths = new Map<string, PathProbe>()
  for (const [p, why] of rejected) paths.set(p, {path: p, exists: false, fileType: 'other', error: why})
  sent.forEach((target, i) => {
    const p = target.path
    const f = frames.get(probeSection(P.path, i))
    if (!f) {
      paths.set(p, {path: p, exists: false, fileType: 'other', error: 'no probe result (output cut short)'})
      return
    }
    const kv = new Map(nulRecords(f.body).map((r) => [r[0], r.slice(1).join('\0')]))
    const fileType = kv.get('type') ?? 'other'
    const probe: PathProbe = {path: p, exists: fileType !== 'missing' && !kv.has('error'), fileType}
    if (kv.has('error')) probe.error = kv.get('error')
    const size = kv.get('size')
    if (size !== undefined && /^\d+$/.test(size)) probe.sizeBytes = Number(size)
    if (kv.has('kernel')) probe.kernelName = kv.get('kernel')
    if (kv.has('dmuuid')) probe.dmUuid = kv.get('dmuuid')
    if (kv.has('parent')) probe.existingParent = kv.get('parent')
    const img = frames.get(probeSection(P.image, i))
    if (img && target.format !== undefined) {
      if (img.status === 0) {
        try {
          probe.image = parseQemuImgInfo(img.body, {...target, format: target.format})
        } catch (error) {
          probe.error = `qemu-img info -f ${target.format}: ${(error as Error).message}`
        }
      } else probe.error = `qemu-img info -f ${target.format} failed: ${img.body.trim().split('\n')[0] || `status ${img.status}`}`
    }
    const dfRef = frames.get(probeSection(P.dfRef, i))?.body.trim()
    const df = frames.get(probeSection(P.df, i)) ?? (dfRef === undefined ? undefined : frames.get(probeSection(P.df, dfRef)))
    if (df?.status === 0) probe.freeBytes = parseDfAvailableBytes(df.body)
    paths.set(p, probe)
  })
  const cpu: CpuCompareResult[] = []
  for (let i = 0; i < cpuCount; i++) {
    const f = frames.get(probeSection(P.cpu, i))
    cpu.push(f ? classifyCpuCompare(f.status, f.body) : {result: 'error', detail: 'no comparison result (output cut short)'})
  }
  return {paths, cpu}
}
