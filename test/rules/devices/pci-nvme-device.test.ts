import {pciNvmeDevice} from '../../../src/rules/devices/pci-nvme-device.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {ismFunction, nvmeFunction, pciHostdevXml, roceFunction, roceInterfaceXml} from './z-devices.js'

const src = emptyFacts('src', {pci: [nvmeFunction(), roceFunction(), ismFunction()]})

ruleTester(pciNvmeDevice, {
  valid: [
    {name: 'no PCI pass-through', domain: guest('')},
    {name: 'RoCE pass-through is not this rule', domain: guest(roceInterfaceXml()), source: src},
    {name: 'ISM pass-through is not this rule', domain: guest(pciHostdevXml('0x0003')), source: src},
    {name: 'source function unknown: left to pci-hostdev', domain: guest(pciHostdevXml('0x0009')), source: src},
  ],
  invalid: [
    {
      name: 'destination has the NVMe with the same FID at another address; guest zPCI ids kept',
      domain: guest(pciHostdevXml('0x0002', '0x0', '0x0001', '0x00000000')),
      source: src,
      destination: emptyFacts('dst', {pci: [nvmeFunction('0005:00:00.0', '0x00000300', {uid: '0x0005'})]}),
      findings: [
        {
          severity: 'action',
          subject: 'hostdev pci 0002:00:00.0',
          message:
            /NVMe 0002:00:00\.0 \(FID 0x00000300.*re-attached on dst as 0005:00:00\.0 \(same FID\), guest zPCI uid 0x0001 fid 0x00000000 kept; the NVMe's data is not copied/,
          data: {sourceAddress: '0002:00:00.0', fid: '0x00000300', destinationAddress: '0005:00:00.0', zpci: {uid: '0x0001', fid: '0x00000000'}},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'pci', address: '0005:00:00.0'}},
        },
      ],
    },
    {
      name: 'FID compared by value (0x300 = 0x00000300)',
      domain: guest(pciHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [nvmeFunction('0002:00:00.0', '0x300')]}),
      findings: [{severity: 'action', data: {destinationAddress: '0002:00:00.0'}}],
    },
    {
      name: 'profile maps the address to a destination FID',
      domain: guest(pciHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [nvmeFunction('0006:00:00.0', '0x00000310')]}),
      profile: {mappings: [{kind: 'pci', from: '0002:00:00.0', to: '0x00000310', 'to-host': 'dst'}]},
      findings: [
        {
          severity: 'action',
          message: 'mapped by the profile to 0x00000310',
          data: {destinationAddress: '0006:00:00.0', destinationFid: '0x00000310'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'pci', address: '0006:00:00.0'}},
        },
      ],
    },
    {
      name: 'destination has only another NVMe',
      domain: guest(pciHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [nvmeFunction('0002:00:00.0', '0x00000301')]}),
      findings: [
        {
          severity: 'blocker',
          message: 'dst has no NVMe function with FID 0x00000300; dst has NVMe functions: NVMe 0002:00:00.0 (FID 0x00000301',
          data: {fid: '0x00000300'},
        },
      ],
    },
    {
      name: 'mapping points at a RoCE function',
      domain: guest(pciHostdevXml()),
      source: src,
      destination: emptyFacts('dst', {pci: [roceFunction('0007:00:00.0')]}),
      profile: {mappings: [{kind: 'pci', from: '0002:00:00.0', to: '0007:00:00.0'}]},
      findings: [{severity: 'blocker', message: 'but dst has a RoCE 0007:00:00.0', fix: null}],
    },
    {
      name: 'source FID unknown',
      domain: guest(pciHostdevXml()),
      source: emptyFacts('src', {pci: [nvmeFunction('0002:00:00.0', '0x0', {fid: undefined})]}),
      destination: emptyFacts('dst', {pci: [nvmeFunction()]}),
      findings: [{severity: 'blocker', message: "the FID of 0002:00:00.0 is not in src's facts"}],
    },
  ],
})
