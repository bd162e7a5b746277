import type {PathProbe} from '../../../src/hosts/facts-types.js'
import {diskCopyReadonly} from '../../../src/rules/storage/disk-copy-readonly.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {MiB, cdrom, fileDisk, localImages, nfsImages, rootMount, virtioScsiController} from './storage-fixtures.js'

const iso = '/var/lib/libvirt/images/rhel-9.4-s390x-dvd.iso'
const golden = '/var/lib/libvirt/images/golden-base.raw'
const local = emptyFacts('src', {mounts: [rootMount, localImages]})
const isoProbe = (size: number): PathProbe => ({path: iso, exists: true, fileType: 'regular', sizeBytes: size})
const missing = (path: string): PathProbe => ({path, exists: false, fileType: 'missing', existingParent: '/var/lib/libvirt/images'})
const withIso = guest(virtioScsiController + cdrom(iso))
const readonlyImage = guest(fileDisk(golden, 'vdb', {format: 'raw', extra: '<readonly/>'}))

ruleTester(diskCopyReadonly, {
  valid: [
    {name: 'same ISO on the destination', domain: withIso, source: local, sourceProbes: [isoProbe(9300 * MiB)], destinationProbes: [isoProbe(9300 * MiB)]},
    {name: 'empty CD-ROM drive', domain: guest(virtioScsiController + cdrom(undefined)), source: local},
    {name: 'ISO on NFS (shared)', domain: withIso, source: emptyFacts('src', {mounts: [rootMount, nfsImages]}), destinationProbes: [missing(iso)]},
    {name: 'writable local disk (local-disk-copy)', domain: guest(fileDisk('/var/lib/libvirt/images/a.qcow2')), source: local},
    {
      name: 'read-only image present, sizes unknown',
      domain: readonlyImage,
      source: local,
      destinationProbes: [{path: golden, exists: true, fileType: 'regular'}],
    },
    {
      name: 'CD-ROM detached for the migration',
      domain: withIso,
      source: local,
      destinationProbes: [missing(iso)],
      profile: {detachForMigration: [{kind: 'disk', model: 'cdrom'}]},
    },
  ],
  invalid: [
    {
      name: 'ISO missing on the destination',
      domain: withIso,
      source: local,
      destinationProbes: [missing(iso)],
      findings: [
        {
          subject: `disk sda (${iso})`,
          message: `cdrom medium ${iso} is not copied by the migration, and ${iso} does not exist on dst`,
          data: {target: 'sda', path: iso},
        },
      ],
    },
    {
      name: 'ISO of another size on the destination: warning',
      domain: withIso,
      source: local,
      sourceProbes: [isoProbe(9300 * MiB)],
      destinationProbes: [isoProbe(8900 * MiB)],
      findings: [{severity: 'warning', message: 'is 9.1 GiB on src but', data: {sourceSizeBytes: 9300 * MiB, destinationSizeBytes: 8900 * MiB}}],
    },
    {
      name: 'read-only local image missing',
      domain: readonlyImage,
      source: local,
      destinationProbes: [missing(golden)],
      findings: [{message: 'read-only image'}],
    },
    {name: 'not probed on the destination: warning', domain: withIso, source: local, findings: [{severity: 'warning', message: 'was not probed on dst'}]},
    {
      name: 'mapped to another path that is missing',
      domain: withIso,
      source: local,
      destinationProbes: [missing('/srv/iso/rhel-9.4-s390x-dvd.iso')],
      profile: {mappings: [{kind: 'disk-source', from: iso, to: '/srv/iso/rhel-9.4-s390x-dvd.iso'}]},
      findings: [{message: '/srv/iso/rhel-9.4-s390x-dvd.iso does not exist on dst', data: {destinationPath: '/srv/iso/rhel-9.4-s390x-dvd.iso'}}],
    },
  ],
})
