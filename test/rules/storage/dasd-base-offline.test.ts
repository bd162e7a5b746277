import {expect} from 'chai'
import {dasdBaseOffline} from '../../../src/rules/storage/dasd-base-offline.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {UID_7500, UID_OTHER, base, dasdLinks, offline} from './storage-fixtures.js'

const source = emptyFacts('src', {dasd: [base('0.0.7500', UID_7500, 'dasda')], deviceLinks: dasdLinks('0.0.7500', UID_7500, 'dasda')})
const byId = guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`))
const byPath = guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500'))

ruleTester(dasdBaseOffline, {
  valid: [
    {name: 'online on the destination', domain: byId, source, destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_7500, 'dasdc')]})},
    {
      name: 'online under one bus-ID, a second path group offline',
      domain: byId,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_7500, 'dasdc'), {...base('0.0.f500', UID_7500, 'dasdd'), online: false}]}),
    },
    {name: 'volume absent (dasd-missing-on-destination)', domain: byId, source, destination: emptyFacts('dst', {dasd: [offline('0.0.9000')]})},
    {
      name: 'by-path bus-ID is another, online volume (not ours to set online)',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_OTHER, 'dasda')]}),
    },
    {name: 'not a DASD', domain: guest(dasdDisk('/dev/mapper/mpatha')), source, destination: emptyFacts('dst', {dasd: [offline('0.0.7500')]})},
  ],
  invalid: [
    {
      name: 'volume known on the destination but offline',
      domain: byId,
      source,
      destination: emptyFacts('dst', {dasd: [{...base('0.0.8500', UID_7500, 'dasda'), online: false, blockName: undefined}]}),
      findings: [
        {
          severity: 'action',
          subject: `disk vda (/dev/disk/by-id/ccw-${UID_7500})`,
          message: `volume ${UID_7500} is offline on dst (base device 0.0.8500)`,
          data: {busId: '0.0.8500', uid: UID_7500, uidVerified: true},
          fix: {kind: 'set-dasd-online', busIds: ['0.0.8500']},
        },
      ],
    },
    {
      name: 'by-path: the bus-ID is offline there, UID to be verified once online',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [offline('0.0.7500')]}),
      findings: [
        {
          message: "0.0.7500 is offline on dst (the volume's bus-ID on src and in its by-path node); its UID is read once it is online and must be",
          data: {busId: '0.0.7500', uid: UID_7500, uidVerified: false},
          fix: {kind: 'set-dasd-online', busIds: ['0.0.7500']},
        },
      ],
    },
    {
      name: "by-id node: offline device at the source's bus-ID, UID to be verified",
      domain: byId,
      source,
      destination: emptyFacts('dst', {dasd: [offline('0.0.7500'), offline('0.0.7501')]}),
      findings: [{message: "0.0.7500 is offline on dst (the volume's bus-ID on src)", data: {busId: '0.0.7500', uidVerified: false}}],
    },
    {
      name: 'remedy gives the chzdev command with the real bus-ID',
      domain: guest(dasdDisk('/dev/dasda')),
      source,
      destination: emptyFacts('dst', {dasd: [{...base('0.0.7500', UID_7500, 'dasda'), online: false}]}),
      findings: [{data: {busId: '0.0.7500'}}],
    },
    {
      name: 'two offline bases of the volume: the by-path bus-ID is preferred',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {
        dasd: [
          {...base('0.0.f500', UID_7500, 'dasda'), online: false},
          {...base('0.0.7500', UID_7500, 'dasdb'), online: false},
        ],
      }),
      findings: [{data: {busId: '0.0.7500'}, fix: {kind: 'set-dasd-online', busIds: ['0.0.7500']}}],
    },
  ],
})

describe('rule dasd-base-offline remedy', () => {
  it('names chzdev with the destination bus-ID', () => {
    const [finding] = evaluate([dasdBaseOffline], makeContext({domain: byPath, source, destination: emptyFacts('dst', {dasd: [offline('0.0.7500')]})}))
    expect(finding.remedy).to.contain('chzdev -e dasd 0.0.7500 on dst')
  })
})
