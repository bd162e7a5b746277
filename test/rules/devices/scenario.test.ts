/**
 * The device and network rules over facts gathered from the recorded LPAR trees
 * (test/fixtures/hosts/lpar-src → lpar-dst, see their README.md), for a guest that uses every
 * pass-through class those hosts offer.
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'
import type {HostFacts} from '../../../src/hosts/facts-types.js'
import {gatherFacts} from '../../../src/hosts/facts.js'
import {LocalTransport} from '../../../src/hosts/local.js'
import {deviceRules} from '../../../src/rules/devices/index.js'
import {networkRules} from '../../../src/rules/network/index.js'
import type {Finding} from '../../../src/rules/types.js'
import type {ResolvedProfile} from '../../../src/profiles/types.js'
import {guest} from '../../support/domain-xml.js'
import {evaluate, makeContext, testHost} from '../../support/rule-harness.js'
import {CCW_UUID, AP_UUID, bridgeXml, macvtapXml, pciHostdevXml, vfioApXml, vfioCcwXml} from './z-devices.js'

const trees = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hosts')
const DST_CCW_UUID = '18e124fb-b2fc-47f6-a407-f256b6c49767'

async function factsOf(tree: string, name: string): Promise<HostFacts> {
  const host = testHost(name, {transport: 'local', address: 'localhost', root: path.join(trees, tree), libvirtUri: 'test:///default'})
  return gatherFacts(new LocalTransport(name), host)
}

/** linux07 on zlpar1: pass-through DASD, crypto, NVMe, RoCE, SCSI tape, MacVTap on enc1a00, bridge br0. */
const domain = guest(
  [
    vfioCcwXml(CCW_UUID, '0x00a1'),
    vfioApXml(AP_UUID),
    pciHostdevXml('0x0007', '0x0', '0x0007', '0x00000300'),
    `<interface type='hostdev' managed='yes'>
      <mac address='52:54:00:6a:0e:09'/>
      <source><address type='pci' domain='0x10b0' bus='0x00' slot='0x00' function='0x0'/></source>
      <address type='pci'><zpci uid='0x10b0' fid='0x00000431'/></address>
    </interface>`,
    `<controller type='scsi' model='virtio-scsi' index='0'/>
    <hostdev mode='subsystem' type='scsi'>
      <source><adapter name='scsi_host0'/><address bus='0' target='1' unit='0'/></source>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </hostdev>`,
    macvtapXml('enc1a00'),
    bridgeXml('br0'),
  ].join('\n    '),
  {name: 'linux07'},
)

describe('device and network rules on the recorded LPARs (lpar-src → lpar-dst)', function () {
  this.timeout(60_000)
  let src: HostFacts
  let dst: HostFacts
  before(async () => {
    ;[src, dst] = await Promise.all([factsOf('lpar-src', 'src'), factsOf('lpar-dst', 'dst')])
  })
  const run = (source: HostFacts, destination: HostFacts, profile: Partial<ResolvedProfile> = {}): Finding[] =>
    evaluate([...deviceRules, ...networkRules], makeContext({domain, source, destination, profile}))
  const byRule = (findings: Finding[], rule: string): Finding[] => findings.filter((f) => f.rule === rule)

  it('vfio-ccw: the destination chose its own UUID for the same DASD, so it blocks until the profile maps it', () => {
    const [blocked] = byRule(run(src, dst), 'vfio-ccw-device')
    expect(blocked.severity).to.equal('blocker')
    expect(blocked.message).to.include(`dst has no mediated device ${CCW_UUID}`).and.include(`${DST_CCW_UUID} (0.0.2b09)`)
    const [mapped] = byRule(run(src, dst, {mappings: [{kind: 'mdev', from: CCW_UUID, to: DST_CCW_UUID, 'to-host': 'dst'}]}), 'vfio-ccw-device')
    expect(mapped.severity).to.equal('action')
    expect(mapped.data).to.deep.include({sourceUuid: CCW_UUID, destinationUuid: DST_CCW_UUID, devno: '0x00a1', destinationParent: '0.0.0413'})
  })

  it('vfio-ap: the destination mdev has other domains; the message names the APQNs that differ', () => {
    const [f] = byRule(run(src, dst), 'vfio-ap-device')
    expect(f.severity).to.equal('blocker')
    expect(f.message).to.include('lacks APQNs 05.0004 05.0005 06.0004 06.0005; has extra APQNs 05.0006 06.0006')
  })

  it('NVMe: same FID 0x00000300 at another host address; guest zPCI ids kept', () => {
    const [f] = byRule(run(src, dst), 'pci-nvme-device')
    expect(f.severity).to.equal('action')
    expect(f.data).to.deep.include({sourceAddress: '0007:00:00.0', destinationAddress: '0009:00:00.0', zpci: {uid: '0x0007', fid: '0x00000300'}})
  })

  it('RoCE: same UID, same eno4272 on the destination', () => {
    const [f] = byRule(run(src, dst), 'pci-roce-device')
    expect(f.severity).to.equal('action')
    expect(f.data).to.deep.include({ifname: 'eno4272', destinationIfname: 'eno4272', mac: '52:54:00:6a:0e:09'})
  })

  it('SCSI tape: 0.0.1700 is host0 here and host1 there', () => {
    const [f] = byRule(run(src, dst), 'scsi-tape-device')
    expect(f.severity).to.equal('action')
    expect(f.data).to.deep.include({
      fcpDevice: '0.0.1700',
      sourceAdapter: 'scsi_host0',
      destinationAdapter: 'scsi_host1',
      destinationAddress: {bus: '0', target: '1', unit: '0'},
    })
  })

  it('network: enc1a00 and br0 exist on both; only the way back (takeover off on lpar-dst) warns about VNICC', () => {
    const there = run(src, dst)
    expect(byRule(there, 'net-source-missing')).to.deep.equal([])
    expect(byRule(there, 'osa-vnic-takeover')).to.deep.equal([])
    const [back] = byRule(run(dst, src), 'osa-vnic-takeover')
    expect(back.severity).to.equal('warning')
    expect(back.remedy).to.include('chzdev qeth 0.0.1a00 vnicc/takeover_setvmac=1 (on dst)')
  })
})
