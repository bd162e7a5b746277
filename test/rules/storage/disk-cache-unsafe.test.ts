import {diskCacheUnsafe} from '../../../src/rules/storage/disk-cache-unsafe.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {cdrom, fileDisk, localImages, nfsImages, rootMount, virtioScsiController} from './storage-fixtures.js'

const image = '/var/lib/libvirt/images/linux01.qcow2'
// A RHEL 7-era source: libvirt 4.5 with QEMU 2.12 lacks the drop-cache capability, so libvirt refuses.
const oldNfs = emptyFacts('src', {
  mounts: [rootMount, nfsImages],
  libvirt: {reachable: true, uri: 'qemu:///system', version: '4.5.0'},
  qemu: {version: '2.12.0'},
})
const modernNfs = emptyFacts('src', {mounts: [rootMount, nfsImages]})
const unknownNfs = emptyFacts('src', {mounts: [rootMount, nfsImages], libvirt: {reachable: true, uri: 'qemu:///system'}, qemu: {}})
const dasdWriteback = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10').replace("cache='none' io='native'", "cache='writeback'")

ruleTester(diskCacheUnsafe, {
  valid: [
    {name: "cache='none' on NFS", domain: guest(fileDisk(image, 'vda', {cache: 'none'})), source: oldNfs},
    {name: "cache='directsync'", domain: guest(fileDisk(image, 'vda', {cache: 'directsync'})), source: oldNfs},
    {
      name: 'copied local disk is exempt',
      domain: guest(fileDisk(image, 'vda', {cache: 'writeback'})),
      source: emptyFacts('src', {mounts: [rootMount, localImages], qemu: {version: '2.12.0'}}),
    },
    {name: 'read-only disk is exempt', domain: guest(fileDisk(image, 'vda', {cache: 'writeback', extra: '<readonly/>'})), source: oldNfs},
    {name: 'CD-ROM (read-only) is exempt', domain: guest(virtioScsiController + cdrom('/var/lib/libvirt/images/rhel.iso')), source: oldNfs},
    {name: 'shareable disk is exempt', domain: guest(fileDisk(image, 'vda', {cache: 'writeback', extra: '<shareable/>'})), source: oldNfs},
    {
      name: 'image on GFS2 (coherent cluster file system)',
      domain: guest(fileDisk(image, 'vda', {cache: 'writeback'})),
      source: emptyFacts('src', {
        mounts: [rootMount, {source: '/dev/mapper/vg_cluster-lv_images', target: '/var/lib/libvirt/images', fstype: 'gfs2'}],
        qemu: {version: '2.12.0'},
      }),
    },
    {
      name: 'detached for the migration',
      domain: guest(fileDisk(image, 'vda', {cache: 'writeback'})),
      source: oldNfs,
      profile: {detachForMigration: [{target: 'vda'}]},
    },
  ],
  invalid: [
    {
      name: 'writeback on NFS with an old libvirt/QEMU: warning',
      domain: guest(fileDisk(image, 'vda', {cache: 'writeback'})),
      source: oldNfs,
      findings: [
        {
          severity: 'warning',
          subject: `disk vda (${image})`,
          message: 'cache mode writeback: libvirt on src (libvirt 4.5.0 / QEMU 2.12.0) refuses the migration as unsafe',
          data: {cache: 'writeback'},
        },
      ],
    },
    {
      name: 'no cache attribute means QEMU default writeback',
      domain: guest(fileDisk(image)),
      source: oldNfs,
      findings: [{severity: 'warning', message: 'cache mode default (writeback)', data: {cache: 'default'}}],
    },
    {
      name: 'versions unknown: may refuse',
      domain: guest(fileDisk(image, 'vda', {cache: 'writethrough'})),
      source: unknownNfs,
      findings: [{severity: 'warning', message: 'may refuse'}],
    },
    {name: 'DASD with writeback', domain: guest(dasdWriteback), source: oldNfs, findings: [{severity: 'warning', message: 'cache mode writeback'}]},
    {
      name: 'site policy passes --unsafe: info',
      domain: guest(fileDisk(image, 'vda', {cache: 'unsafe'})),
      source: oldNfs,
      migration: {unsafe: true},
      findings: [{severity: 'info', message: 'the site policy passes --unsafe'}],
    },
    {
      name: 'libvirt ≥ 5.6 with QEMU ≥ 4.0 drops the page cache: info',
      domain: guest(fileDisk(image, 'vda', {cache: 'writeback'})),
      source: modernNfs,
      findings: [{severity: 'info', message: 'libvirt 9.0.0 / QEMU 7.2.0 on src drops the page cache on switch-over'}],
    },
  ],
})
