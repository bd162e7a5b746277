import {dasdDevnoMismatch} from '../../../src/rules/storage/dasd-devno-mismatch.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {UID_7500, UID_OTHER, base, dasdLinks, offline} from './storage-fixtures.js'

// Source LPAR: volume UID_7500 is device 0.0.7500 (dasda).
const source = emptyFacts('src', {dasd: [base('0.0.7500', UID_7500, 'dasda')], deviceLinks: dasdLinks('0.0.7500', UID_7500, 'dasda')})
const byPath = guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500'))

ruleTester(dasdDevnoMismatch, {
  valid: [
    {
      name: 'same device number on both hosts',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_7500, 'dasdc')], deviceLinks: dasdLinks('0.0.7500', UID_7500, 'dasdc')}),
    },
    {
      name: 'by-id node: the device number does not matter',
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)),
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda')]}),
    },
    {
      name: 'volume nowhere on the destination (dasd-missing-on-destination reports it)',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_OTHER, 'dasda')]}),
    },
    {
      name: 'same bus-ID, offline there (dasd-base-offline handles it)',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [{...base('0.0.7500', UID_7500, 'dasda'), online: false}]}),
    },
    {
      name: 'profile maps the disk source to the destination bus-ID',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda')]}),
      profile: {mappings: [{kind: 'disk-source', from: '/dev/disk/by-path/ccw-0.0.7500', to: '/dev/disk/by-path/ccw-0.0.8500'}]},
    },
    {
      name: 'source cannot resolve the by-path node (no UID to compare)',
      domain: byPath,
      source: emptyFacts('src'),
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda')]}),
    },
  ],
  invalid: [
    {
      name: 'IOCDS numbers differ: the bus-ID is another volume on the destination',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_OTHER, 'dasda'), base('0.0.8500', UID_7500, 'dasdb')]}),
      findings: [
        {
          subject: 'disk vda (/dev/disk/by-path/ccw-0.0.7500)',
          message: `that volume is 0.0.8500 and 0.0.7500 is volume ${UID_OTHER} there`,
          data: {uid: UID_7500, sourceBusId: '0.0.7500', destinationBusIds: ['0.0.8500'], destinationUidAtBusId: UID_OTHER},
        },
      ],
    },
    {
      name: 'bus-ID absent on the destination, volume under another one',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda')]}),
      findings: [{message: /0\.0\.7500 does not exist there/, data: {destinationBusIds: ['0.0.8500']}}],
    },
    {
      name: 'bus-ID offline (UID unreadable) while the volume is online elsewhere',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [offline('0.0.7500'), base('0.0.8500', UID_7500, 'dasda')]}),
      findings: [{message: 'offline there (UID unreadable)'}],
    },
    {
      name: 'partition node; remedy names the by-id node',
      domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500-part1')),
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda')]}),
      findings: [{subject: 'ccw-0.0.7500-part1', data: {sourceBusId: '0.0.7500'}}],
    },
    {
      name: 'mapping to a by-path node that is still the wrong bus-ID',
      domain: byPath,
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda'), base('0.0.9500', UID_OTHER, 'dasdb')]}),
      profile: {mappings: [{kind: 'disk-source', from: '/dev/disk/by-path/ccw-0.0.7500', to: '/dev/disk/by-path/ccw-0.0.9500'}]},
      findings: [{data: {destinationBusIds: ['0.0.8500']}}],
    },
  ],
})
