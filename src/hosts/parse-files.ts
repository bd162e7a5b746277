/**
 * Parsers of the collect script's files section: single kernel files under /proc and /sys of the
 * host's root (memory, online CPUs, NUMA nodes, hugepage pools, mounts). Pure: no I/O.
 */
import type {HugepagePool, MountEntry, NumaNode} from './facts-types.js'
import {nulRecords} from './frames.js'

/** /proc/mounts fields are space separated with octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function parseMounts(lines: readonly string[]): MountEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return lines.flatMap((line) => {
    const f = line.split(' ')
    return f.length >= 3 ? [{source: unescape(f[0]), target: unescape(f[1]), fstype: f[2]}] : []
  })
}

/** `Key:   123 kB` lines (/proc/meminfo; node meminfo after stripping 'Node N ') → {Key: KiB}. */
export function parseMeminfo(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of lines) {
    const m = line.replace(/^Node \d+ /, '').match(/^([A-Za-z_()0-9]+):\s+(\d+)/)
    if (m) out[m[1]] = Number(m[2])
  }
  return out
}

/** Kernel cpulist ('0-3,8,10-11') → number of CPUs. */
export function countCpuList(list: string): number | undefined {
  const t = list.trim()
  if (t === '') return 0
  let n = 0
  for (const part of t.split(',')) {
    const m = part.match(/^(\d+)(?:-(\d+))?$/)
    if (!m) return undefined
    n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1
  }
  return n
}

/** The files section's `path NUL line` records, by path (relative to the root). */
export interface FilesView {
  get(rel: string): string[] | undefined
  matching(re: RegExp): Array<[RegExpMatchArray, string[]]>
}

export function filesView(body: string): FilesView {
  const files = new Map<string, string[]>()
  for (const r of nulRecords(body)) if (r.length === 2) files.set(r[0], [...(files.get(r[0]) ?? []), r[1]])
  return {
    get: (rel) => files.get(rel),
    matching: (re) =>
      [...files].flatMap(([k, v]) => {
        const m = k.match(re)
        return m ? [[m, v] as [RegExpMatchArray, string[]]] : []
      }),
  }
}

export function parseHugepages(files: FilesView): HugepagePool[] {
  const pools = new Map<number, HugepagePool>()
  for (const [m, v] of files.matching(/^sys\/kernel\/mm\/hugepages\/hugepages-(\d+)kB\/(nr|free)_hugepages$/)) {
    const size = Number(m[1])
    const p = pools.get(size) ?? {sizeKiB: size, total: 0, free: 0}
    p[m[2] === 'nr' ? 'total' : 'free'] = Number(v[0])
    pools.set(size, p)
  }
  return [...pools.values()].sort((a, b) => a.sizeKiB - b.sizeKiB)
}

export function parseNuma(files: FilesView): NumaNode[] {
  const nodes = new Map<number, NumaNode>()
  const node = (id: number) => nodes.get(id) ?? (nodes.set(id, {id, hugepages: []}).get(id) as NumaNode)
  for (const [m, v] of files.matching(/^sys\/devices\/system\/node\/node(\d+)\/meminfo$/)) {
    const mi = parseMeminfo(v)
    const n = node(Number(m[1]))
    n.memTotalKiB = mi.MemTotal
    n.memFreeKiB = mi.MemFree
  }
  for (const [m, v] of files.matching(/^sys\/devices\/system\/node\/node(\d+)\/cpulist$/)) node(Number(m[1])).cpus = v[0]?.trim()
  for (const [m, v] of files.matching(/^sys\/devices\/system\/node\/node(\d+)\/hugepages\/hugepages-(\d+)kB\/(nr|free)_hugepages$/)) {
    const n = node(Number(m[1]))
    const size = Number(m[2])
    let p = n.hugepages.find((h) => h.sizeKiB === size)
    if (!p) n.hugepages.push((p = {sizeKiB: size, total: 0, free: 0}))
    p[m[3] === 'nr' ? 'total' : 'free'] = Number(v[0])
  }
  for (const n of nodes.values()) n.hugepages.sort((a, b) => a.sizeKiB - b.sizeKiB)
  return [...nodes.values()].sort((a, b) => a.id - b.id)
}
