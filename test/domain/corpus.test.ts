/**
 * Every s390x domain in the libvirt corpus (test/fixtures/corpus) (negative cases included) must parse, with
 * every `<devices>` child classified as a known kind and every device fragment round-tripping.
 */
import {expect} from 'chai'
import {parseDomainXml} from '../../src/domain/parse.js'
import {parseXmlFragment, serializeXml, findChild} from '../../src/domain/xml-fragment.js'
import {corpusDomainFiles, corpusDomainsDir} from './paths.js'

/** `<devices>` child element names found by a plain tag scan, independent of xml2js. */
function rawDeviceElements(xml: string): string[] {
  const body = xml.replace(/<!--[\s\S]*?-->/g, '').match(/<devices\b[^>]*>([\s\S]*?)<\/devices>/)?.[1] ?? ''
  const names: string[] = []
  let depth = 0
  for (const [, close, name, selfClose] of body.matchAll(/<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>/g)) {
    if (close) depth--
    else {
      if (depth === 0) names.push(name!)
      if (!selfClose) depth++
    }
  }
  return names
}

describe('domain corpus (libvirt s390x test documents)', function () {
  const files = corpusDomainFiles()

  it(`reads ${files.length} documents from ${corpusDomainsDir()}`, () => {
    expect(files.length).to.be.greaterThan(0)
  })

  for (const {name, file, xml} of files) {
    describe(name, () => {
      const model = parseDomainXml(xml, file)
      const raw = rawDeviceElements(xml)

      it('classifies every <devices> child, in document order, with a known kind', () => {
        expect(model.devices.map((d) => d.element)).to.deep.equal(raw)
        expect(model.devices.map((d) => d.index)).to.deep.equal(raw.map((_, i) => i))
        expect(model.devices.filter((d) => d.kind === 'unknown').map((d) => d.element)).to.deep.equal([])
        for (const d of model.devices) expect(d.label, `label of #${d.index}`).to.match(/^\S/)
      })

      it('lists as many typed devices as the raw document has', () => {
        const count = (el: string): number => raw.filter((n) => n === el).length
        expect(model.disks).to.have.length(count('disk'))
        expect(model.interfaces).to.have.length(count('interface'))
        expect(model.hostdevs).to.have.length(count('hostdev') + model.interfaces.filter((i) => i.type === 'hostdev').length)
        expect(model.filesystems).to.have.length(count('filesystem'))
        expect(model.controllers).to.have.length(count('controller'))
      })

      it('device fragments round-trip: parse(serialize(parse(x))) equals parse(x)', () => {
        const devices = findChild(parseXmlFragment(xml, file), 'devices')?.children ?? []
        for (const node of devices) {
          expect(parseXmlFragment(serializeXml(node)), `${node.name} as XML`).to.deep.equal(node)
          expect(parseXmlFragment(serializeXml(node, {indent: 0})), `${node.name} on one line`).to.deep.equal(node)
        }
        const typed = [...model.disks, ...model.hostdevs, ...model.interfaces, ...model.filesystems, ...model.controllers]
        for (const d of typed) expect(parseXmlFragment(d.xml), `${d.kind} #${d.index}`).to.deep.equal(devices[d.index])
        if (model.cpu) expect(parseXmlFragment(model.cpu.xml)).to.deep.equal(findChild(parseXmlFragment(xml), 'cpu'))
      })
    })
  }
})
