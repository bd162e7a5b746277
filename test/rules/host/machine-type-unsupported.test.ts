import {machineTypeUnsupported} from '../../../src/rules/host/machine-type-unsupported.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const offering = (qemu: string, machines: string[]) =>
  emptyFacts('dst', {
    qemu: {version: qemu, emulator: '/usr/bin/qemu-system-s390x'},
    machineTypes: machines,
    guestDomains: [{arch: 's390x', domainTypes: ['qemu', 'kvm'], machines}],
  })
const qemu82 = emptyFacts('src', {qemu: {version: '8.2.2', emulator: '/usr/bin/qemu-system-s390x'}})

ruleTester(machineTypeUnsupported, {
  valid: [
    {name: 'same QEMU, machine type offered', domain: guest(disk)},
    {
      name: 'newer destination keeps the old machine type',
      domain: guest(disk, {machine: 's390-ccw-virtio-6.0'}),
      destination: offering('9.2.0', ['s390-ccw-virtio-9.2', 's390-ccw-virtio-7.2', 's390-ccw-virtio-6.0']),
    },
    {
      name: 'unversioned alias resolves on the destination',
      domain: guest(disk, {machine: 's390-ccw-virtio'}),
      destination: offering('7.2.0', ['s390-ccw-virtio-7.2', 's390-ccw-virtio-7.1']),
    },
    {
      name: 'older destination QEMU but shut off: no migration stream',
      domain: guest(disk, {machine: 's390-ccw-virtio-7.1'}),
      state: 'shut off',
      source: qemu82,
      destination: offering('7.2.0', ['s390-ccw-virtio-7.2', 's390-ccw-virtio-7.1']),
    },
    {
      name: 'no guestDomains entry for the arch: machineTypes is the fallback',
      domain: guest(disk),
      destination: emptyFacts('dst', {guestDomains: [{arch: 'x86_64', domainTypes: ['kvm'], machines: ['q35']}]}),
    },
    {
      name: 'QEMU version strings with distribution suffixes',
      domain: guest(disk),
      source: emptyFacts('src', {qemu: {version: '7.2.0 (Debian 1:7.2+dfsg-7)'}}),
      destination: offering('7.2', ['s390-ccw-virtio-7.2']),
    },
  ],
  invalid: [
    {
      name: 'guest on a newer machine type than the destination QEMU knows',
      domain: guest(disk, {machine: 's390-ccw-virtio-8.2'}),
      source: qemu82,
      destination: offering('7.2.0', ['s390-ccw-virtio', 's390-ccw-virtio-7.2', 's390-ccw-virtio-7.1', 's390-ccw-virtio-6.0']),
      findings: [
        {
          subject: 'machine s390-ccw-virtio-8.2',
          message: 'dst (QEMU 7.2.0) does not offer machine type s390-ccw-virtio-8.2 for s390x; its newest s390-ccw-virtio is s390-ccw-virtio-7.2',
          data: {newestOffered: 's390-ccw-virtio-7.2'},
        },
      ],
    },
    {
      name: 'shut-off guest still needs its machine type to start there',
      domain: guest(disk, {machine: 's390-ccw-virtio-8.2'}),
      state: 'shut off',
      findings: [{severity: 'blocker'}],
    },
    {
      name: 'destination QEMU older than the source even though the machine type exists',
      domain: guest(disk, {machine: 's390-ccw-virtio-7.1'}),
      source: qemu82,
      destination: offering('7.2.0', ['s390-ccw-virtio-7.2', 's390-ccw-virtio-7.1']),
      findings: [
        {severity: 'warning', subject: 'host dst', message: "dst runs QEMU 7.2.0, older than src's QEMU 8.2.2", data: {machine: 's390-ccw-virtio-7.1'}},
      ],
    },
    {
      name: 'alias whose family the destination lacks',
      domain: guest(disk, {machine: 's390-ccw-virtio'}),
      destination: offering('7.2.0', ['pc-q35-7.2']),
      findings: [{message: 'it offers pc-q35-7.2'}],
    },
  ],
})
