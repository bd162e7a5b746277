import {expect} from 'chai'
import {scsiTapeDevice} from '../../../src/rules/devices/scsi-tape-device.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {scsiHostdevXml, tapeDevice, zfcpHost} from './z-devices.js'

const changer = tapeDevice('0:0:0:1', '0.0.1700', {type: 8, kind: 'changer', model: '3573-TL', blockName: undefined, sgName: 'sg1', lun: '0x0001000000000000'})
const src = emptyFacts('src', {zfcpHosts: [zfcpHost('0.0.1700', 0), zfcpHost('0.0.1780', 1)], scsi: [tapeDevice(), changer]})
/** The destination's FCP device got host number 2 and the target another SCSI id. */
const dst = emptyFacts('dst', {
  zfcpHosts: [zfcpHost('0.0.1780', 1), zfcpHost('0.0.1700', 2)],
  scsi: [tapeDevice('2:0:3:0'), tapeDevice('2:0:3:1', '0.0.1700', {kind: 'changer', type: 8, lun: '0x0001000000000000'})],
})

ruleTester(scsiTapeDevice, {
  valid: [{name: 'no SCSI pass-through', domain: guest(`<controller type='scsi' model='virtio-scsi' index='0'/>`)}],
  invalid: [
    {
      name: 'tape found behind the same FCP device with other numbers on the destination',
      domain: guest(scsiHostdevXml()),
      source: src,
      destination: dst,
      findings: [
        {
          severity: 'action',
          subject: 'hostdev scsi scsi_host0 0:0:0',
          message:
            'SCSI tape IBM ULT3580-TD8 0.0.1700/0x500507630300c562/0x0000000000000000 is scsi_host0 0:0:0:0 here and scsi_host2 2:0:3:0 on dst: detached before migration and re-attached there; close all tape device nodes and unload the drive in the guest first (IBM)',
          data: {
            fcpDevice: '0.0.1700',
            wwpn: '0x500507630300c562',
            lun: '0x0000000000000000',
            sourceAdapter: 'scsi_host0',
            destinationAdapter: 'scsi_host2',
            destinationAddress: {bus: '0', target: '3', unit: '0'},
          },
          fix: {kind: 'move-device', deviceIndex: 2, identity: {kind: 'scsi-host', adapter: 'scsi_host2', address: {bus: '0', target: '3', unit: '0'}}},
        },
      ],
    },
    {
      name: 'medium changer (unit 1), WWPN/LUN compared by value',
      domain: guest(scsiHostdevXml('scsi_host0', '0', '0', '1')),
      source: src,
      destination: emptyFacts('dst', {
        zfcpHosts: [zfcpHost('0.0.1700', 2)],
        scsi: [tapeDevice('2:0:3:1', '0.0.1700', {kind: 'changer', wwpn: '0x500507630300C562', lun: '0x1000000000000'})],
      }),
      findings: [
        {
          severity: 'action',
          message: 'SCSI changer IBM 3573-TL',
          data: {kind: 'changer', destinationAdapter: 'scsi_host2', destinationAddress: {bus: '0', target: '3', unit: '1'}},
          fix: {kind: 'move-device', deviceIndex: 2, identity: {kind: 'scsi-host', adapter: 'scsi_host2', address: {bus: '0', target: '3', unit: '1'}}},
        },
      ],
    },
    {
      name: 'adapter number unknown on the source (stale after set offline/online)',
      domain: guest(scsiHostdevXml('scsi_host5')),
      source: src,
      destination: dst,
      findings: [{severity: 'blocker', message: 'src has no zfcp adapter for scsi_host5 (zfcp hosts: 0.0.1700 host0, 0.0.1780 host1)'}],
    },
    {
      name: 'no SCSI device at that H:C:T:L on the source',
      domain: guest(scsiHostdevXml('scsi_host0', '0', '0', '7')),
      source: src,
      destination: dst,
      findings: [{severity: 'blocker', message: 'src has no SCSI device 0:0:0:7 behind FCP device 0.0.1700'}],
    },
    {
      name: 'source device without WWPN/LUN',
      domain: guest(scsiHostdevXml()),
      source: emptyFacts('src', {zfcpHosts: [zfcpHost()], scsi: [tapeDevice('0:0:0:0', '0.0.1700', {wwpn: undefined, lun: undefined})]}),
      destination: dst,
      findings: [{severity: 'blocker', message: 'src facts have no WWPN/LUN for SCSI tape IBM ULT3580-TD8 0:0:0:0'}],
    },
    {
      name: 'FCP device offline on the destination',
      domain: guest(scsiHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {zfcpHosts: [zfcpHost('0.0.1700', 2, false)]}),
      findings: [{severity: 'blocker', message: 'through FCP device 0.0.1700, which is offline on dst', data: {fcpDevice: '0.0.1700'}, fix: null}],
    },
    {
      name: 'destination reaches the LUN only through another FCP device',
      domain: guest(scsiHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {zfcpHosts: [zfcpHost('0.0.1780', 1)], scsi: [tapeDevice('1:0:2:0', '0.0.1780')]}),
      findings: [
        {
          severity: 'blocker',
          message: 'which is not a zfcp adapter on dst (dst reaches WWPN 0x500507630300c562 LUN 0x0000000000000000 through 0.0.1780 1:0:2:0)',
        },
      ],
    },
    {
      name: 'FCP device online on the destination but the LUN is not',
      domain: guest(scsiHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {zfcpHosts: [zfcpHost('0.0.1700', 2)]}),
      findings: [
        {
          severity: 'blocker',
          message: 'dst has no SCSI device with WWPN 0x500507630300c562 LUN 0x0000000000000000 behind FCP device 0.0.1700 (host2)',
          data: {fcpDevice: '0.0.1700', wwpn: '0x500507630300c562', lun: '0x0000000000000000'},
        },
      ],
    },
    {
      name: 'adapter name not of the scsi_hostN form',
      domain: guest(scsiHostdevXml('host0')),
      findings: [{severity: 'blocker', message: "adapter 'host0' is not of the form scsi_hostN"}],
    },
  ],
})

describe('rule scsi-tape-device remedies', () => {
  const remedyFor = (destination: ReturnType<typeof emptyFacts>): string =>
    evaluate([scsiTapeDevice], makeContext({domain: guest(scsiHostdevXml()), source: src, destination}))[0].remedy
  it('offline FCP device: chzdev for the adapter and the LUN, and the guest-side preparation', () => {
    const remedy = remedyFor(emptyFacts('dst', {zfcpHosts: [zfcpHost('0.0.1700', 2, false)]}))
    expect(remedy).to.include('chzdev -e zfcp-host 0.0.1700').and.include('chzdev -e zfcp-lun 0.0.1700:0x500507630300c562:0x0000000000000000')
    expect(remedy).to.include('unload the drive in the guest')
  })
  it('action: tells the admin what to do in the guest and what zmigrate re-attaches', () => {
    expect(remedyFor(dst)).to.equal(
      'Before migrating, close all tape device nodes and unload the drive in guest linux01; zmigrate then detaches scsi_host0 0:0:0:0 and re-attaches scsi_host2 2:0:3:0 on dst.',
    )
  })
})
