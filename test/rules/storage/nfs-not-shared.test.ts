import {nfsNotShared} from '../../../src/rules/storage/nfs-not-shared.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {cdrom, fileDisk, localImages, nfsImages, rootMount, virtioScsiController} from './storage-fixtures.js'

const image = '/var/lib/libvirt/images/linux01.qcow2'
const source = emptyFacts('src', {mounts: [rootMount, nfsImages]})

ruleTester(nfsNotShared, {
  valid: [
    {name: 'same export at the same mount point', domain: guest(fileDisk(image)), source, destination: emptyFacts('dst', {mounts: [rootMount, nfsImages]})},
    {
      name: 'parent export mounted higher up on the destination: same server file',
      domain: guest(fileDisk(image)),
      source,
      destination: emptyFacts('dst', {mounts: [rootMount, {source: 'nfs1.example.com:/export/kvm', target: '/var/lib/libvirt', fstype: 'nfs'}]}),
    },
    {
      name: "local image is not this rule's business",
      domain: guest(fileDisk(image)),
      source: emptyFacts('src', {mounts: [rootMount, localImages]}),
      destination: emptyFacts('dst', {mounts: [rootMount]}),
    },
    {
      name: "profile maps the image to the export's mount point on the destination",
      domain: guest(fileDisk(image)),
      source,
      destination: emptyFacts('dst', {mounts: [rootMount, {...nfsImages, target: '/srv/kvm'}]}),
      profile: {mappings: [{kind: 'disk-source', from: image, to: '/srv/kvm/linux01.qcow2'}]},
    },
    {name: 'empty CD-ROM', domain: guest(virtioScsiController + cdrom(undefined)), source, destination: emptyFacts('dst')},
  ],
  invalid: [
    {
      name: 'destination has the directory on local xfs',
      domain: guest(fileDisk(image)),
      source,
      destination: emptyFacts('dst', {mounts: [rootMount, localImages]}),
      findings: [
        {
          subject: `disk vda (${image})`,
          message: `${image} is nfs1.example.com:/export/kvm/images/linux01.qcow2 on src (nfs4 at /var/lib/libvirt/images); ${image} is on xfs /dev/mapper/rhel-images (/var/lib/libvirt/images) on dst`,
          data: {export: 'nfs1.example.com:/export/kvm/images', mountPoint: '/var/lib/libvirt/images'},
        },
      ],
    },
    {
      name: 'another export mounted at the same place',
      domain: guest(fileDisk(image)),
      source,
      destination: emptyFacts('dst', {mounts: [rootMount, {...nfsImages, source: 'nfs2.example.com:/export/kvm/images'}]}),
      findings: [{message: `${image} is nfs2.example.com:/export/kvm/images/linux01.qcow2 on dst`}],
    },
    {
      name: 'no mounts known on the destination',
      domain: guest(fileDisk(image)),
      source,
      destination: emptyFacts('dst'),
      findings: [{message: 'on no known mount on dst'}],
    },
    {
      name: 'ISO in a CD-ROM on NFS',
      domain: guest(virtioScsiController + cdrom('/var/lib/libvirt/images/rhel-9.4-s390x-dvd.iso')),
      source,
      destination: emptyFacts('dst', {mounts: [rootMount]}),
      findings: [{subject: 'disk sda', message: 'rhel-9.4-s390x-dvd.iso'}],
    },
  ],
})
