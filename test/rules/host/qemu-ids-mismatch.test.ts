import {qemuIdsMismatch} from '../../../src/rules/host/qemu-ids-mismatch.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const dasd = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const fileDisk = (path: string, dev = 'vda') =>
  `<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native'/><source file='${path}'/><target dev='${dev}' bus='virtio'/></disk>`
const nfsMount = {source: 'nfs01.example.com:/export/images', target: '/var/lib/libvirt/images/shared', fstype: 'nfs4'}
/** Debian/Ubuntu's libvirt-qemu user against RHEL/SLES's qemu user. */
const debianIds = {user: 'libvirt-qemu', group: 'kvm', uid: 64055, gid: 994}

ruleTester(qemuIdsMismatch, {
  valid: [
    {
      name: 'same ids (107:107 on both)',
      domain: guest(fileDisk('/var/lib/libvirt/images/shared/linux01.qcow2')),
      source: emptyFacts('src', {mounts: [nfsMount]}),
    },
    {name: 'destination ids unknown', domain: guest(dasd), destination: emptyFacts('dst', {qemuIds: undefined})},
    {name: 'uid unknown on one side, gid equal', domain: guest(dasd), destination: emptyFacts('dst', {qemuIds: {user: 'qemu', gid: 107}})},
  ],
  invalid: [
    {
      name: 'image on NFS and the uids differ',
      domain: guest(fileDisk('/var/lib/libvirt/images/shared/linux01.qcow2')),
      source: emptyFacts('src', {mounts: [{source: '/dev/dasda1', target: '/', fstype: 'ext4'}, nfsMount]}),
      destination: emptyFacts('dst', {qemuIds: debianIds, mounts: [nfsMount]}),
      findings: [
        {
          subject: 'disk vda (/var/lib/libvirt/images/shared/linux01.qcow2)',
          message:
            "image on shared nfs4 /var/lib/libvirt/images/shared is owned by numeric ids, and the qemu user's ids differ (src qemu=107:107, dst libvirt-qemu=64055:994)",
          data: {mount: '/var/lib/libvirt/images/shared', destinationUid: 64055},
        },
      ],
    },
    {
      name: 'only the gid differs, NFS mounted on the destination only',
      domain: guest(fileDisk('/var/lib/libvirt/images/shared/linux01.qcow2')),
      destination: emptyFacts('dst', {qemuIds: {user: 'qemu', group: 'qemu', uid: 107, gid: 36}, mounts: [nfsMount]}),
      findings: [{severity: 'blocker', message: 'dst qemu=107:36'}],
    },
    {
      name: 'one local and one shared image: only the shared one is reported',
      domain: guest(fileDisk('/var/lib/libvirt/images/linux01-swap.qcow2', 'vdb') + fileDisk('/var/lib/libvirt/images/shared/linux01.qcow2')),
      source: emptyFacts('src', {mounts: [{source: '/dev/dasda1', target: '/', fstype: 'xfs'}, nfsMount]}),
      destination: emptyFacts('dst', {qemuIds: debianIds}),
      findings: [{subject: 'disk vda'}],
    },
    {
      name: 'ids differ but the guest uses DASDs only: warning',
      domain: guest(dasd),
      destination: emptyFacts('dst', {qemuIds: debianIds}),
      findings: [{severity: 'warning', subject: 'host dst', message: 'guest linux01 has no image on a shared file system'}],
    },
    {
      name: 'a mount point whose name only starts like the image directory is not a match',
      domain: guest(fileDisk('/var/lib/libvirt/images/shared2/linux01.qcow2')),
      source: emptyFacts('src', {mounts: [nfsMount]}),
      destination: emptyFacts('dst', {qemuIds: debianIds}),
      findings: [{severity: 'warning'}],
    },
  ],
})
