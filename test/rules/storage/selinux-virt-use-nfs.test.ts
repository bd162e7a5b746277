import {selinuxVirtUseNfs} from '../../../src/rules/storage/selinux-virt-use-nfs.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {fileDisk, localImages, nfsImages, rootMount} from './storage-fixtures.js'

const nfsGuest = guest(
  fileDisk('/var/lib/libvirt/images/linux01.qcow2') + fileDisk('/var/lib/libvirt/images/linux01-data.raw', 'vdb', {format: 'raw', devno: '0x0003'}),
)
const source = emptyFacts('src', {mounts: [rootMount, nfsImages]})
const dst = (selinux: {enabled: boolean; virtUseNfs?: boolean}) => emptyFacts('dst', {mounts: [rootMount, nfsImages], selinux})

ruleTester(selinuxVirtUseNfs, {
  valid: [
    {name: 'virt_use_nfs on', domain: nfsGuest, source, destination: dst({enabled: true, virtUseNfs: true})},
    {name: 'SELinux disabled', domain: nfsGuest, source, destination: dst({enabled: false, virtUseNfs: false})},
    {
      name: 'no NFS disks',
      domain: guest(dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')),
      source,
      destination: dst({enabled: true, virtUseNfs: false}),
    },
    {
      name: 'local images',
      domain: nfsGuest,
      source: emptyFacts('src', {mounts: [rootMount, localImages]}),
      destination: emptyFacts('dst', {mounts: [rootMount, localImages], selinux: {enabled: true, virtUseNfs: false}}),
    },
  ],
  invalid: [
    {
      name: 'virt_use_nfs off: one finding naming every NFS disk',
      domain: nfsGuest,
      source,
      destination: dst({enabled: true, virtUseNfs: false}),
      findings: [{subject: 'disk vda', message: 'disks vda, vdb are on NFS; dst has SELinux enabled with virt_use_nfs off', data: {targets: ['vda', 'vdb']}}],
    },
    {
      name: 'boolean unreadable: warning',
      domain: nfsGuest,
      source,
      destination: dst({enabled: true}),
      findings: [{severity: 'warning', message: 'virt_use_nfs could not be read'}],
    },
    {
      name: 'NFS only on the destination side (image moves onto NFS through a mapping)',
      domain: guest(fileDisk('/var/lib/libvirt/images/linux01.qcow2')),
      source: emptyFacts('src', {mounts: [rootMount, localImages]}),
      destination: emptyFacts('dst', {mounts: [rootMount, {...nfsImages, target: '/srv/kvm'}], selinux: {enabled: true, virtUseNfs: false}}),
      profile: {mappings: [{kind: 'disk-source', from: '/var/lib/libvirt/images/linux01.qcow2', to: '/srv/kvm/linux01.qcow2'}]},
      findings: [{data: {targets: ['vda']}}],
    },
  ],
})
