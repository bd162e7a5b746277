/**
 * Odd input must end in a parsed model or an InputError, never a TypeError or RangeError:
 * every corpus document truncated at many offsets and
 * with attribute values, text and element names replaced by garbage. Deterministic (seeded).
 */
import {expect} from 'chai'
import {parseDomainXml} from '../../src/domain/parse.js'
import {parseXmlFragment} from '../../src/domain/xml-fragment.js'
import {InputError} from '../../src/errors.js'
import {prng} from '../support/prng.js'
import {corpusDomainFiles} from './paths.js'

const rng = prng

const GARBAGE = [
  '',
  ' ',
  '0x',
  '0xZZ',
  '-1',
  '08',
  '0x10000',
  '99999999999999999999999999',
  '1.5',
  'GiG',
  'KiB',
  'bytes',
  'yes',
  'no',
  'pci',
  'ccw',
  'drive',
  'mdev',
  'hostdev',
  'cdrom',
  'nvme',
  'virtiofs',
  'mount',
  'scsi',
  'scsi_host',
  '&amp;',
  '&lt;x&gt;',
  '__proto__',
  'constructor',
  'toString',
  '\u00e9\u4e2d',
  '\t',
  "'",
  '"',
  '<',
  '&',
  '&nope;',
  ']]>',
]
const NAMES = [
  'disk',
  'hostdev',
  'interface',
  'filesystem',
  'controller',
  'memory',
  'cpu',
  'address',
  'source',
  'zpci',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '_',
  'x:y',
  'name',
  'domain',
]

function check(xml: string, origin: string): void {
  try {
    const model = parseDomainXml(xml, origin)
    // A model that parsed must be usable: every device fragment parses again.
    for (const d of [...model.disks, ...model.hostdevs, ...model.interfaces, ...model.filesystems, ...model.controllers]) parseXmlFragment(d.xml)
    expect(model.devices.every((d) => typeof d.label === 'string')).to.equal(true)
  } catch (err) {
    if (!(err instanceof InputError)) {
      throw new Error(`${origin}: ${(err as Error)?.name} instead of InputError: ${(err as Error)?.message}\n--- input ---\n${xml}`, {cause: err})
    }
    expect(err.message, origin).not.to.include('\n')
    expect(err.location?.file, origin).to.equal(origin)
  }
}

function mutate(xml: string, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const p = random()
  if (p < 0.4) return xml.replace(/='([^']*)'/g, (m) => (random() < 0.3 ? `='${pick(GARBAGE)}'` : m))
  if (p < 0.6) return xml.replace(/>([^<]+)</g, (m) => (random() < 0.4 ? `>${pick(GARBAGE)}<` : m))
  if (p < 0.8) return xml.replace(/<(\/?)([A-Za-z_][\w:-]*)/g, (m, slash: string) => (random() < 0.1 ? `<${slash}${pick(NAMES)}` : m))
  // Drop random attributes and self-closed children.
  return xml.replace(/ [\w:-]+='[^']*'|<[A-Za-z_][\w:-]*[^<>]*\/>/g, (m) => (random() < 0.2 ? '' : m))
}

describe('domain parser under odd input (fuzz)', () => {
  const inputs = corpusDomainFiles()

  it(`truncated at many offsets (${inputs.length} documents)`, () => {
    for (const {name, xml} of inputs) {
      const step = Math.max(1, Math.floor(xml.length / 60))
      for (let cut = 0; cut < xml.length; cut += step) check(xml.slice(0, cut), `${name}@${cut}`)
    }
  })

  it('attribute values, text and element names replaced by garbage', () => {
    const random = rng(0x5390)
    for (const {name, xml} of inputs) {
      for (let round = 0; round < 40; round++) check(mutate(xml, random), `${name}#${round}`)
    }
  })

  it('names that collide with xml2js or Object internals', () => {
    for (const n of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '_', '$', 'valueOf']) {
      check(
        `<domain><name>a</name><memory>1</memory><devices><${n} ${n.replace(/\$/, 'x')}='1'><source ${n.replace(/\$/, 'x')}='2'/></${n}><disk ${n.replace(/\$/, 'x')}='3'/></devices></domain>`,
        `name ${n}`,
      )
    }
    check(`<__proto__><name>a</name></__proto__>`, 'root __proto__')
    check(
      `<domain><name>a</name><memory>1</memory><devices><disk type='__proto__' device='constructor'><source file='toString'/><target dev='hasOwnProperty'/></disk></devices></domain>`,
      'values',
    )
  })
})
