import type {PathProbe} from '../../../src/hosts/facts-types.js'
import {diskSourceMissingOnDestination} from '../../../src/rules/storage/disk-source-missing-on-destination.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {
  GiB,
  WWID_A,
  WWID_B,
  cdrom,
  fileDisk,
  fileProbe,
  localImages,
  mapperLinks,
  missingProbe,
  mpath,
  nfsImages,
  rootMount,
  virtioScsiController,
} from './storage-fixtures.js'

/** A raw block disk as virt-install writes one for an LVM volume or a device node. */
const blockDisk = (dev: string, target = 'vdb', devno = '0x0002') => `<disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='${dev}'/>
      <target dev='${target}' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='${devno}'/>
    </disk>`

/** A block device as the probe reports it: kernel name, size from sysfs, DM UUID for dm devices. */
const blockProbe = (path: string, kernelName: string, sizeBytes: number, dmUuid?: string): PathProbe => ({
  path,
  exists: true,
  fileType: 'block',
  kernelName,
  sizeBytes,
  ...(dmUuid ? {dmUuid} : {}),
})

// The guest: a device node next to the images, made with mknod on the source only.
const scratch = '/var/lib/libvirt/scratch/acc1-blk'
// An LVM logical volume (udev's /dev/<vg>/<lv> link to dm-N); its DM UUID is LVM-<VG UUID><LV UUID>.
const lv = '/dev/HostVG/acc1-data'
const LV_UUID = 'LVM-x2Fh6sMBqJ0cYV3n4QHkVXoTbL1DqZ2Rk0a9mE1Yc5pWfT7uN3vH8sJ4dG6bA2eQ'
const OTHER_LV_UUID = 'LVM-x2Fh6sMBqJ0cYV3n4QHkVXoTbL1DqZ2Rq9Zr8Yx7Wv6Ut5Ss4Rr3Qq2Pp1Oo0Nn'

const gpfs = {source: 'kvmfs', target: '/gpfs/kvmfs', fstype: 'gpfs'}
const gpfsImage = '/gpfs/kvmfs/images/acc1.qcow2'
const onGpfs = (host: string) => emptyFacts(host, {mounts: [rootMount, gpfs]})
const nfsImage = '/var/lib/libvirt/images/acc1.qcow2'
const onNfs = (host: string) => emptyFacts(host, {mounts: [rootMount, nfsImages]})

const kernel = '/var/lib/libvirt/boot/acc1-vmlinuz'
const initrd = '/var/lib/libvirt/boot/acc1-initrd.img'
const directBoot = {os: `<kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>root=/dev/vda1</cmdline>`}
const bootFile = (path: string, sizeBytes: number): PathProbe => ({path, exists: true, fileType: 'regular', sizeBytes})
const bootDir = '/var/lib/libvirt/boot'

const dasdByPath = '/dev/disk/by-path/ccw-0.0.7500'
const mpathA = mpath('mpatha', WWID_A, 'dm-0')
const mpathB = mpath('mpathb', WWID_B, 'dm-3')

ruleTester(diskSourceMissingOnDestination, {
  valid: [
    {
      name: 'LVM volume with the same DM UUID on both hosts',
      domain: guest(blockDisk(lv)),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID)],
      destinationProbes: [blockProbe(lv, 'dm-5', 20 * GiB, LV_UUID)],
    },
    {
      name: 'device node present on both hosts with the same size',
      domain: guest(blockDisk(scratch)),
      sourceProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
      destinationProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
    },
    {
      name: 'a local writable image is copied (local-disk-copy), even with nothing at its path on the destination',
      domain: guest(fileDisk('/var/lib/libvirt/images/acc1.qcow2')),
      source: emptyFacts('src', {mounts: [rootMount, localImages]}),
      destinationProbes: [missingProbe('/var/lib/libvirt/images/acc1.qcow2', '/var/lib/libvirt/images')],
    },
    {
      name: 'a block device detached for the migration',
      domain: guest(blockDisk(scratch)),
      sourceProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
      destinationProbes: [missingProbe(scratch, '/var/lib/libvirt')],
      profile: {detachForMigration: [{kind: 'disk', target: 'vdb'}]},
    },
    {
      name: 'a shared image detached for the migration',
      domain: guest(fileDisk(gpfsImage)),
      source: onGpfs('src'),
      destination: onGpfs('dst'),
      destinationProbes: [missingProbe(gpfsImage, '/gpfs/kvmfs')],
      profile: {detachForMigration: [{source: gpfsImage}]},
    },
    {
      name: "a local ISO is disk-copy-readonly's",
      domain: guest(virtioScsiController + cdrom('/var/lib/libvirt/images/rhel.iso')),
      source: emptyFacts('src', {mounts: [rootMount, localImages]}),
      destinationProbes: [missingProbe('/var/lib/libvirt/images/rhel.iso', '/var/lib/libvirt/images')],
    },
    {
      name: "a DASD is the dasd-* rules' (even when its node is missing on the destination)",
      domain: guest(dasdDisk(dasdByPath)),
      destinationProbes: [missingProbe(dasdByPath, '/dev/disk/by-path')],
    },
    {
      name: "a multipath LUN is scsi-lun-missing-on-destination's",
      domain: guest(blockDisk(`/dev/disk/by-id/dm-uuid-mpath-${WWID_A}`)),
      source: emptyFacts('src', {multipath: [mpathA], deviceLinks: mapperLinks(mpathA)}),
      destinationProbes: [missingProbe(`/dev/disk/by-id/dm-uuid-mpath-${WWID_A}`, '/dev/disk/by-id')],
    },
    {name: "a single-path /dev/sdX node is scsi-dm-node's", domain: guest(blockDisk('/dev/sdc')), destinationProbes: [missingProbe('/dev/sdc', '/dev')]},
    {
      name: "an image on another NFS export is nfs-not-shared's",
      domain: guest(fileDisk(nfsImage)),
      source: onNfs('src'),
      destination: emptyFacts('dst', {mounts: [rootMount, {...nfsImages, source: 'nfs2.example.com:/export/kvm/images'}]}),
      destinationProbes: [missingProbe(nfsImage, '/var/lib/libvirt/images')],
    },
    {
      name: 'image on the same NFS export, present on the destination',
      domain: guest(fileDisk(nfsImage)),
      source: onNfs('src'),
      destination: onNfs('dst'),
      destinationProbes: [fileProbe(nfsImage, 'qcow2', 20 * GiB)],
    },
    {
      name: 'image on GPFS, present on the destination',
      domain: guest(fileDisk(gpfsImage)),
      source: onGpfs('src'),
      destination: onGpfs('dst'),
      destinationProbes: [fileProbe(gpfsImage, 'qcow2', 20 * GiB)],
    },
    {
      name: 'GlusterFS under its fstab name on one host and its /proc/mounts name on the other',
      domain: guest(fileDisk('/gluster/images/acc1.qcow2')),
      source: emptyFacts('src', {mounts: [rootMount, {source: 'gl1:/kvm', target: '/gluster', fstype: 'fuse.glusterfs'}]}),
      destination: emptyFacts('dst', {mounts: [rootMount, {source: 'gl1:/kvm', target: '/gluster', fstype: 'glusterfs'}]}),
      destinationProbes: [fileProbe('/gluster/images/acc1.qcow2', 'qcow2', 20 * GiB)],
    },
    {
      name: 'kernel and initrd present on the destination, same sizes',
      domain: guest(blockDisk(lv, 'vda', '0x0001'), directBoot),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID), bootFile(kernel, 11_534_336), bootFile(initrd, 48_234_496)],
      destinationProbes: [blockProbe(lv, 'dm-5', 20 * GiB, LV_UUID), bootFile(kernel, 11_534_336), bootFile(initrd, 48_234_496)],
    },
    {
      name: "the profile maps the volume to the destination's node, which maps the same DM UUID",
      domain: guest(blockDisk(lv)),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID)],
      destinationProbes: [blockProbe('/dev/DataVG/acc1-data', 'dm-1', 20 * GiB, LV_UUID)],
      profile: {mappings: [{kind: 'disk-source', from: lv, to: '/dev/DataVG/acc1-data'}]},
    },
    {
      name: 'a network disk has no host path',
      domain: guest(
        `<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='kvm/acc1'/><target dev='vdb' bus='virtio'/></disk>`,
      ),
    },
  ],
  invalid: [
    {
      name: "a block node that exists only on the source (the issue's guest)",
      domain: guest(blockDisk(scratch)),
      sourceProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
      destinationProbes: [missingProbe(scratch, '/var/lib/libvirt')],
      findings: [
        {
          subject: `disk vdb (${scratch})`,
          message: `block device ${scratch} is not copied by the migration, and ${scratch} does not exist on dst`,
          data: {target: 'vdb', path: scratch, destinationPath: scratch, reason: 'missing'},
        },
      ],
    },
    {
      name: 'another logical volume at the same path: the DM UUIDs differ',
      domain: guest(blockDisk(lv)),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID)],
      destinationProbes: [blockProbe(lv, 'dm-2', 20 * GiB, OTHER_LV_UUID)],
      findings: [
        {
          message: `${lv} maps DM UUID ${LV_UUID} on src, but ${lv} maps ${OTHER_LV_UUID} on dst: another device`,
          data: {reason: 'dm-uuid-differs', sourceDmUuid: LV_UUID, destinationDmUuid: OTHER_LV_UUID},
        },
      ],
    },
    {
      name: 'multipath maps known from the facts, not the probe: different WWIDs behind the same node',
      domain: guest(blockDisk('/dev/disk/by-partlabel/acc1-data')),
      source: emptyFacts('src', {multipath: [mpathA]}),
      destination: emptyFacts('dst', {multipath: [mpathB]}),
      sourceProbes: [blockProbe('/dev/disk/by-partlabel/acc1-data', 'dm-0', 100 * GiB)],
      destinationProbes: [blockProbe('/dev/disk/by-partlabel/acc1-data', 'dm-3', 100 * GiB)],
      findings: [{data: {reason: 'dm-uuid-differs', sourceDmUuid: `mpath-${WWID_A}`, destinationDmUuid: `mpath-${WWID_B}`}}],
    },
    {
      name: 'a device-mapper volume on the source, a plain disk at that path on the destination',
      domain: guest(blockDisk(lv)),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID)],
      destinationProbes: [blockProbe(lv, 'sdf', 20 * GiB)],
      findings: [
        {
          message: `${lv} is device-mapper device dm-2 (DM UUID ${LV_UUID}) on src, but ${lv} is sdf, not a device-mapper device on dst: another device`,
          data: {reason: 'not-device-mapper'},
        },
      ],
    },
    {
      name: "the destination's DM UUID is unknown: warning",
      domain: guest(blockDisk(lv)),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID)],
      destinationProbes: [blockProbe(lv, 'dm-4', 20 * GiB)],
      findings: [{severity: 'warning', message: 'its DM UUID is unknown on dst', data: {reason: 'dm-uuid-unknown'}}],
    },
    {
      name: 'a regular file where the source has a block device',
      domain: guest(blockDisk(scratch)),
      sourceProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
      destinationProbes: [{path: scratch, exists: true, fileType: 'regular', sizeBytes: 4 * GiB}],
      findings: [{message: `${scratch} is a regular file on dst, not a block device`, data: {reason: 'not-block'}}],
    },
    {
      name: 'a block device of another size: warning',
      domain: guest(blockDisk(scratch)),
      sourceProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
      destinationProbes: [blockProbe(scratch, 'loop3', 2 * GiB)],
      findings: [
        {severity: 'warning', message: 'is 4 GiB on src but', data: {reason: 'size-differs', sourceSizeBytes: 4 * GiB, destinationSizeBytes: 2 * GiB}},
      ],
    },
    {
      name: 'image on GPFS missing on the destination',
      domain: guest(fileDisk(gpfsImage)),
      source: onGpfs('src'),
      destination: onGpfs('dst'),
      destinationProbes: [missingProbe(gpfsImage, '/gpfs/kvmfs/images')],
      findings: [
        {
          subject: `disk vda (${gpfsImage})`,
          message: `${gpfsImage} is on shared gpfs (/gpfs/kvmfs) and is not copied, but ${gpfsImage} does not exist on dst`,
          data: {reason: 'missing', fstype: 'gpfs'},
        },
      ],
    },
    {
      name: 'image on GPFS, but the destination has the directory on local xfs',
      domain: guest(fileDisk(gpfsImage)),
      source: onGpfs('src'),
      destination: emptyFacts('dst', {mounts: [rootMount]}),
      destinationProbes: [fileProbe(gpfsImage, 'qcow2', 20 * GiB)],
      findings: [{message: `but ${gpfsImage} is on xfs /dev/mapper/rhel-root (/) on dst`, data: {reason: 'not-shared', destinationFstype: 'xfs'}}],
    },
    {
      name: 'image on the same NFS export, but missing there',
      domain: guest(fileDisk(nfsImage)),
      source: onNfs('src'),
      destination: onNfs('dst'),
      destinationProbes: [missingProbe(nfsImage, '/var/lib/libvirt/images')],
      findings: [
        {
          message: `${nfsImage} is on shared nfs4 (/var/lib/libvirt/images) and is not copied, but ${nfsImage} does not exist on dst`,
          data: {reason: 'missing'},
        },
      ],
    },
    {
      name: 'a shareable image on GPFS that is a directory on the destination',
      domain: guest(fileDisk(gpfsImage, 'vdb', {extra: '<shareable/>'})),
      source: onGpfs('src'),
      destination: onGpfs('dst'),
      destinationProbes: [{path: gpfsImage, exists: true, fileType: 'directory'}],
      findings: [{message: 'is a directory on dst', data: {reason: 'directory'}}],
    },
    {
      name: 'kernel and initrd missing on the destination',
      domain: guest(blockDisk(lv, 'vda', '0x0001'), directBoot),
      sourceProbes: [blockProbe(lv, 'dm-2', 20 * GiB, LV_UUID), bootFile(kernel, 11_534_336), bootFile(initrd, 48_234_496)],
      destinationProbes: [blockProbe(lv, 'dm-5', 20 * GiB, LV_UUID), missingProbe(kernel, bootDir), missingProbe(initrd, bootDir)],
      findings: [
        {
          subject: `os kernel ${kernel}`,
          message: `QEMU opens the kernel ${kernel} when the guest starts on dst, and it does not exist there`,
          data: {kind: 'kernel', path: kernel, reason: 'missing'},
        },
        {subject: `os initrd ${initrd}`, data: {kind: 'initrd', reason: 'missing'}},
      ],
    },
    {
      name: "NVRAM missing: copy the source's variables, not a template",
      domain: guest('', {
        os: `<loader readonly='yes' type='pflash'>/usr/share/edk2/QEMU_EFI.fd</loader><nvram>/var/lib/libvirt/qemu/nvram/acc1_VARS.fd</nvram>`,
      }),
      destinationProbes: [
        bootFile('/usr/share/edk2/QEMU_EFI.fd', 2 * 1024 ** 2),
        missingProbe('/var/lib/libvirt/qemu/nvram/acc1_VARS.fd', '/var/lib/libvirt/qemu'),
      ],
      findings: [{subject: 'os nvram /var/lib/libvirt/qemu/nvram/acc1_VARS.fd', data: {kind: 'nvram', reason: 'missing'}}],
    },
    {
      name: 'a loader path that is a directory on the destination',
      domain: guest('', {os: `<loader readonly='yes'>/usr/share/s390-tools/bootloader</loader>`}),
      destinationProbes: [{path: '/usr/share/s390-tools/bootloader', exists: true, fileType: 'directory'}],
      findings: [{subject: 'os loader', message: 'is a directory there', data: {reason: 'directory'}}],
    },
    {
      name: 'another kernel on the destination: warning',
      domain: guest('', {os: `<kernel>${kernel}</kernel>`}),
      sourceProbes: [bootFile(kernel, 11_534_336)],
      destinationProbes: [bootFile(kernel, 11_010_048)],
      findings: [{severity: 'warning', message: 'is 11 MiB on src but 10.5 MiB on dst', data: {reason: 'size-differs'}}],
    },
    {
      name: 'not probed on the destination: warning',
      domain: guest(blockDisk(scratch), {os: `<kernel>${kernel}</kernel>`}),
      sourceProbes: [blockProbe(scratch, 'loop3', 4 * GiB)],
      findings: [
        {severity: 'warning', message: `block device ${scratch} is not copied, and ${scratch} was not probed on dst`, data: {reason: 'not-probed'}},
        {severity: 'warning', subject: `os kernel ${kernel}`, message: 'was not probed on dst'},
      ],
    },
    {
      name: 'the probe could not look: warning with its reason',
      domain: guest(fileDisk(gpfsImage)),
      source: onGpfs('src'),
      destination: onGpfs('dst'),
      destinationProbes: [{path: gpfsImage, exists: false, fileType: 'other', error: 'no probe result (output cut short)'}],
      findings: [{severity: 'warning', message: 'could not be probed on dst: no probe result (output cut short)'}],
    },
  ],
})
