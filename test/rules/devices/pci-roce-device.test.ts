import {pciRoceDevice, roceInterfaceName} from '../../../src/rules/devices/pci-roce-device.js'
import {expect} from 'chai'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {nvmeFunction, pciHostdevXml, roceFunction, roceInterfaceXml} from './z-devices.js'

const src = emptyFacts('src', {pci: [roceFunction(), nvmeFunction()]})
/** Bound to vfio-pci for the guest: no netdev, so the name comes from the UID. */
const srcVfio = emptyFacts('src', {pci: [roceFunction('0004:00:00.1', {ifname: undefined, driver: 'vfio-pci'})]})

describe('roceInterfaceName', () => {
  it('uses the netdev name when there is one', () => expect(roceInterfaceName(roceFunction())).to.equal('eno4272'))
  it('derives eno<UID> with UID uniqueness (0x10b0 → eno4272)', () => expect(roceInterfaceName(roceFunction('x', {ifname: undefined}))).to.equal('eno4272'))
  it('derives ens<FID> without it (0x03e1 → ens993)', () =>
    expect(roceInterfaceName(roceFunction('x', {ifname: undefined, uidIsUnique: false}))).to.equal('ens993'))
})

ruleTester(pciRoceDevice, {
  valid: [
    {name: 'NVMe is not this rule', domain: guest(pciHostdevXml()), source: src},
    {name: 'no pass-through', domain: guest('')},
  ],
  invalid: [
    {
      name: '<interface type=hostdev> RoCE VF: same eno<UID> name on the destination, MAC kept',
      domain: guest(roceInterfaceXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [roceFunction('0001:00:00.1')]}),
      findings: [
        {
          severity: 'action',
          subject: 'interface hostdev 0004:00:00.1',
          message: /re-attached on dst as 0001:00:00\.1 \(same interface name eno4272\), guest zPCI uid 0x10b0 fid 0x000003e1 and MAC 52:54:00:6a:0e:09 kept/,
          data: {
            sourceAddress: '0004:00:00.1',
            ifname: 'eno4272',
            destinationAddress: '0001:00:00.1',
            mac: '52:54:00:6a:0e:09',
            zpci: {uid: '0x10b0', fid: '0x000003e1'},
          },
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'pci', address: '0001:00:00.1'}},
        },
      ],
    },
    {
      name: 'both sides bound to vfio-pci: names derived from the UID',
      domain: guest(pciHostdevXml('0x0004', '0x1', '0x10b0', '0x000003e1')),
      source: srcVfio,
      destination: emptyFacts('dst', {pci: [roceFunction('0001:00:00.1', {ifname: undefined, driver: 'vfio-pci'})]}),
      findings: [
        {severity: 'action', subject: 'hostdev pci 0004:00:00.1', data: {ifname: 'eno4272', destinationAddress: '0001:00:00.1', destinationIfname: 'eno4272'}},
      ],
    },
    {
      name: 'profile maps the address',
      domain: guest(roceInterfaceXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [roceFunction('0001:00:00.1', {uid: '0x10b1', ifname: 'eno4273'})]}),
      profile: {mappings: [{kind: 'pci', from: '0004:00:00.1', to: '0001:00:00.1'}]},
      findings: [
        {
          severity: 'action',
          message: 'mapped by the profile to 0001:00:00.1',
          data: {destinationIfname: 'eno4273'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'pci', address: '0001:00:00.1'}},
        },
      ],
    },
    {
      name: 'destination RoCE has another UID: blocker, names the function on the same adapter',
      domain: guest(roceInterfaceXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [roceFunction('0001:00:00.2', {uid: '0x10b2', ifname: 'eno4274'})]}),
      findings: [
        {
          severity: 'blocker',
          message:
            'dst has no RoCE function named eno4272; dst has RoCE functions: eno4274 0001:00:00.2; same adapter (PCHID 0x01c0) there: eno4274 0001:00:00.2',
        },
      ],
    },
    {
      name: 'name cannot be known (no netdev, no UID)',
      domain: guest(roceInterfaceXml()),
      source: emptyFacts('src', {pci: [roceFunction('0004:00:00.1', {ifname: undefined, uid: undefined, uidIsUnique: undefined})]}),
      destination: emptyFacts('dst', {pci: [roceFunction()]}),
      findings: [{severity: 'blocker', message: 'the interface name of 0004:00:00.1 cannot be known', fix: null}],
    },
  ],
})
