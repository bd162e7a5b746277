/**
 * Turns the collect script's framed output (collect-script.ts) into HostFacts. Pure: no I/O.
 * This entry splits the frames and assembles HostFacts; each section has its own small parser,
 * exported for tests: parse-sysfs-storage.ts and parse-sysfs-adapters.ts (the Z devices in
 * sysfs), parse-files.ts (/proc and single /sys files), parse-virsh.ts (libvirt). Sources for the
 * formats are in /work/shared/reference/z-domain.md; section names are those of wire-format.ts.
 */
import type {HostFacts} from './facts-types.js'
import {nulRecords, splitFrames, type Frame} from './frames.js'
import {countCpuList, filesView, parseHugepages, parseMeminfo, parseMounts, parseNuma} from './parse-files.js'
import {parseMdevs, parseNetInterfaces, parsePci, parseQeth} from './parse-sysfs-adapters.js'
import {parseDasd, parseDeviceLinks, parseMultipath, parseScsi, parseZfcpHosts} from './parse-sysfs-storage.js'
import {applyLibvirt, parseDaemonBinaryVersion, parseQemuVersion} from './parse-virsh.js'
import {COLLECT_SECTIONS as S} from './wire-format.js'

export interface CollectContext {
  host: string
  root: string
  uri: string
  nonce: string
}

export function parseCollectOutput(stdout: string, ctx: CollectContext): HostFacts {
  const frames = splitFrames(stdout, ctx.nonce)
  const warnings: string[] = []
  const frame = (name: string): Frame | undefined => {
    const f = frames.get(name)
    if (!f) warnings.push(`section '${name}' missing from the collect output (cut short?)`)
    else if (f.status === undefined) warnings.push(`section '${name}' was cut short`)
    return f
  }
  const body = (name: string) => frame(name)?.body ?? ''

  const meta = nulRecords(body(S.meta))
  if (meta.some((r) => r[0] === 'sys' && r[1] === 'missing')) warnings.push(`no sys directory under root ${ctx.root}: the profile's root: is probably wrong`)

  const files = filesView(body(S.files))
  const meminfo = parseMeminfo(files.get('proc/meminfo') ?? [])
  const mountLines = files.get('proc/mounts') ?? files.get('proc/self/mounts') ?? []
  const userfaultfd = files.get('proc/sys/vm/unprivileged_userfaultfd')?.[0]?.trim()
  const selinuxEnforce = files.get('sys/fs/selinux/enforce')?.[0]?.trim()
  // selinuxfs booleans read "<current> <pending>"; the current value is what QEMU gets now
  const virtUseNfs = files.get('sys/fs/selinux/booleans/virt_use_nfs')?.[0]?.trim().split(/\s+/)[0]

  const facts: HostFacts = {
    host: ctx.host,
    root: ctx.root,
    hostname: files.get('proc/sys/kernel/hostname')?.[0]?.trim() || undefined,
    kernelRelease: files.get('proc/sys/kernel/osrelease')?.[0]?.trim() || undefined,
    libvirt: {reachable: false, uri: ctx.uri},
    qemu: {},
    machineTypes: [],
    guestDomains: [],
    usableCpuModels: [],
    memory: {totalKiB: meminfo.MemTotal, freeKiB: meminfo.MemFree, availableKiB: meminfo.MemAvailable},
    cpus: {online: countCpuList(files.get('sys/devices/system/cpu/online')?.[0] ?? '') || undefined},
    numa: parseNuma(files),
    hugepages: parseHugepages(files),
    dasd: parseDasd(body(S.dasd)),
    deviceLinks: parseDeviceLinks(body(S.links)),
    multipath: parseMultipath(body(S.dm)),
    scsi: parseScsi(body(S.scsi)),
    zfcpHosts: parseZfcpHosts(body(S.zfcp)),
    qeth: parseQeth(body(S.qeth)),
    mdevs: parseMdevs(body(S.mdev), body(S.ap)),
    pci: parsePci(body(S.pci)),
    netInterfaces: parseNetInterfaces(body(S.net)),
    libvirtNetworks: [],
    storagePools: [],
    mounts: parseMounts(mountLines),
    selinux: {
      enabled: selinuxEnforce !== undefined,
      enforcing: selinuxEnforce === undefined ? undefined : selinuxEnforce === '1',
      virtUseNfs: virtUseNfs === undefined ? undefined : virtUseNfs === '1',
    },
    sysctl: {unprivilegedUserfaultfd: userfaultfd !== undefined && /^\d+$/.test(userfaultfd) ? Number(userfaultfd) : undefined},
    guests: [],
    warnings,
  }

  const qemuconf = nulRecords(body(S.qemuconf))
  const qv = (k: string) => qemuconf.find((r) => r[0] === k)?.[1]
  const user = qv('user')
  const group = qv('group')
  if (user || group) {
    const pw = qv('passwd')?.split(':')
    const gr = qv('grent')?.split(':')
    facts.qemuIds = {
      user,
      group,
      uid: pw && /^\d+$/.test(pw[2] ?? '') ? Number(pw[2]) : user?.startsWith('+') ? Number(user.slice(1)) : undefined,
      gid: gr && /^\d+$/.test(gr[2] ?? '') ? Number(gr[2]) : group?.startsWith('+') ? Number(group.slice(1)) : undefined,
    }
  }

  applyLibvirt(facts, frame(S.virshHost), frames.get(S.virshObjects), ctx, warnings)

  const daemonBinary = parseDaemonBinaryVersion(frames.get(S.libvirtdVersion)?.body ?? '')
  if (facts.libvirt.reachable && !facts.libvirt.version && daemonBinary) facts.libvirt.version = daemonBinary
  const qemuVersion = parseQemuVersion(frames.get(S.qemuVersion)?.body ?? '')
  facts.qemu.version = qemuVersion ?? facts.libvirt.hypervisorVersion?.match(/^QEMU (\S+)/)?.[1]

  if (facts.memory.totalKiB === undefined && facts.libvirt.reachable) warnings.push('no /proc/meminfo under root; memory taken from virsh nodeinfo')
  return facts
}
