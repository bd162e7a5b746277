import {pciHostdev} from '../../../src/rules/devices/pci-hostdev.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {ismFunction, nvmeFunction, pciHostdevXml, roceFunction, roceInterfaceXml} from './z-devices.js'

const src = emptyFacts('src', {pci: [ismFunction(), nvmeFunction(), roceFunction()]})
const dst = emptyFacts('dst', {pci: [ismFunction('0008:00:00.0', {fid: '0x00000421'})]})
const ism = pciHostdevXml('0x0003', '0x0', '0x0003', '0x00000003')

ruleTester(pciHostdev, {
  valid: [
    {name: 'NVMe has its own rule', domain: guest(pciHostdevXml()), source: src},
    {name: 'RoCE has its own rule', domain: guest(roceInterfaceXml()), source: src},
  ],
  invalid: [
    {
      name: 'ISM pass-through, not selected for detach',
      domain: guest(ism),
      source: src,
      destination: dst,
      findings: [
        {
          severity: 'blocker',
          subject: 'hostdev pci 0003:00:00.0',
          message: /ISM 0003:00:00\.0 \(FID 0x00000420.* blocks live migration .*; the profile does not select it for detach/,
          data: {kind: 'ism'},
        },
      ],
    },
    {
      name: 'source function not in the facts',
      domain: guest(pciHostdevXml('0x0009')),
      source: src,
      findings: [{severity: 'blocker', message: "PCI function 0009:00:00.0 (not in src's facts)"}],
    },
    {
      name: 'selected and mapped to a function the destination has',
      domain: guest(ism),
      source: src,
      destination: dst,
      profile: {
        detachForMigration: [{kind: 'hostdev', model: 'pci', source: '0003:00:00.0'}],
        mappings: [{kind: 'pci', from: '0003:00:00.0', to: '0008:00:00.0', 'to-host': 'dst'}],
      },
      findings: [
        {
          severity: 'action',
          message:
            're-attached on dst as ISM 0008:00:00.0 (FID 0x00000421, UID 0x0003, PCHID 0x07c0) (site profile), guest zPCI uid 0x0003 fid 0x00000003 kept',
          data: {sourceAddress: '0003:00:00.0', destinationAddress: '0008:00:00.0', zpci: {uid: '0x0003', fid: '0x00000003'}},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'pci', address: '0008:00:00.0'}},
        },
      ],
    },
    {
      name: 'mapped by FID',
      domain: guest(ism),
      source: src,
      destination: dst,
      profile: {detachForMigration: [{model: 'pci'}], mappings: [{kind: 'pci', from: '0003:00:00.0', to: '0x421'}]},
      findings: [
        {
          severity: 'action',
          data: {destinationAddress: '0008:00:00.0'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'pci', address: '0008:00:00.0'}},
        },
      ],
    },
    {
      name: 'selected but not mapped',
      domain: guest(ism),
      source: src,
      destination: dst,
      profile: {detachForMigration: [{kind: 'hostdev', model: 'pci'}]},
      findings: [{severity: 'blocker', message: 'the profile selects it for detach but maps no dst function to 0003:00:00.0'}],
    },
    {
      name: 'mapped but the destination lacks the function',
      domain: guest(ism),
      source: src,
      destination: dst,
      profile: {detachForMigration: [{kind: 'hostdev'}], mappings: [{kind: 'pci', from: '0003:00:00.0', to: '0009:00:00.0'}]},
      findings: [{severity: 'blocker', message: 'the profile maps 0003:00:00.0 to 0009:00:00.0, but dst has no such PCI function'}],
    },
    {
      name: 'mapped but not selected: still a blocker',
      domain: guest(ism),
      source: src,
      destination: dst,
      profile: {mappings: [{kind: 'pci', from: '0003:00:00.0', to: '0008:00:00.0'}]},
      findings: [{severity: 'blocker', message: 'does not select it for detach', fix: null}],
    },
  ],
})
