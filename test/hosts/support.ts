/** Shared helpers for the facts tests: fixture trees, test-driver nodes, a recording transport. */
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {LocalTransport} from '../../src/hosts/local.js'
import type {HostTransport, RunOptions, RunResult} from '../../src/hosts/transport.js'
import type {ResolvedHost} from '../../src/profiles/types.js'
import {corpusDir} from '../domain/paths.js'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const fixtureTree = (name: string) => path.join(repoRoot, 'test/fixtures/hosts', name)
export const labTree = (name: string) => path.join(repoRoot, 'lab/trees', name)

export function hostFor(name: string, root: string, libvirtUri = 'test:///default'): ResolvedHost {
  return {
    name,
    transport: 'local',
    address: 'localhost',
    identities: [],
    trustOnFirstUse: false,
    libvirtUri,
    migrationUri: libvirtUri,
    root,
    connectTimeoutMs: 5000,
    agent: false,
  }
}

/** The corpus's capability documents (test/fixtures/corpus/capabilities, or $ZMIGRATE_CORPUS's). */
export function corpusCapabilityFiles(): {name: string; xml: string}[] {
  const dir = path.join(corpusDir(), 'capabilities')
  return readdirSync(dir)
    .filter((n) => n.endsWith('.xml'))
    .sort()
    .map((name) => ({name, xml: readFileSync(path.join(dir, name), 'utf8')}))
}

export interface TestGuest {
  name: string
  uuid: string
  /** libvirt virDomainState: 1 running, 3 paused, 5 shut off, 6 crashed (test driver <test:runstate>). */
  runstate?: number
  transient?: boolean
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;')

export const guestUuid = (i: number) => `3c3c3c3c-0000-4000-8000-${i.toString(16).padStart(12, '0')}`

/**
 * A libvirt test-driver node (test:///<abs path>) with these guests; libvirt's test driver reads
 * run state and persistence from its own XML namespace (src/test/test_driver.c).
 */
export function testDriverNode(guests: readonly TestGuest[], dir = mkdtempSync(path.join(tmpdir(), 'zmigrate-node-'))): {uri: string; dir: string} {
  const domains = guests.map(
    (g) => `  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>${escapeXml(g.name)}</name>
    <uuid>${g.uuid}</uuid>
    <memory unit='KiB'>262144</memory>
    <vcpu>1</vcpu>
    <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
    <devices>
      <disk type='file' device='disk'><source file='/var/lib/libvirt/images/${g.uuid}.qcow2'/><target dev='vda' bus='virtio'/></disk>
    </devices>
    <test:runstate>${g.runstate ?? 1}</test:runstate>${g.transient ? '\n    <test:transient/>' : ''}
  </domain>`,
  )
  const file = path.join(dir, 'node.xml')
  writeFileSync(file, `<node>\n${domains.join('\n')}\n</node>\n`)
  return {uri: `test://${file}`, dir}
}

export const manyGuests = (n: number): TestGuest[] => Array.from({length: n}, (_, i) => ({name: `guest${String(i).padStart(3, '0')}`, uuid: guestUuid(i)}))

/** LocalTransport that remembers what it was asked to run. */
export class RecordingTransport implements HostTransport {
  readonly kind = 'local' as const
  readonly calls: {argv: readonly string[]; stdin: string}[] = []
  private readonly inner: LocalTransport

  constructor(readonly hostName: string) {
    this.inner = new LocalTransport(hostName)
  }

  get roundTrips(): number {
    return this.inner.roundTrips
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({argv, stdin: String(opts.stdin ?? '')})
    return this.inner.run(argv, opts)
  }

  async close(): Promise<void> {}
}
