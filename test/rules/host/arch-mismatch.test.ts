import {archMismatch} from '../../../src/rules/host/arch-mismatch.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const s390xMachines = ['s390-ccw-virtio', 's390-ccw-virtio-9.2', 's390-ccw-virtio-7.2']
/** The lab: an x86 host that emulates s390x with TCG. */
const x86Host = emptyFacts('dst', {
  arch: 'x86_64',
  hostCpu: {model: 'Skylake-Server-IBRS', vendor: 'Intel', features: []},
  guestDomains: [
    {arch: 'x86_64', domainTypes: ['qemu', 'kvm'], machines: ['pc-q35-9.2', 'q35']},
    {arch: 's390x', domainTypes: ['qemu'], machines: s390xMachines},
  ],
})

ruleTester(archMismatch, {
  valid: [
    {name: 'kvm guest on a KVM s390x host', domain: guest(disk)},
    {name: 'TCG (qemu) s390x guest on an x86 host with the emulator', domain: guest(disk, {type: 'qemu'}), source: x86Host, destination: x86Host},
    {name: 'qemu guest on an s390x KVM host (TCG works there too)', domain: guest(disk, {type: 'qemu'})},
    {
      name: 'capabilities unknown because libvirt is unreachable (libvirt-unreachable reports it)',
      domain: guest(disk),
      destination: emptyFacts('dst', {guestDomains: [], libvirt: {reachable: false, uri: 'qemu:///system', error: 'Failed to connect socket'}}),
    },
  ],
  invalid: [
    {
      name: 'kvm guest on an x86 host that only emulates s390x',
      domain: guest(disk),
      destination: x86Host,
      findings: [
        {
          subject: 'host dst',
          message: 'dst runs s390x guests only as qemu, not kvm (kvm needs hardware virtualization',
          data: {arch: 's390x', domainType: 'kvm'},
        },
      ],
    },
    {
      name: 'destination without the s390x emulator',
      domain: guest(disk, {type: 'qemu'}),
      destination: emptyFacts('dst', {arch: 'x86_64', guestDomains: [{arch: 'x86_64', domainTypes: ['qemu', 'kvm'], machines: ['q35']}]}),
      findings: [{message: 'dst cannot run s390x guests (it offers x86_64 (qemu, kvm)); guest linux01 is s390x/qemu'}],
    },
    {
      name: 'reachable libvirt listing no guest architectures',
      domain: guest(disk),
      destination: emptyFacts('dst', {guestDomains: []}),
      findings: [{message: 'lists no guest architectures; it cannot run s390x guest linux01 (is qemu-system-s390x installed?)'}],
    },
  ],
})
