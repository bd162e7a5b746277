import {expect} from 'chai'
import {InputError} from '../../src/errors.js'
import {findChild, findChildren, findPath, getAttr, parseXmlFragment, serializeXml, updatePath, withAttrs, type XmlNode} from '../../src/domain/xml-fragment.js'
import {readFixture} from './paths.js'

const VFIO_CCW = `<hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
  <source>
    <address uuid='90c6c135-ad44-41d0-b1b7-bae47de48627'/>
  </source>
  <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x00a1'/>
</hostdev>`

function thrown(fn: () => unknown): InputError {
  try {
    fn()
  } catch (err) {
    expect(err).to.be.instanceOf(InputError)
    return err as InputError
  }
  expect.fail('expected an InputError')
}

describe('domain/xml-fragment', () => {
  describe('parseXmlFragment', () => {
    it('keeps element order, attributes and text', () => {
      const node = parseXmlFragment(`<rng model='virtio'><backend model='random'>/dev/hwrng</backend><address type='ccw'/></rng>`)
      expect(node).to.deep.equal({
        name: 'rng',
        attrs: {model: 'virtio'},
        children: [
          {name: 'backend', attrs: {model: 'random'}, children: [], text: '/dev/hwrng'},
          {name: 'address', attrs: {type: 'ccw'}, children: []},
        ],
      })
    })

    it('keeps document order across element names (disk, controller, disk)', () => {
      const node = parseXmlFragment('<devices><disk/><controller/><disk/><interface/></devices>')
      expect(node.children.map((c) => c.name)).to.deep.equal(['disk', 'controller', 'disk', 'interface'])
    })

    it('decodes entities and CDATA, drops whitespace-only text and comments', () => {
      const node = parseXmlFragment(`<os>\n  <!-- boot from DASD -->\n  <cmdline>a=&quot;x&quot; &amp; b<![CDATA[<c>]]></cmdline>\n</os>`)
      expect(node.text).to.equal(undefined)
      expect(node.children).to.have.length(1)
      expect(node.children[0]!.text).to.equal('a="x" & b<c>')
    })

    it('treats an element called `_` or `__proto__` as an ordinary element', () => {
      const node = parseXmlFragment(`<a><_>x</_><__proto__ k='v'/></a>`)
      expect(node.children.map((c) => c.name)).to.deep.equal(['_', '__proto__'])
      expect(node.children[0]!.text).to.equal('x')
    })
  })

  describe('errors carry a one-line message and a 1-based location', () => {
    it('a <disk> left open in a domain file: line and column of the unexpected close tag', () => {
      const {file, xml} = readFixture('broken-disk-not-closed.xml')
      const err = thrown(() => parseXmlFragment(xml, file))
      expect(err.location).to.deep.equal({file, line: 12, col: 12}) // `  </devices>` — sax notices at its '>'
      expect(err.message).to.match(/broken-disk-not-closed\.xml:12:12: malformed XML: Unexpected close tag/)
      expect(err.message).not.to.include('\n')
      expect(err.remedy).to.be.a('string')
    })

    const cases: [what: string, xml: string, line: number, col: number, message: RegExp][] = [
      ['unquoted attribute', `<domain>\n  <vcpu placement=static>2</vcpu>\n</domain>`, 2, 19, /Unquoted attribute value/],
      ['undefined entity', `<domain>\n<name>a&zvm;b</name></domain>`, 2, 12, /Invalid character entity/],
      ['truncated document', `<domain>\n  <name>x</name>\n  <dev`, 3, 6, /Unexpected end|Unclosed root tag/],
      ['text before the root', `virsh: error\n<domain/>`, 1, 1, /Non-whitespace before first tag/],
      ['a second root element', `<domain/>\n<domain/>`, 2, 9, /more than one root element/],
    ]
    for (const [what, xml, line, col, message] of cases) {
      it(what, () => {
        const err = thrown(() => parseXmlFragment(xml, 'zhost-a:linux01'))
        expect(err.location).to.deep.equal({file: 'zhost-a:linux01', line, col})
        expect(err.message).to.match(message)
        expect(err.message).not.to.include('\n')
      })
    }

    it('an empty document', () => {
      const err = thrown(() => parseXmlFragment('  \n', 'empty.xml'))
      expect(err.message).to.match(/^empty\.xml: no XML element found/)
    })

    it('absurd nesting is refused instead of overflowing the stack', () => {
      const deep = '<a>'.repeat(5000) + '</a>'.repeat(5000)
      expect(thrown(() => parseXmlFragment(deep, 'deep.xml')).message).to.match(/nested deeper/)
    })
  })

  describe('serializeXml', () => {
    it('writes virsh-style XML: single quotes, two-space indent, text inline', () => {
      expect(serializeXml(parseXmlFragment(VFIO_CCW))).to.equal(VFIO_CCW)
    })

    it('escapes & < > " \' in attributes and text, and newlines in attributes', () => {
      const node: XmlNode = {name: 'cmdline', attrs: {note: `a&b<c>"d"'e'\nf`}, children: [], text: `x<y & "z" 'w'>`}
      const xml = serializeXml(node)
      expect(xml).to.equal(`<cmdline note='a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;&#10;f'>x&lt;y &amp; &quot;z&quot; &apos;w&apos;&gt;</cmdline>`)
      expect(parseXmlFragment(xml)).to.deep.equal(node)
    })

    it('indent 0 gives one line; a custom indent string is used per level', () => {
      const node = parseXmlFragment(VFIO_CCW)
      expect(serializeXml(node, {indent: 0})).not.to.include('\n')
      expect(serializeXml(node, {indent: '\t'})).to.include('\n\t<source>\n\t\t<address ')
    })

    it('mixed content is written without added whitespace so it round-trips', () => {
      const node = parseXmlFragment('<a>x<b/>y</a>')
      expect(parseXmlFragment(serializeXml(node))).to.deep.equal(node)
    })
  })

  describe('lookups', () => {
    const hostdev = parseXmlFragment(VFIO_CCW)
    it('getAttr / findChild / findChildren / findPath', () => {
      expect(getAttr(hostdev, 'model')).to.equal('vfio-ccw')
      expect(getAttr(hostdev, 'constructor')).to.equal(undefined)
      expect(getAttr(undefined, 'model')).to.equal(undefined)
      expect(getAttr(findChild(hostdev, 'address'), 'devno')).to.equal('0x00a1')
      expect(findChildren(hostdev, 'address')).to.have.length(1)
      expect(getAttr(findPath(hostdev, 'source/address'), 'uuid')).to.equal('90c6c135-ad44-41d0-b1b7-bae47de48627')
      expect(findPath(hostdev, 'source/adapter')).to.equal(undefined)
    })
  })

  describe('rewriting a device for the destination host', () => {
    it('changes the mdev UUID and keeps the guest devno, without touching the original', () => {
      const hostdev = parseXmlFragment(VFIO_CCW)
      const moved = updatePath(hostdev, 'source/address', (a) => withAttrs(a, {uuid: '18e124fb-b2fc-47f6-a407-f256b6c49767'}))
      expect(serializeXml(moved)).to.equal(VFIO_CCW.replace('90c6c135-ad44-41d0-b1b7-bae47de48627', '18e124fb-b2fc-47f6-a407-f256b6c49767'))
      expect(getAttr(findPath(hostdev, 'source/address'), 'uuid')).to.equal('90c6c135-ad44-41d0-b1b7-bae47de48627')
    })

    it('changes a PCI source address and a SCSI adapter name', () => {
      const pci = parseXmlFragment(
        `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0002' bus='0x00' slot='0x00' function='0x0'/></source><address type='pci'><zpci uid='0x0001' fid='0x00000000'/></address></hostdev>`,
      )
      const movedPci = updatePath(pci, 'source/address', (a) => withAttrs(a, {domain: '0x0007'}))
      expect(serializeXml(movedPci, {indent: 0})).to.include(`<source><address domain='0x0007' bus='0x00'`)
      expect(serializeXml(movedPci, {indent: 0})).to.include(`<zpci uid='0x0001' fid='0x00000000'/>`)

      const scsi = parseXmlFragment(
        `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source></hostdev>`,
      )
      const movedScsi = updatePath(scsi, 'source/adapter', (a) => withAttrs(a, {name: 'scsi_host2'}))
      expect(serializeXml(movedScsi, {indent: 0})).to.equal(
        `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host2'/><address bus='0' target='0' unit='0'/></source></hostdev>`,
      )
    })

    it('sets a disk source file, creating <source> when the disk has none, and removes attributes', () => {
      const cdrom = parseXmlFragment(`<disk type='file' device='cdrom'><target dev='sda' bus='scsi'/><readonly/></disk>`)
      const loaded = updatePath(cdrom, 'source', (s) => withAttrs(s, {file: '/isos/a.iso'}))
      expect(serializeXml(loaded, {indent: 0})).to.equal(
        `<disk type='file' device='cdrom'><target dev='sda' bus='scsi'/><readonly/><source file='/isos/a.iso'/></disk>`,
      )
      expect(withAttrs(cdrom, {device: undefined}).attrs).to.deep.equal({type: 'file'})
    })
  })
})
