import {expect} from 'chai'
import {dasdAliasOffline} from '../../../src/rules/storage/dasd-alias-offline.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {LCU_E9, UID_7500, UID_7501, UID_EA, base, dasd, dasdLinks, hyperpavAlias, offline} from './storage-fixtures.js'

// Source: two bases in LCU e9 with three HyperPAV aliases online; one base in LCU ea without aliases.
const source = emptyFacts('src', {
  dasd: [
    base('0.0.7500', UID_7500, 'dasda'),
    base('0.0.7501', UID_7501, 'dasdb'),
    base('0.0.7600', UID_EA, 'dasdc'),
    hyperpavAlias('0.0.75fd', LCU_E9),
    hyperpavAlias('0.0.75fe', LCU_E9),
    hyperpavAlias('0.0.75ff', LCU_E9),
  ],
  deviceLinks: [...dasdLinks('0.0.7500', UID_7500, 'dasda'), ...dasdLinks('0.0.7501', UID_7501, 'dasdb'), ...dasdLinks('0.0.7600', UID_EA, 'dasdc')],
})
const vda = dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)
const vdb = dasdDisk(`/dev/disk/by-id/ccw-${UID_7501}`, 'vdb', '0x7501')
const basesThere = [base('0.0.7500', UID_7500, 'dasda'), base('0.0.7501', UID_7501, 'dasdb')]

ruleTester(dasdAliasOffline, {
  valid: [
    {
      name: 'aliases online on the destination',
      domain: guest(vda),
      source,
      destination: emptyFacts('dst', {dasd: [...basesThere, hyperpavAlias('0.0.75fe', LCU_E9), hyperpavAlias('0.0.75ff', LCU_E9)]}),
    },
    {name: 'the source uses no aliases for that LCU', domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_EA}`)), source, destination: emptyFacts('dst')},
    {
      name: 'static PAV alias (base unit address in the UID) online on the destination',
      domain: guest(vda),
      source: emptyFacts('src', {dasd: [base('0.0.7500', UID_7500, 'dasda'), dasd('0.0.75f0', UID_7500, {alias: true})]}),
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_7500, 'dasda'), dasd('0.0.75f0', UID_7500, {alias: true})]}),
    },
    {
      name: 'source aliases offline too',
      domain: guest(vda),
      source: emptyFacts('src', {dasd: [base('0.0.7500', UID_7500, 'dasda'), hyperpavAlias('0.0.75ff', LCU_E9, false)]}),
      destination: emptyFacts('dst'),
    },
  ],
  invalid: [
    {
      name: 'aliases of the LCU offline on the destination: one action for both disks',
      domain: guest(vda + vdb),
      source,
      destination: emptyFacts('dst', {
        dasd: [...basesThere, hyperpavAlias('0.0.75fe', LCU_E9, false), hyperpavAlias('0.0.75ff', LCU_E9, false), hyperpavAlias('0.0.75fd', LCU_E9)],
      }),
      findings: [
        {
          severity: 'action',
          subject: `disk vda (/dev/disk/by-id/ccw-${UID_7500})`,
          message: `2 alias device(s) of control unit ${LCU_E9} are offline on dst (0.0.75fe, 0.0.75ff); src uses 3 (disks vda, vdb)`,
          data: {busIds: ['0.0.75fe', '0.0.75ff'], lcu: LCU_E9},
          fix: {kind: 'set-dasd-online', busIds: ['0.0.75fe', '0.0.75ff']},
        },
      ],
    },
    {
      name: 'no alias at all for the LCU on the destination: warning',
      domain: guest(vda),
      source,
      destination: emptyFacts('dst', {dasd: basesThere}),
      findings: [{severity: 'warning', message: 'dst has none, so disk vda gets less I/O parallelism', data: {lcu: LCU_E9, busIds: []}, fix: null}],
    },
    {
      name: 'no identifiable alias, offline devices at other bus-IDs listed as candidates',
      domain: guest(vda),
      source,
      destination: emptyFacts('dst', {dasd: [...basesThere, offline('0.0.85fe'), offline('0.0.85ff')]}),
      findings: [
        {severity: 'warning', message: 'offline DASDs of unknown identity there: 0.0.85fe, 0.0.85ff', data: {unknownOfflineBusIds: ['0.0.85fe', '0.0.85ff']}},
      ],
    },
    {
      name: 'offline device at a source alias bus-ID (alias/UID unreadable offline) is set online',
      domain: guest(vda),
      source,
      destination: emptyFacts('dst', {dasd: [...basesThere, hyperpavAlias('0.0.75fe', LCU_E9), offline('0.0.75ff')]}),
      findings: [
        {
          severity: 'action',
          message:
            "1 alias device(s) of control unit IBM.75000000092461.e900 are offline on dst (0.0.75ff; 0.0.75ff recognised by the source's alias bus-IDs only)",
          data: {busIds: ['0.0.75ff'], inferredBusIds: ['0.0.75ff']},
          fix: {kind: 'set-dasd-online', busIds: ['0.0.75ff']},
        },
      ],
    },
  ],
})

describe('rule dasd-alias-offline remedy', () => {
  it('gives the chzdev command for the offline aliases', () => {
    const [finding] = evaluate(
      [dasdAliasOffline],
      makeContext({domain: guest(vda), source, destination: emptyFacts('dst', {dasd: [...basesThere, hyperpavAlias('0.0.75fe', LCU_E9, false)]})}),
    )
    expect(finding.remedy).to.equal("chzdev -e dasd 0.0.75fe on dst (zmigrate's plan does this).")
  })
})
