import type {GuestSummary} from '../../../src/hosts/facts-types.js'
import {destNameConflict} from '../../../src/rules/host/dest-name-conflict.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
/** The UUID test/support/domain-xml.ts gives every guest. */
const UUID = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01'
const OTHER = '7d1e5a20-3f0b-4c2e-8a51-6b9c0e4d2f10'
const withGuests = (...guests: Omit<GuestSummary, 'xml'>[]) => emptyFacts('dst', {guests: guests.map((g) => ({...g, xml: ''}))})

ruleTester(destNameConflict, {
  valid: [
    {name: 'no guests on the destination', domain: guest(disk)},
    {name: 'other guests only', domain: guest(disk), destination: withGuests({name: 'linux02', uuid: OTHER, state: 'running'})},
  ],
  invalid: [
    {
      name: 'same name, different UUID',
      domain: guest(disk),
      destination: withGuests({name: 'linux01', uuid: OTHER, state: 'shut off'}),
      findings: [
        {subject: 'guest linux01 on dst', message: `dst already has a domain named linux01 with UUID ${OTHER} (shut off); this guest's UUID is ${UUID}`},
      ],
    },
    {
      name: 'stale inactive copy of this guest: warning, it is replaced',
      domain: guest(disk),
      destination: withGuests({name: 'linux01', uuid: UUID, state: 'shut off'}),
      findings: [{severity: 'warning', message: 'inactive definition of linux01 with the same UUID'}],
    },
    {
      name: 'this guest already running on the destination',
      domain: guest(disk),
      destination: withGuests({name: 'linux01', uuid: UUID, state: 'running'}),
      findings: [{severity: 'blocker', message: 'is already running on dst'}],
    },
    {
      name: 'paused copy counts as active',
      domain: guest(disk),
      destination: withGuests({name: 'linux01', uuid: UUID, state: 'paused'}),
      findings: [{severity: 'blocker', message: 'already paused'}],
    },
    {
      name: 'same UUID under another name',
      domain: guest(disk),
      destination: withGuests({name: 'linux01-old', uuid: UUID, state: 'shut off'}),
      findings: [{subject: 'guest linux01-old on dst', message: "has domain linux01-old (shut off) with this guest's UUID"}],
    },
  ],
})
