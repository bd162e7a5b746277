import {scsiDmNode} from '../../../src/rules/storage/scsi-dm-node.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {WWID_A, mapperLinks, mpath} from './storage-fixtures.js'

// Source: LUN WWID_A reached over four FCP paths (sda..sdd) as map dm-0.
const mapA = mpath(WWID_A, WWID_A, 'dm-0')
const source = emptyFacts('src', {
  multipath: [mapA],
  deviceLinks: [
    ...mapperLinks(mapA),
    {path: '/dev/disk/by-path/ccw-0.0.1700-fc-0x500507630300c562-lun-0x4010403200000000', target: 'sda'},
    {path: `/dev/disk/by-id/scsi-${WWID_A}`, target: 'sda'},
    {path: `/dev/disk/by-id/wwn-0x${WWID_A.slice(1)}`, target: 'sdb'},
    {path: '/dev/disk/by-uuid/2f0e7c4a-4c1e-4d8e-9a57-0d8a2f0e7c4a', target: 'sdc1'},
  ],
})
const lun = (path: string) => guest(dasdDisk(path))

ruleTester(scsiDmNode, {
  valid: [
    {name: '/dev/mapper/<wwid>', domain: lun(`/dev/mapper/${WWID_A}`), source},
    {name: 'dm-uuid-mpath-<wwid>', domain: lun(`/dev/disk/by-id/dm-uuid-mpath-${WWID_A}`), source},
    {name: 'dm-name-<name>', domain: lun('/dev/disk/by-id/dm-name-mpatha'), source},
    {name: 'DASD by-path node (ccw without fc/zfcp)', domain: lun('/dev/disk/by-path/ccw-0.0.7500'), source},
    {
      name: 'scsi-<wwid> by-id link that multipath points at the map',
      domain: lun(`/dev/disk/by-id/scsi-${WWID_A}`),
      source: emptyFacts('src', {multipath: [mapA], deviceLinks: [{path: `/dev/disk/by-id/scsi-${WWID_A}`, target: 'dm-0'}]}),
    },
    {
      name: 'file image',
      domain: guest(
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/sda.qcow2'/><target dev='vda' bus='virtio'/></disk>`,
      ),
      source,
    },
  ],
  invalid: [
    {
      name: '/dev/sdX, with the multipath node to use instead',
      domain: lun('/dev/sda'),
      source,
      findings: [
        {
          subject: 'disk vda (/dev/sda)',
          message: `/dev/sda is a SCSI disk name assigned in detection order; it is a path of multipath map ${WWID_A}`,
          data: {kernelDevice: 'sda', wwid: WWID_A, suggestedPath: `/dev/disk/by-id/dm-uuid-mpath-${WWID_A}`},
        },
      ],
    },
    {name: '/dev/dm-N', domain: lun('/dev/dm-0'), source, findings: [{message: 'device-mapper minor number assigned per host', data: {wwid: WWID_A}}]},
    {
      name: 'zfcp by-path (fc form)',
      domain: lun('/dev/disk/by-path/ccw-0.0.1700-fc-0x500507630300c562-lun-0x4010403200000000'),
      source,
      findings: [{message: 'names one FCP path', data: {kernelDevice: 'sda'}}],
    },
    {
      name: 'zfcp by-path (udev path_id zfcp form)',
      domain: lun('/dev/disk/by-path/ccw-0.0.1700-zfcp-0x500507630300c562:0x4010403200000000'),
      source,
      findings: [{message: 'names one FCP path'}],
    },
    {
      name: 'scsi-<wwid> link to a path device',
      domain: lun(`/dev/disk/by-id/scsi-${WWID_A}`),
      source,
      findings: [{message: 'single-path SCSI node (it resolves to sda)'}],
    },
    {name: 'wwn- link', domain: lun(`/dev/disk/by-id/wwn-0x${WWID_A.slice(1)}`), source, findings: [{data: {kernelDevice: 'sdb'}}]},
    {
      name: 'by-uuid link that resolves to an sd partition',
      domain: lun('/dev/disk/by-uuid/2f0e7c4a-4c1e-4d8e-9a57-0d8a2f0e7c4a'),
      source,
      findings: [{message: 'resolves to the SCSI disk sdc1'}],
    },
    {name: 'partition of an sd device', domain: lun('/dev/sdd1'), source, findings: [{data: {wwid: WWID_A}}]},
  ],
})
