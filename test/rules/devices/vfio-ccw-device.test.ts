import {expect} from 'chai'
import {vfioCcwDevice} from '../../../src/rules/devices/vfio-ccw-device.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {CCW_UUID, apMdev, ccwMdev, vfioCcwXml} from './z-devices.js'

const DEST_UUID = 'c1a7e1d2-3b4f-4e5a-8b6c-7d8e9f0a1b2c'
const src = emptyFacts('src', {mdevs: [ccwMdev()]})

ruleTester(vfioCcwDevice, {
  valid: [
    {name: 'no pass-through DASD', domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500'))},
    {
      name: 'a vfio-ap mdev is not this rule',
      domain: guest(`<hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address uuid='${CCW_UUID}'/></source></hostdev>`),
    },
  ],
  invalid: [
    {
      name: 'destination has the same UUID (seed rule): detach and re-attach, devno kept',
      domain: guest(vfioCcwXml()),
      source: src,
      destination: emptyFacts('dst', {mdevs: [ccwMdev(CCW_UUID, '0.0.0410', '0.0.2b09')]}),
      findings: [
        {
          severity: 'action',
          subject: `hostdev vfio-ccw ${CCW_UUID}`,
          message:
            /re-attached on dst as mdev 90c6c135-.* \(same UUID; subchannel 0\.0\.0410, DASD here 0\.0\.2b09, on dst 0\.0\.2b09\), guest devno 0x00a1 kept/,
          data: {sourceUuid: CCW_UUID, destinationUuid: CCW_UUID, devno: '0x00a1', destinationParent: '0.0.0410'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: CCW_UUID}},
        },
      ],
    },
    {
      name: 'UUID written in upper case still matches',
      domain: guest(vfioCcwXml(CCW_UUID.toUpperCase())),
      destination: emptyFacts('dst', {mdevs: [ccwMdev()]}),
      findings: [{severity: 'action', data: {destinationUuid: CCW_UUID}, fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: CCW_UUID}}}],
    },
    {
      name: 'profile maps the UUID to one the destination has',
      domain: guest(vfioCcwXml()),
      destination: emptyFacts('dst', {mdevs: [ccwMdev(DEST_UUID)]}),
      profile: {mappings: [{kind: 'mdev', from: CCW_UUID, to: DEST_UUID, 'to-host': 'dst'}]},
      findings: [
        {
          severity: 'action',
          message: `mapped by the profile to ${DEST_UUID}`,
          data: {sourceUuid: CCW_UUID, destinationUuid: DEST_UUID, devno: '0x00a1'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: DEST_UUID}},
        },
      ],
    },
    {
      name: 'mapping for another destination host does not apply',
      domain: guest(vfioCcwXml()),
      destination: emptyFacts('dst', {mdevs: [ccwMdev(DEST_UUID)]}),
      profile: {mappings: [{kind: 'mdev', from: CCW_UUID, to: DEST_UUID, 'to-host': 'zhost-c'}]},
      findings: [{severity: 'blocker', message: `dst has no mediated device ${CCW_UUID} (same UUID); dst has vfio_ccw-io mdevs: ${DEST_UUID} (0.0.2b09)`}],
    },
    {
      name: 'profile maps to a UUID the destination lacks',
      domain: guest(vfioCcwXml()),
      destination: emptyFacts('dst', {mdevs: [ccwMdev()]}),
      profile: {mappings: [{kind: 'mdev', from: CCW_UUID, to: DEST_UUID}]},
      findings: [
        {severity: 'blocker', message: `dst has no mediated device ${DEST_UUID} (mapped by the profile to ${DEST_UUID})`, data: {wantedUuid: DEST_UUID}},
      ],
    },
    {
      name: 'destination has no vfio_ccw mdevs at all',
      domain: guest(vfioCcwXml()),
      source: src,
      findings: [{severity: 'blocker', subject: CCW_UUID, message: 'dst has vfio_ccw-io mdevs: none'}],
    },
    {
      name: 'same UUID is a vfio-ap mdev on the destination',
      domain: guest(vfioCcwXml()),
      destination: emptyFacts('dst', {mdevs: [apMdev(CCW_UUID)]}),
      findings: [{severity: 'blocker', message: 'is of type vfio_ap-passthrough, not vfio_ccw-io'}],
    },
    {
      name: 'destination mdev is used by a running guest there',
      domain: guest(vfioCcwXml()),
      destination: emptyFacts('dst', {
        mdevs: [ccwMdev()],
        guests: [{name: 'linux09', uuid: '1d7d0c55-61a8-4c1e-a0a5-3c4d2e1f0a9b', state: 'running', xml: guest(vfioCcwXml(), {name: 'linux09'}).xml}],
      }),
      findings: [{severity: 'blocker', message: 'in use by running guest linux09'}],
    },
    {
      name: 'hostdev without a UUID',
      domain: guest(`<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source/></hostdev>`),
      findings: [{severity: 'blocker', message: 'names no mdev UUID', fix: null}],
    },
    {
      name: 'two pass-through DASDs, each reported (blockers first)',
      domain: guest(vfioCcwXml() + vfioCcwXml(DEST_UUID, '0x00a2')),
      destination: emptyFacts('dst', {mdevs: [ccwMdev()]}),
      findings: [
        {severity: 'blocker', subject: DEST_UUID, data: {devno: '0x00a2'}, fix: null},
        {severity: 'action', data: {devno: '0x00a1'}, fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'mdev', uuid: CCW_UUID}}},
      ],
    },
  ],
})

describe('rule vfio-ccw-device remedies', () => {
  it('action: the guest stops using the DASD (its bus-ID from the kept devno)', () => {
    const [f] = evaluate([vfioCcwDevice], makeContext({domain: guest(vfioCcwXml()), destination: emptyFacts('dst', {mdevs: [ccwMdev()]})}))
    expect(f.remedy).to.include('chccwdev -d 0.0.00a1')
  })
  it('blocker: the mdevctl command with the UUID to create', () => {
    const [f] = evaluate([vfioCcwDevice], makeContext({domain: guest(vfioCcwXml())}))
    expect(f.remedy).to.include(`mdevctl define -u ${CCW_UUID} -p <subchannel> -t vfio_ccw-io -a`)
  })
})
