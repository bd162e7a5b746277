import {expect} from 'chai'
import {osaVnicTakeover} from '../../../src/rules/network/osa-vnic-takeover.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {bridgeXml, macvtapXml, netIf, qeth} from '../devices/z-devices.js'

const hosts = (srcVnicc: Record<string, string>, dstVnicc: Record<string, string> = {}, dstOverrides = {}) => ({
  source: emptyFacts('src', {qeth: [qeth('0.0.1a00', 'enc1a00', srcVnicc)], netInterfaces: [netIf('enc1a00')]}),
  destination: emptyFacts('dst', {qeth: [qeth('0.0.1a00', 'enc1a00', dstVnicc, dstOverrides)], netInterfaces: [netIf('enc1a00')]}),
})

ruleTester(osaVnicTakeover, {
  valid: [
    {name: 'source allows SETVMAC takeover', domain: guest(macvtapXml()), ...hosts({takeover_setvmac: '1'})},
    {name: 'learning setup fully allowed', domain: guest(macvtapXml()), ...hosts({takeover_setvmac: '1', takeover_learning: '1'}, {learning: '1'})},
    {name: 'source is not a qeth device (RoCE)', domain: guest(macvtapXml('eno4272')), source: emptyFacts('src', {netInterfaces: [netIf('eno4272')]})},
    {
      name: 'layer 3 qeth',
      domain: guest(macvtapXml()),
      source: emptyFacts('src', {qeth: [qeth('0.0.1a00', 'enc1a00', {}, {layer2: false})]}),
      destination: emptyFacts('dst', {qeth: [qeth()]}),
    },
    {
      name: 'destination has no qeth device of that name (net-source-missing reports it)',
      domain: guest(macvtapXml()),
      source: emptyFacts('src', {qeth: [qeth()]}),
    },
    {name: 'OSA here, HiperSockets there: different LANs', domain: guest(macvtapXml()), ...hosts({}, {}, {cardType: 'HiperSockets'})},
    {name: 'bridge interfaces are not MacVTap', domain: guest(bridgeXml()), ...hosts({})},
  ],
  invalid: [
    {
      name: 'defaults: takeover_setvmac=0 on the source',
      domain: guest(macvtapXml()),
      ...hosts({}),
      findings: [
        {
          severity: 'warning',
          subject: 'interface direct enc1a00',
          message:
            'guest MAC 52:54:00:6a:0e:07 moves from 0.0.1a00 to 0.0.1a00 on the same OSD_10GIG LAN: the source device must allow takeover of MACs set with SETVMAC (takeover_setvmac=1), as MacVTap registers the guest MAC that way (src 0.0.1a00 takeover_setvmac=0 takeover_learning=0 learning=0; dst 0.0.1a00 learning=0 takeover_setvmac=0)',
          data: {
            source: {
              busId: '0.0.1a00',
              ifname: 'enc1a00',
              vnicc: {
                flooding: '0',
                mcast_flooding: '0',
                learning: '0',
                learning_timeout: '600',
                takeover_setvmac: '0',
                takeover_learning: '0',
                bridge_invisible: '0',
                rx_bcast: '1',
              },
            },
          },
        },
      ],
    },
    {
      name: 'learning on the destination needs takeover_learning on the source',
      domain: guest(macvtapXml()),
      ...hosts({takeover_setvmac: '1'}, {learning: '1'}),
      findings: [{severity: 'warning', message: 'learning is in use, so the source device must also allow takeover of learned MACs (takeover_learning=1)'}],
    },
    {
      name: 'learning on the source only: destination must learn too',
      domain: guest(macvtapXml()),
      ...hosts({takeover_setvmac: '1', takeover_learning: '1', learning: '1'}),
      findings: [{severity: 'warning', message: 'the destination device must learn MACs (learning=1)'}],
    },
    {
      name: 'remedy names the real bus-ID',
      domain: guest(macvtapXml('enc1b40')),
      source: emptyFacts('src', {qeth: [qeth('0.0.1b40', 'enc1b40')]}),
      destination: emptyFacts('dst', {qeth: [qeth('0.0.1b40', 'enc1b40')]}),
      findings: [{message: 'moves from 0.0.1b40 to 0.0.1b40'}],
    },
    {
      name: 'VLAN on top of the qeth device, destination name from the profile mapping',
      domain: guest(macvtapXml('enc1a00.200')),
      source: emptyFacts('src', {qeth: [qeth()]}),
      destination: emptyFacts('dst', {qeth: [qeth('0.0.1c00', 'enc1c00')]}),
      profile: {mappings: [{kind: 'net-source', from: 'enc1a00.200', to: 'enc1c00.200'}]},
      findings: [{message: 'moves from 0.0.1a00 to 0.0.1c00', data: {destination: {busId: '0.0.1c00', ifname: 'enc1c00', vnicc: qeth().vnicc}}}],
    },
    {
      name: "source is a bridge port: 'n/a (BridgePort)' is info",
      domain: guest(macvtapXml()),
      ...hosts({takeover_setvmac: 'n/a (BridgePort)', takeover_learning: 'n/a (BridgePort)', learning: 'n/a (BridgePort)'}, {}),
      findings: [{severity: 'info', message: 'has a bridge-port role: VNICC and BridgePort are mutually exclusive'}],
    },
    {
      name: "adapter without VNICC: 'n/a' is info",
      domain: guest(macvtapXml()),
      ...hosts({takeover_setvmac: 'n/a', takeover_learning: 'n/a', learning: 'n/a'}),
      findings: [{severity: 'info', message: 'VNICC is not available on 0.0.1a00 on src (vnicc/takeover_setvmac=n/a)'}],
    },
  ],
})

describe('rule osa-vnic-takeover remedies', () => {
  it('names the source bus-ID and host in the chzdev command', () => {
    const [f] = evaluate(
      [osaVnicTakeover],
      makeContext({
        domain: guest(macvtapXml('enc1b40')),
        source: emptyFacts('src', {qeth: [qeth('0.0.1b40', 'enc1b40')]}),
        destination: emptyFacts('dst', {qeth: [qeth('0.0.1b40', 'enc1b40', {learning: '1'})]}),
      }),
    )
    expect(f.remedy).to.equal(
      'chzdev qeth 0.0.1b40 vnicc/takeover_setvmac=1 (on src); chzdev qeth 0.0.1b40 vnicc/takeover_learning=1 (on src). chzdev applies it now and persistently; VNICC cannot be combined with a BridgePort role on that adapter.',
    )
  })
})
