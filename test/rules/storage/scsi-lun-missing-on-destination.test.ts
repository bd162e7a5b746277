import {scsiLunMissingOnDestination} from '../../../src/rules/storage/scsi-lun-missing-on-destination.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {WWID_A, WWID_B, mapperLinks, mpath} from './storage-fixtures.js'

// Source with user_friendly_names: WWID_A is mpatha (dm-0); WWID_B is named by its WWID (dm-1).
const mpathaSrc = mpath('mpatha', WWID_A, 'dm-0')
const mapBSrc = mpath(WWID_B, WWID_B, 'dm-1', ['sde', 'sdf'])
const source = emptyFacts('src', {
  multipath: [mpathaSrc, mapBSrc],
  deviceLinks: [...mapperLinks(mpathaSrc), ...mapperLinks(mapBSrc), {path: `/dev/disk/by-id/scsi-${WWID_B}`, target: 'dm-1'}],
})
const lun = (path: string) => guest(dasdDisk(path))
const sameNames = emptyFacts('dst', {multipath: [mpath('mpatha', WWID_A, 'dm-3'), mpath(WWID_B, WWID_B, 'dm-2')]})
const swapped = emptyFacts('dst', {multipath: [mpath('mpathb', WWID_A, 'dm-0'), mpath('mpatha', WWID_B, 'dm-1')]})

ruleTester(scsiLunMissingOnDestination, {
  valid: [
    {name: 'same map name and WWID', domain: lun('/dev/mapper/mpatha'), source, destination: sameNames},
    {name: 'dm-uuid-mpath node: the name does not matter', domain: lun(`/dev/disk/by-id/dm-uuid-mpath-${WWID_A}`), source, destination: swapped},
    {name: 'WWID-named map present', domain: lun(`/dev/mapper/${WWID_B}`), source, destination: sameNames},
    {name: 'scsi-<wwid> link to the map, map present by WWID', domain: lun(`/dev/disk/by-id/scsi-${WWID_B}`), source, destination: swapped},
    {name: 'kpartx partition of the map', domain: lun('/dev/mapper/mpathap1'), source, destination: sameNames},
    {
      name: 'profile maps the disk to the destination map name',
      domain: lun('/dev/mapper/mpatha'),
      source,
      destination: swapped,
      profile: {mappings: [{kind: 'disk-source', from: '/dev/mapper/mpatha', to: '/dev/mapper/mpathb'}]},
    },
    {name: 'LVM volume on the host is not a multipath disk', domain: lun('/dev/mapper/rhel-guestdata'), source, destination: emptyFacts('dst')},
  ],
  invalid: [
    {
      name: 'LUN not visible on the destination',
      domain: lun('/dev/mapper/mpatha'),
      source,
      destination: emptyFacts('dst', {multipath: [mpath('mpatha', WWID_B, 'dm-0')]}),
      findings: [
        {
          subject: 'disk vda (/dev/mapper/mpatha)',
          message: `LUN ${WWID_A} (map mpatha on src) is not a multipath map on dst`,
          data: {wwid: WWID_A, reason: 'missing'},
        },
      ],
    },
    {
      name: 'user_friendly_names: the WWID is another mpathX on the destination',
      domain: lun('/dev/mapper/mpatha'),
      source,
      destination: swapped,
      findings: [
        {
          message: `LUN ${WWID_A} is map mpathb on dst, not mpatha, and /dev/mapper/mpatha depends on the DM name (user_friendly_names mpathX names are host-local)`,
          data: {reason: 'name-differs', sourceName: 'mpatha', destinationName: 'mpathb'},
        },
      ],
    },
    {
      name: 'dm-name node, name differs',
      domain: lun('/dev/disk/by-id/dm-name-mpatha'),
      source,
      destination: swapped,
      findings: [{data: {reason: 'name-differs'}}],
    },
    {
      name: 'dm-uuid node, LUN missing',
      domain: lun(`/dev/disk/by-id/dm-uuid-mpath-${WWID_B}`),
      source,
      destination: emptyFacts('dst'),
      findings: [{data: {wwid: WWID_B, reason: 'missing'}}],
    },
    {
      name: 'WWID-named node without source facts still checked',
      domain: lun(`/dev/mapper/${WWID_A}`),
      source: emptyFacts('src'),
      destination: emptyFacts('dst', {multipath: [mpath('mpathc', WWID_A, 'dm-4')]}),
      findings: [{message: `is map mpathc on dst, not ${WWID_A}`}],
    },
  ],
})
