import type {DomainModel} from '../../domain/types.js'
import type {HostFacts, HugepagePool} from '../../hosts/facts-types.js'
import {formatKiB} from '../../units.js'
import {hostSubject, isOfflineMigration, parseNodeset} from '../host-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/** s390x's default huge page size (EDAT-1 large pages); 2 GiB pages exist on machines with EDAT-2. */
const S390X_DEFAULT_HUGEPAGE_KIB = 1024

/**
 * A guest with `<memoryBacking><hugepages>` gets all of its memory from the destination's huge
 * page pool of that size; the destination QEMU cannot allocate its RAM and the migration fails
 * when the pool has too few free pages (libvirt formatdomain "Memory Backing"; there is no
 * fallback to normal pages). The pool is reserved up front (vm.nr_hugepages), and MemAvailable
 * does not count it, which is why dest-memory leaves these guests to this rule.
 *
 * Needed pages = the guest's memory / page size, per page size; a `<page nodeset=…>` (guest NUMA
 * cells) takes the memory of those cells, a page size without nodeset the rest. When
 * `<numatune><memory nodeset=…>` binds the guest to host nodes, only those nodes' free pages
 * count. `<hugepages/>` without `<page>` means the host's default size: the destination's only
 * pool size when it has one, else s390x's 1 MiB.
 *
 * Offline migration: the pages are needed only when the guest is next started there, so a pool
 * too small in total is a warning and too few free pages right now is info.
 */
export const hugepagesUnavailable: Rule = {
  id: 'hugepages-unavailable',
  category: 'host',
  severity: 'blocker',
  summary: "The destination's huge page pool has too few free pages for the guest's hugepage-backed memory.",
  remedy:
    'Enlarge the pool on the destination (echo <pages> > /sys/kernel/mm/hugepages/hugepages-<size>kB/nr_hugepages, per node under /sys/devices/system/node/node<N>/hugepages/; persist with vm.nr_hugepages or hugepages= on the kernel command line; KVM on s390x also needs the kvm module parameter hpage=1), or free pages by stopping other hugepage-backed guests there.',
  source: 'libvirt formatdomain "Memory Backing" (hugepages, page size and nodeset); Linux Documentation/admin-guide/mm/hugetlbpage.rst',
  check(ctx) {
    const {guest, destination} = ctx
    const backing = guest.domain.memoryBacking
    if (!backing || (!backing.hugepagesDefault && backing.hugepages.length === 0)) return []
    const defaultSize = defaultPageSize(destination)
    const needs = neededBySize(guest.domain, backing.hugepagesDefault ? [{}] : backing.hugepages, defaultSize)
    const hostNodes = guest.domain.numatune?.nodeset ? parseNodeset(guest.domain.numatune.nodeset) : undefined
    const offline = isOfflineMigration(ctx)
    const findings: FindingDraft[] = []
    for (const [sizeKiB, memKiB] of needs) {
      const needed = Math.ceil(memKiB / sizeKiB)
      const pool = availablePages(destination, sizeKiB, hostNodes)
      if (pool.free >= needed) continue
      const size = formatKiB(sizeKiB)
      const have = `${destination.host} has ${pool.free} free of ${pool.total}${pool.where}`
      const base = `guest ${guest.name} needs ${needed} free ${size} huge pages for ${formatKiB(memKiB)}; ${have}`
      const data = {pageSizeKiB: sizeKiB, neededPages: needed, freePages: pool.free, totalPages: pool.total, nodes: pool.nodes}
      if (!offline) {
        findings.push({subject: hostSubject(destination), message: base, data})
      } else if (pool.total < needed) {
        findings.push({
          subject: hostSubject(destination),
          message: `${base}; the pool is too small for the guest to start there after the offline migration`,
          severity: 'warning',
          data,
        })
      } else {
        findings.push({
          subject: hostSubject(destination),
          message: `${base}; offline migration: the pages are needed when the guest is started there`,
          severity: 'info',
          data,
        })
      }
    }
    return findings
  },
}

function defaultPageSize(facts: HostFacts): number {
  const sizes = new Set(facts.hugepages.map((p) => p.sizeKiB))
  return sizes.size === 1 ? [...sizes][0] : S390X_DEFAULT_HUGEPAGE_KIB
}

/** Page size (KiB) → guest memory (KiB) backed by pages of that size. */
function neededBySize(domain: DomainModel, pages: {sizeKiB?: number; nodeset?: string}[], defaultSize: number): Map<number, number> {
  const cells = domain.cpu?.numaCells ?? []
  const total = domain.memoryKiB
  const needs = new Map<number, number>()
  const add = (size: number, kib: number) => needs.set(size, (needs.get(size) ?? 0) + kib)
  let assigned = 0
  let rest: number | undefined
  for (const page of pages) {
    const size = page.sizeKiB ?? defaultSize
    const cellIds = page.nodeset === undefined ? undefined : parseNodeset(page.nodeset)
    const cellMem = cellIds && cells.filter((c) => cellIds.includes(Number(c.id)) && c.memoryKiB !== undefined).reduce((sum, c) => sum + c.memoryKiB!, 0)
    if (cellMem) {
      add(size, cellMem)
      assigned += cellMem
    } else if (page.nodeset === undefined || cells.length === 0) {
      rest ??= size
    }
  }
  if (rest !== undefined && total - assigned > 0) add(rest, total - assigned)
  return needs
}

interface PoolView {
  free: number
  total: number
  /** ' on node 0 (100 free), node 1 (20 free)' or ''. */
  where: string
  nodes?: number[]
}

function availablePages(facts: HostFacts, sizeKiB: number, hostNodes: number[] | undefined): PoolView {
  const bySize = (pools: HugepagePool[]) => pools.find((p) => p.sizeKiB === sizeKiB)
  const numaPools = facts.numa.filter((n) => n.hugepages.length > 0)
  if (hostNodes && numaPools.length > 0) {
    const nodes = facts.numa.filter((n) => hostNodes.includes(n.id))
    const per = nodes.map((n) => ({id: n.id, pool: bySize(n.hugepages)}))
    return {
      free: per.reduce((s, n) => s + (n.pool?.free ?? 0), 0),
      total: per.reduce((s, n) => s + (n.pool?.total ?? 0), 0),
      where: ` on NUMA node${per.length === 1 ? '' : 's'} ${per.map((n) => `${n.id} (${n.pool?.free ?? 0} free)`).join(', ') || hostNodes.join(', ')}`,
      nodes: hostNodes,
    }
  }
  const pool = bySize(facts.hugepages)
  return {free: pool?.free ?? 0, total: pool?.total ?? 0, where: pool ? '' : ` (no ${formatKiB(sizeKiB)} pool)`}
}
