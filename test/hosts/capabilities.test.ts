import {expect} from 'chai'
import {
  dacIds,
  guestDomainsOf,
  machineTypesFor,
  parseCapabilities,
  parseDomainCapabilities,
  parseNetworkXml,
  parsePoolXml,
} from '../../src/hosts/capabilities.js'
import {corpusCapabilityFiles} from './support.js'

const corpus = corpusCapabilityFiles()
const file = (name: string) => {
  const f = corpus.find((c) => c.name === name)
  if (!f) throw new Error(`corpus file ${name} missing`)
  return f.xml
}

describe('libvirt capability documents', () => {
  describe('every s390x document in the corpus (test/fixtures/corpus/capabilities)', function () {
    it('parses as host or domain capabilities and yields s390x facts', () => {
      expect(corpus.length).to.equal(5)
      for (const {name, xml} of corpus) {
        if (xml.includes('<domainCapabilities')) {
          const dc = parseDomainCapabilities(xml)
          expect(dc.arch, name).to.equal('s390x')
          expect(dc.cpuModels.length, name).to.be.greaterThan(10)
          expect(dc.hostModel?.model, name).to.match(/^gen1\da-base$/)
        } else {
          const caps = parseCapabilities(xml)
          expect(caps.arch, name).to.equal('s390x')
          expect(
            caps.guests.map((g) => g.arch),
            name,
          ).to.include('s390x')
          expect(caps.guests.find((g) => g.arch === 's390x')?.emulator, name).to.equal('/usr/bin/qemu-system-s390x')
        }
      }
    })

    it('virt-manager kvm-s390x: host UUID, topology, and machine aliases with their canonical names', () => {
      const caps = parseCapabilities(file('virt-manager-kvm-s390x.xml'))
      expect(caps.hostUuid).to.equal('b88e553c-5920-4aa8-bb09-cc0ab8e6e0c2')
      expect(caps.cpu.model).to.equal('host')
      expect(caps.pageSizesKiB).to.deep.equal([4, 1024])
      expect(caps.numaCells).to.equal(1)
      expect(machineTypesFor(caps, 's390x')).to.deep.equal(['s390', 's390-virtio', 's390-ccw', 's390-ccw-virtio'])
      expect(guestDomainsOf(caps)).to.deep.equal([
        {arch: 's390x', domainTypes: ['qemu', 'kvm'], machines: ['s390', 's390-virtio', 's390-ccw', 's390-ccw-virtio']},
      ])
      expect(dacIds(caps)).to.deep.equal({uid: 0, gid: 0})
    })

    it('KVM for IBM z: versioned kvmibm machines, per-domain emulators', () => {
      const caps = parseCapabilities(file('virt-manager-kvm-s390x-KVMIBM.xml'))
      const mt = machineTypesFor(caps, 's390x')
      expect(mt).to.include.members(['s390-ccw-kvmibm-1.1.1', 's390-ccw-virtio', 's390-ccw-kvmibm-1.1.0', 's390-ccw-virtio-2.4'])
      expect(new Set(mt).size).to.equal(mt.length)
      const g = caps.guests[0]
      expect(g.emulator).to.equal('/usr/bin/qemu-system-s390x')
      expect(g.domains.find((d) => d.type === 'kvm')?.emulator).to.equal('/usr/bin/qemu-kvm')
      expect(g.machines.find((m) => m.name === 's390-ccw-virtio')).to.deep.equal({name: 's390-ccw-virtio', canonical: 's390-ccw-kvmibm-1.1.1', maxCpus: 64})
    })

    it('qemucaps2xml minimal caps: no host UUID, no machines, qemu and kvm domains', () => {
      const caps = parseCapabilities(file('libvirt-qemucaps2xml-caps.s390x.xml'))
      expect(caps.hostUuid).to.equal(undefined)
      expect(caps.guests).to.have.length(1)
      expect(caps.guests[0].domains.map((d) => d.type)).to.deep.equal(['qemu', 'kvm'])
      expect(machineTypesFor(caps, 's390x')).to.deep.equal([])
      expect(dacIds(caps)).to.deep.equal({})
    })

    it('QEMU 11.1 domcapabilities: gen17a host model, usable models, blockers, s390-pv', () => {
      const dc = parseDomainCapabilities(file('libvirt-domaincaps-qemu_11.1.0.s390x.xml'))
      expect(dc.emulator).to.equal('/usr/bin/qemu-system-s390x')
      expect(dc.domainType).to.equal('kvm')
      expect(dc.machine).to.equal('s390-ccw-virtio-11.1')
      expect(dc.maxVcpus).to.equal(248)
      expect(dc.hostPassthrough).to.equal(true)
      expect(dc.hostModel?.model).to.equal('gen17a-base')
      expect(dc.hostModel?.fallback).to.equal('forbid')
      expect(dc.hostModel?.features.map((f) => f.name)).to.include.members(['aefsi', 'ap', 'apft'])
      const usable = dc.cpuModels.filter((m) => m.usable === 'yes').map((m) => m.name)
      expect(usable).to.include.members(['gen17a-base', 'gen17b', 'z800', 'z9EC.3-base'])
      expect(usable).to.not.include('z13')
      expect(dc.cpuModels.find((m) => m.name === 'z13')).to.deep.include({usable: 'no', vendor: 'IBM', blockers: ['csske']})
      expect(dc.features['s390-pv']).to.equal(true)
      expect(dc.features.sev).to.equal(false)
    })

    it('virt-manager domcapabilities (QEMU 6.0): gen15a host model, every custom model usable', () => {
      const dc = parseDomainCapabilities(file('virt-manager-kvm-s390x-domcaps.xml'))
      expect(dc.machine).to.equal('s390-ccw-virtio-6.0')
      expect(dc.hostModel?.model).to.equal('gen15a-base')
      expect(dc.hostModel?.features).to.have.length(46)
      expect(dc.cpuModels.every((m) => m.usable === 'yes')).to.equal(true)
      expect(dc.cpuModels.map((m) => m.name)).to.include.members(['gen15a', 'gen15b', 'z14.2', 'qemu', 'max'])
    })
  })

  it('rejects malformed and foreign documents with the command name', () => {
    expect(() => parseCapabilities('<capabilities><host>')).to.throw(/capabilities: not well-formed XML/)
    expect(() => parseDomainCapabilities('<capabilities/>')).to.throw(/expected <domainCapabilities>/)
  })

  it('pool and network documents', () => {
    const pool = parsePoolXml(`<pool type='dir'><name>images</name><uuid>0f3e…</uuid><capacity unit='bytes'>107374182400</capacity>
      <available unit='bytes'>53687091200</available><target><path>/var/lib/libvirt/images</path></target></pool>`)
    expect(pool).to.deep.equal({name: 'images', type: 'dir', targetPath: '/var/lib/libvirt/images', availableBytes: 53687091200})
    expect(parsePoolXml(`<pool type='logical'><name>vg</name><available unit='KiB'>2</available></pool>`).availableBytes).to.equal(2048)
    expect(parseNetworkXml(`<network><name>default</name><forward mode='nat'/><bridge name='virbr0' stp='on'/></network>`)).to.deep.equal({
      name: 'default',
      bridge: 'virbr0',
      forwardMode: 'nat',
    })
  })
})
