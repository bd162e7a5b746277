import {netSourceMissing} from '../../../src/rules/network/net-source-missing.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {bridgeXml, macvtapXml, netIf, networkXml, roceInterfaceXml} from '../devices/z-devices.js'

const dst = emptyFacts('dst', {
  netInterfaces: [
    netIf('lo', 'loopback'),
    netIf('enc1a00'),
    netIf('enc1b00'),
    netIf('eno4272'),
    netIf('br0', 'bridge'),
    netIf('virbr0', 'bridge'),
    netIf('bond0', 'bond'),
  ],
  libvirtNetworks: [
    {name: 'default', active: true, bridge: 'virbr0'},
    {name: 'zvswitch', active: false, bridge: 'ovsbr1'},
  ],
})

ruleTester(netSourceMissing, {
  valid: [
    {name: 'MacVTap on an interface the destination has', domain: guest(macvtapXml()), destination: dst},
    {name: 'bridge the destination has', domain: guest(bridgeXml()), destination: dst},
    {name: 'active libvirt network', domain: guest(networkXml()), destination: dst},
    {
      name: 'Open vSwitch bridge (not a Linux bridge) with virtualport openvswitch',
      domain: guest(bridgeXml('ovsbr0', '52:54:00:6a:0e:08', `\n      <virtualport type='openvswitch'/>`)),
      destination: emptyFacts('dst', {netInterfaces: [netIf('ovsbr0', 'other')]}),
    },
    {name: 'interface type hostdev is a PCI pass-through, not this rule', domain: guest(roceInterfaceXml()), destination: dst},
  ],
  invalid: [
    {
      name: 'MacVTap source missing: names the look-alikes',
      domain: guest(macvtapXml('enc1c00')),
      destination: dst,
      findings: [
        {
          severity: 'blocker',
          subject: 'interface direct enc1c00',
          message: "dst has no network interface enc1c00; dst's interfaces like it: enc1a00, enc1b00",
          data: {source: 'enc1c00', type: 'direct'},
        },
      ],
    },
    {
      name: 'bridge missing',
      domain: guest(bridgeXml('br1')),
      destination: dst,
      findings: [{subject: 'interface bridge br1', message: "dst has no bridge br1; dst's bridges: br0, virbr0"}],
    },
    {
      name: 'bridge name is a bond, not a bridge',
      domain: guest(bridgeXml('bond0')),
      destination: dst,
      findings: [{message: 'bond0 on dst is a bond interface, not a bridge'}],
    },
    {
      name: 'network missing',
      domain: guest(networkXml('zvlan200')),
      destination: dst,
      findings: [{subject: 'interface network zvlan200', message: "dst has no libvirt network zvlan200; dst's networks: default, zvswitch (inactive)"}],
    },
    {
      name: 'network defined but inactive',
      domain: guest(networkXml('zvswitch')),
      destination: dst,
      findings: [{message: 'libvirt network zvswitch on dst is defined but not active'}],
    },
    {
      name: 'profile maps the MacVTap source to an interface the destination has: action',
      domain: guest(macvtapXml('enc1c00')),
      destination: dst,
      profile: {mappings: [{kind: 'net-source', from: 'enc1c00', to: 'enc1b00', 'to-host': 'dst'}]},
      findings: [
        {
          severity: 'action',
          message: 'source device enc1c00 becomes enc1b00 on dst (site profile)',
          data: {from: 'enc1c00', to: 'enc1b00'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'interface-source', to: 'enc1b00'}},
        },
      ],
    },
    {
      name: 'a mapping wins even when the same name exists',
      domain: guest(networkXml('default')),
      destination: dst,
      profile: {mappings: [{kind: 'net-source', from: 'default', to: 'zvswitch'}]},
      findings: [
        {
          severity: 'blocker',
          message: 'the profile maps default to zvswitch, but libvirt network zvswitch on dst is defined but not active',
          data: {from: 'default', to: 'zvswitch'},
          fix: null,
        },
      ],
    },
    {
      name: 'each interface is checked',
      domain: guest(macvtapXml('enc1c00') + bridgeXml('br0') + networkXml('nat1')),
      destination: dst,
      findings: [{subject: 'enc1c00'}, {subject: 'nat1'}],
    },
  ],
})
