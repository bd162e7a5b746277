import {dasdMissingOnDestination} from '../../../src/rules/storage/dasd-missing-on-destination.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {UID_7500, UID_7501, UID_OTHER, base, dasdLinks, offline} from './storage-fixtures.js'

const source = emptyFacts('src', {
  dasd: [base('0.0.7500', UID_7500, 'dasda'), base('0.0.7501', UID_7501, 'dasdb')],
  deviceLinks: [
    ...dasdLinks('0.0.7500', UID_7500, 'dasda'),
    ...dasdLinks('0.0.7501', UID_7501, 'dasdb'),
    {path: '/dev/disk/by-id/ccw-0XE910', target: 'dasda'},
  ],
})
const destinationWithBoth = emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda'), base('0.0.8501', UID_7501, 'dasdb')]})

ruleTester(dasdMissingOnDestination, {
  valid: [
    {name: 'by-id volume present under another bus-ID', domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)), source, destination: destinationWithBoth},
    {
      name: 'VOLSER node resolved on the source, volume present',
      domain: guest(dasdDisk('/dev/disk/by-id/ccw-0XE910')),
      source,
      destination: destinationWithBoth,
    },
    {name: '/dev/dasdX resolved on the source, volume present', domain: guest(dasdDisk('/dev/dasdb')), source, destination: destinationWithBoth},
    {
      name: 'volume present but offline (dasd-base-offline handles it)',
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)),
      source,
      destination: emptyFacts('dst', {dasd: [{...base('0.0.8500', UID_7500, 'dasda'), online: false}]}),
    },
    {
      name: 'by-path bus-ID offline with unreadable UID (dasd-base-offline handles it)',
      domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500')),
      source,
      destination: emptyFacts('dst', {dasd: [offline('0.0.7500')]}),
    },
    {
      name: 'XUID on the destination matches the 4-field UID node',
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)),
      source: emptyFacts('src'),
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', `${UID_7500}.0000000100000000`, 'dasda')]}),
    },
    {
      name: "by-id: the source's bus-ID is offline there (dasd-base-offline handles it)",
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)),
      source,
      destination: emptyFacts('dst', {dasd: [offline('0.0.7500')]}),
    },
    {
      name: 'multipath SCSI disk is not a DASD',
      domain: guest(dasdDisk('/dev/mapper/36005076305ffc1ae00000000000021d5')),
      source,
      destination: emptyFacts('dst'),
    },
  ],
  invalid: [
    {
      name: 'volume on no bus-ID of the destination',
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`)),
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8501', UID_7501, 'dasda')]}),
      findings: [
        {
          subject: `disk vda (/dev/disk/by-id/ccw-${UID_7500})`,
          message: `volume ${UID_7500} (0.0.7500 on src) is on no bus-ID of dst`,
          data: {uid: UID_7500, sourceBusId: '0.0.7500', unknownOfflineBusIds: []},
        },
      ],
    },
    {
      name: 'UID taken from the by-id name when the source facts lack the DASD',
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7501}-part1`, 'vdb', '0x7501')),
      source: emptyFacts('src'),
      destination: emptyFacts('dst'),
      findings: [{subject: 'vdb', data: {uid: UID_7501}}],
    },
    {
      name: 'by-path bus-ID is another volume there: the node would open the wrong disk',
      domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500')),
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.7500', UID_OTHER, 'dasda')]}),
      findings: [{message: `0.0.7500 there is volume ${UID_OTHER}, so /dev/disk/by-path/ccw-0.0.7500 would open the wrong volume`}],
    },
    {
      name: 'offline DASDs of unknown identity are listed as candidates',
      domain: guest(dasdDisk('/dev/dasda')),
      source,
      destination: emptyFacts('dst', {dasd: [offline('0.0.9000'), offline('0.0.9001')]}),
      findings: [{message: '2 offline DASD(s) there have no readable UID: 0.0.9000, 0.0.9001', data: {unknownOfflineBusIds: ['0.0.9000', '0.0.9001']}}],
    },
    {
      name: 'two disks, one missing',
      domain: guest(dasdDisk(`/dev/disk/by-id/ccw-${UID_7500}`) + dasdDisk(`/dev/disk/by-id/ccw-${UID_7501}`, 'vdb', '0x7501')),
      source,
      destination: emptyFacts('dst', {dasd: [base('0.0.8500', UID_7500, 'dasda')]}),
      findings: [{subject: 'vdb', data: {uid: UID_7501}}],
    },
  ],
})
