// The scripts and their parsers agree on every section and marker (src/hosts/wire-format.ts): read
// from the script text, and from what the scripts really print in /bin/sh against a recorded tree
// and libvirt's test driver.
import {expect} from 'chai'
import {parseCollectOutput} from '../../src/hosts/collect-parse.js'
import {COLLECT_SCRIPT, encodeCollectInput, newNonce} from '../../src/hosts/collect-script.js'
import {PROBE_SCRIPT, encodeProbeInput} from '../../src/hosts/probe-script.js'
import {splitFrames} from '../../src/hosts/frames.js'
import {LocalTransport} from '../../src/hosts/local.js'
import {splitVirshBatch, splitVirshHost} from '../../src/hosts/parse-virsh.js'
import {
  COLLECT_SECTIONS,
  FRAME_PREFIX,
  PROBE_SECTIONS,
  VIRSH_HOST_PARTS,
  VIRSH_OBJECTS,
  VIRSH_OBJECTS_END,
  VIRSH_PART_CLOSE,
  VIRSH_PART_OPEN,
} from '../../src/hosts/wire-format.js'
import {fixtureTree} from './support.js'

const unique = (xs: string[]) => [...new Set(xs)]
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const collectSections = Object.values(COLLECT_SECTIONS) as string[]
const probeSections = Object.values(PROBE_SECTIONS) as string[]
const virshParts = Object.values(VIRSH_HOST_PARTS) as string[]
const objectKinds = [...Object.values(VIRSH_OBJECTS).map((o) => o.kind), VIRSH_OBJECTS_END.kind] as string[]

describe('wire format between the scripts and their parsers', () => {
  describe('in the script text', () => {
    it('the collect script opens exactly the known sections, in the documented order', () => {
      const emitted = [...COLLECT_SCRIPT.matchAll(/^\s*(?:section|begin|end) (\S+)/gm)].map((m) => m[1])
      expect(unique(emitted)).to.deep.equal(collectSections)
    })

    it('the virsh-host separators are exactly the known parts (capabilities comes first, unseparated)', () => {
      const re = new RegExp(`echo ${escape(VIRSH_PART_OPEN)}([^@' ]+)${escape(VIRSH_PART_CLOSE)}`, 'g')
      const emitted = [...COLLECT_SCRIPT.matchAll(re)].map((m) => m[1])
      expect([VIRSH_HOST_PARTS.capabilities, ...emitted]).to.deep.equal(virshParts)
      expect(COLLECT_SCRIPT).to.include(`'${VIRSH_HOST_PARTS.capabilities}; echo `)
    })

    it('each virsh-objects marker kind precedes the command the parser expects for it', () => {
      const pairs = [...COLLECT_SCRIPT.matchAll(/echo %s:"([a-z])":%s::\\n([a-z-]+) %s/g)].map((m) => ({kind: m[1], command: m[2]}))
      expect(pairs).to.have.deep.members(Object.values(VIRSH_OBJECTS).map((o) => ({kind: o.kind, command: o.command})))
      expect(COLLECT_SCRIPT).to.include(`echo %s:"${VIRSH_OBJECTS_END.kind}":${VIRSH_OBJECTS_END.id}::`)
    })

    it('the probe script opens exactly the known per-path and per-CPU sections', () => {
      const emitted = [...PROBE_SCRIPT.matchAll(/(?:begin|end) "([a-z]+):\$[a-z]+"/g)].map((m) => m[1])
      expect(unique(emitted)).to.have.members(probeSections)
      expect(unique(emitted)).to.have.length(probeSections.length)
    })

    it('no constant put into the scripts needs shell quoting', () => {
      const values = [
        FRAME_PREFIX,
        VIRSH_PART_OPEN,
        VIRSH_PART_CLOSE,
        ...collectSections,
        ...probeSections,
        ...virshParts,
        ...objectKinds,
        ...Object.values(VIRSH_OBJECTS).map((o) => o.command),
        VIRSH_OBJECTS_END.id,
      ]
      for (const v of values) expect(v).to.match(/^[a-z0-9@:-]+$/)
    })

    it('both scripts frame with the same prefix the parsers look for', () => {
      for (const script of [COLLECT_SCRIPT, PROBE_SCRIPT]) expect(script).to.include(`M="${FRAME_PREFIX}$NONCE"`)
    })
  })

  describe('in the parsers', () => {
    it('every section the collect parser needs is one the script emits (only the optional ones may be absent)', () => {
      const warnings = parseCollectOutput('', {host: 'h', root: '/', uri: 'test:///default', nonce: newNonce()}).warnings
      const missing = warnings.flatMap((w) => w.match(/^section '([^']+)' missing/)?.slice(1) ?? [])
      const optional: string[] = [COLLECT_SECTIONS.virshObjects, COLLECT_SECTIONS.libvirtdVersion, COLLECT_SECTIONS.qemuVersion]
      expect(missing).to.have.members(collectSections.filter((s) => !optional.includes(s)))
    })
  })

  describe('in what the scripts print', function () {
    this.timeout(30_000)

    it('collect: the frames, the virsh-host parts and the object markers are all known ones', async () => {
      const nonce = newNonce()
      const r = await new LocalTransport('h').run(['sh', '-c', COLLECT_SCRIPT], {
        stdin: encodeCollectInput({nonce, root: fixtureTree('lpar-src'), uri: 'test:///default'}),
      })
      expect(r.exitCode).to.equal(0)
      const frames = splitFrames(r.stdout, nonce)
      expect([...frames.keys()]).to.deep.equal(collectSections)
      expect([...splitVirshHost(frames.get(COLLECT_SECTIONS.virshHost)!.body).keys()]).to.deep.equal(virshParts)
      const segments = splitVirshBatch(frames.get(COLLECT_SECTIONS.virshObjects)!.body, nonce)
      expect(segments.length).to.be.greaterThan(1)
      expect(objectKinds).to.include.members(unique(segments.map((s) => s.kind)))
      expect(segments.at(-1)).to.deep.include({kind: VIRSH_OBJECTS_END.kind, id: VIRSH_OBJECTS_END.id})
    })

    it('probe: every frame is a known section of a path or CPU document sent', async () => {
      const nonce = newNonce()
      const stdin = encodeProbeInput({
        nonce,
        root: fixtureTree('lpar-src'),
        uri: 'test:///default',
        targets: [
          {path: '/etc/hostname', format: 'raw'},
          {path: '/nonexistent/disk.qcow2', format: 'qcow2'},
        ],
        cpuXmls: ['<cpu mode="host-model"/>'],
      })
      const r = await new LocalTransport('h').run(['sh', '-c', PROBE_SCRIPT], {stdin})
      expect(r.exitCode).to.equal(0)
      const names = [...splitFrames(r.stdout, nonce).keys()]
      expect(names).to.include.members(['path:0', 'path:1', 'cpu:0'])
      for (const name of names) expect(probeSections).to.include(name.replace(/:\d+$/, ''))
    })
  })
})
