import {vfioApDevice} from '../../../src/rules/devices/vfio-ap-device.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {AP_UUID, apMdev, ccwMdev, vfioApXml, vfioCcwXml} from './z-devices.js'

const OTHER_UUID = '4b1c9a30-7e2d-4f6a-9c8b-5d3e2f1a0b9c'
const MATRIX = {adapters: ['0x03', '0x04'], domains: ['0x0004', '0x0005'], controlDomains: ['0x0004']}
const src = emptyFacts('src', {mdevs: [apMdev()]})

ruleTester(vfioApDevice, {
  valid: [{name: 'vfio-ccw is not this rule', domain: guest(vfioCcwXml()), source: emptyFacts('src', {mdevs: [ccwMdev()]})}],
  invalid: [
    {
      name: 'same UUID with the same matrix on the destination',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev()]}),
      findings: [
        {
          severity: 'action',
          subject: `hostdev vfio-ap ${AP_UUID}`,
          message: `re-plugged on dst as mdev ${AP_UUID} (same UUID) with the same APQNs 03.0004 03.0005 04.0004 04.0005, control domains 0004`,
          data: {sourceUuid: AP_UUID, destinationUuid: AP_UUID, matrix: MATRIX},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: AP_UUID}},
        },
      ],
    },
    {
      name: 'hex written differently is the same matrix',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev(AP_UUID, ['3', '0x4'], ['0x5', '0x04'], ['4'])]}),
      findings: [{severity: 'action', data: {destinationUuid: AP_UUID}}],
    },
    {
      name: 'another mdev with an equal matrix (the destination chose its own UUID)',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev(OTHER_UUID)]}),
      findings: [
        {
          severity: 'action',
          message: `as mdev ${OTHER_UUID} (same matrix)`,
          data: {destinationUuid: OTHER_UUID},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: OTHER_UUID}},
        },
      ],
    },
    {
      name: 'profile maps the UUID',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev(OTHER_UUID)]}),
      profile: {mappings: [{kind: 'mdev', from: AP_UUID, to: OTHER_UUID, 'to-host': 'dst'}]},
      findings: [
        {
          severity: 'action',
          message: 'mapped by the profile',
          data: {sourceUuid: AP_UUID, destinationUuid: OTHER_UUID},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: OTHER_UUID}},
        },
      ],
    },
    {
      name: 'mapped mdev has another matrix: says which APQNs differ',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev(OTHER_UUID, ['0x03'], ['0x0004', '0x0005'], ['0x0004'])]}),
      profile: {mappings: [{kind: 'mdev', from: AP_UUID, to: OTHER_UUID}]},
      findings: [{severity: 'blocker', message: `mdev ${OTHER_UUID} on dst (mapped by the profile) lacks APQNs 04.0004 04.0005`}],
    },
    {
      name: 'same UUID, different domains and control domains',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev(AP_UUID, ['0x03', '0x04'], ['0x0004', '0x0006'], ['0x0006'])]}),
      findings: [
        {
          severity: 'blocker',
          message: 'lacks APQNs 03.0005 04.0005; has extra APQNs 03.0006 04.0006; lacks control domain 0004; has extra control domain 0006',
          data: {wantedUuid: AP_UUID},
        },
      ],
    },
    {
      name: 'no vfio_ap mdev on the destination',
      domain: guest(vfioApXml()),
      source: src,
      findings: [
        {
          severity: 'blocker',
          message: 'dst has no vfio_ap-passthrough mdev with APQNs 03.0004 03.0005 04.0004 04.0005, control domains 0004; its vfio_ap-passthrough mdevs: none',
        },
      ],
    },
    {
      name: 'destination prepared its own mdev with other domains: says which APQNs differ',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [apMdev(OTHER_UUID, ['0x03', '0x04'], ['0x0006'], ['0x0006'])]}),
      findings: [
        {
          severity: 'blocker',
          message: `its vfio_ap-passthrough mdevs: ${OTHER_UUID} (lacks APQNs 03.0004 03.0005 04.0004 04.0005; has extra APQNs 03.0006 04.0006; lacks control domain 0004; has extra control domain 0006)`,
        },
      ],
    },
    {
      name: 'matching mdev is in use by a running guest on the destination',
      domain: guest(vfioApXml()),
      source: src,
      destination: emptyFacts('dst', {
        mdevs: [apMdev()],
        guests: [{name: 'crypto02', uuid: '8a0b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d', state: 'running', xml: guest(vfioApXml(), {name: 'crypto02'}).xml}],
      }),
      findings: [{severity: 'blocker', message: 'in use by running guest crypto02', fix: null}],
    },
    {
      name: 'source mdev missing from the source facts: matrix unknown',
      domain: guest(vfioApXml()),
      destination: emptyFacts('dst', {mdevs: [apMdev()]}),
      findings: [{severity: 'blocker', message: `src facts have no mdev ${AP_UUID}`}],
    },
  ],
})
