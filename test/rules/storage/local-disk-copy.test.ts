import {localDiskCopy} from '../../../src/rules/storage/local-disk-copy.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {GiB, cdrom, fileDisk, fileProbe, localImages, nfsImages, rootMount, virtioScsiController} from './storage-fixtures.js'

const image = '/var/lib/libvirt/images/linux01.qcow2'
const local = emptyFacts('src', {mounts: [rootMount, localImages]})
const probe = fileProbe(image, 'qcow2', 20 * GiB, {actualSizeBytes: 6 * GiB})
const nvme = `<disk type='nvme' device='disk'>
      <driver name='qemu' type='raw'/>
      <source type='pci' managed='yes' namespace='1'><address domain='0x0004' bus='0x00' slot='0x00' function='0x0'/></source>
      <target dev='vdc' bus='virtio'/>
    </disk>`

ruleTester(localDiskCopy, {
  valid: [
    {name: 'image on NFS', domain: guest(fileDisk(image)), source: emptyFacts('src', {mounts: [rootMount, nfsImages]})},
    {
      name: 'image on GFS2',
      domain: guest(fileDisk(image)),
      source: emptyFacts('src', {mounts: [rootMount, {source: '/dev/mapper/vg_cluster-lv_images', target: '/var/lib/libvirt/images', fstype: 'gfs2'}]}),
    },
    {name: 'DASD block disk', domain: guest(dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')), source: local},
    {name: 'read-only local image (disk-copy-readonly)', domain: guest(fileDisk(image, 'vda', {extra: '<readonly/>'})), source: local},
    {name: 'CD-ROM with a local ISO (disk-copy-readonly)', domain: guest(virtioScsiController + cdrom('/var/lib/libvirt/images/rhel.iso')), source: local},
    {
      name: 'a shut-off guest whose image is on NFS',
      domain: guest(fileDisk(image)),
      state: 'shut off',
      source: emptyFacts('src', {mounts: [rootMount, nfsImages]}),
    },
    {
      name: 'disk the profile detaches for the migration',
      domain: guest(fileDisk(image)),
      source: local,
      profile: {detachForMigration: [{kind: 'disk', target: 'vda'}]},
    },
  ],
  invalid: [
    {
      name: 'a shut-off guest migrates offline (definition only): its local image would stay behind',
      domain: guest(fileDisk(image)),
      state: 'shut off',
      source: local,
      sourceProbes: [probe],
      findings: [
        {
          severity: 'blocker',
          subject: `disk vda (${image})`,
          message: `${image} (qcow2, 20 GiB) is on local xfs (/var/lib/libvirt/images), and the guest is shut off: an offline migration moves only its definition, so dst would define it on an image it does not have`,
          data: {target: 'vda', path: image, format: 'qcow2', virtualSizeBytes: 20 * GiB},
        },
      ],
    },
    {
      name: 'migration.mode offline moves a running guest offline too',
      domain: guest(fileDisk(image)),
      source: local,
      migration: {mode: 'offline'},
      findings: [{severity: 'blocker', message: 'an offline migration moves only its definition'}],
    },
    {
      name: 'local qcow2 image: the plan copies it',
      domain: guest(fileDisk(image)),
      source: local,
      sourceProbes: [probe],
      findings: [
        {
          severity: 'action',
          subject: `disk vda (${image})`,
          message: `${image} (qcow2, 20 GiB) is on local xfs (/var/lib/libvirt/images) and is copied to dst during the migration`,
          data: {target: 'vda', path: image, format: 'qcow2', virtualSizeBytes: 20 * GiB},
          fix: {kind: 'copy-disk', target: 'vda', path: image},
        },
      ],
    },
    {
      name: 'no mount facts: treated as local, format from the XML',
      domain: guest(fileDisk('/var/lib/libvirt/images/data.raw', 'vdb', {format: 'raw'})),
      findings: [{data: {format: 'raw', target: 'vdb'}, fix: {kind: 'copy-disk', target: 'vdb', path: '/var/lib/libvirt/images/data.raw'}}],
    },
    {
      name: 'the XML declares the format: a probe that read another one gives no size',
      domain: guest(fileDisk('/var/lib/libvirt/images/data.img', 'vdb', {format: 'raw'})),
      source: local,
      sourceProbes: [fileProbe('/var/lib/libvirt/images/data.img', 'qcow2', 1024 ** 5)],
      findings: [{severity: 'action', message: 'data.img is on local xfs', data: {format: 'raw'}}],
    },
    {
      name: 'no <driver type>: raw, as libvirt opens it',
      domain: guest(fileDisk(image).replace(/ type='qcow2'/, '')),
      source: local,
      findings: [{severity: 'action', data: {format: 'raw'}}],
    },
    {
      name: 'a format QEMU does not read blocks the copy, named',
      domain: guest(fileDisk(image, 'vda', {format: 'qcow2 -o backing_file=/etc/shadow'})),
      source: local,
      findings: [
        {
          severity: 'blocker',
          message: `vda must be copied to dst, but its <driver type="qcow2 -o backing_file=/etc/shadow"> is not a disk image format QEMU reads (raw, qcow2,`,
        },
      ],
    },
    {
      name: 'an image qemu-img cannot read as the declared format blocks the copy',
      domain: guest(fileDisk(image)),
      source: local,
      sourceProbes: [
        {
          path: image,
          exists: true,
          fileType: 'regular',
          sizeBytes: 20 * GiB,
          error: `qemu-img info -f qcow2 failed: qemu-img: Could not open '${image}': Image is not in qcow2 format`,
        },
      ],
      findings: [{severity: 'blocker', message: `${image} must be copied to dst, but cannot be read as qcow2 on src: qemu-img info -f qcow2 failed`}],
    },
    {
      name: 'a path that is not absolute (it would read as an option of qemu-img) blocks the copy',
      domain: guest(fileDisk('-obacking_file=/etc/hostname')),
      source: local,
      findings: [{severity: 'blocker', message: '"-obacking_file=/etc/hostname" must be copied to dst, but is not an absolute path'}],
    },
    {
      name: 'copy-storage: never turns it into a blocker',
      domain: guest(fileDisk(image)),
      source: local,
      sourceProbes: [probe],
      migration: {copyStorage: 'never'},
      findings: [{severity: 'blocker', message: 'the site policy says copy-storage: never', fix: null}],
    },
    {
      name: 'NVMe namespace',
      domain: guest(nvme),
      source: local,
      findings: [
        {
          subject: 'disk vdc',
          message: 'NVMe disk nvme 0004:00:00.0 namespace 1 is host-local',
          data: {path: 'nvme 0004:00:00.0 namespace 1'},
          fix: {kind: 'copy-disk', target: 'vdc'},
        },
      ],
    },
    {
      name: 'shareable local image cannot be copied',
      domain: guest(fileDisk('/var/lib/libvirt/images/cluster-quorum.raw', 'vdb', {format: 'raw', cache: 'none', extra: '<shareable/>'})),
      source: local,
      findings: [{severity: 'blocker', message: 'but shareable: libvirt does not copy shareable disks', fix: null}],
    },
    {
      name: 'only the non-detached disk of two',
      domain: guest(fileDisk(image) + fileDisk('/var/lib/libvirt/images/scratch.qcow2', 'vdb', {devno: '0x0003'})),
      source: local,
      profile: {detachForMigration: [{kind: 'disk', source: '/var/lib/libvirt/images/scratch.qcow2'}]},
      findings: [{subject: 'vda'}],
    },
  ],
})
