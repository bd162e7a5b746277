import {sataDisk} from '../../../src/rules/storage/sata-disk.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'
import {cdrom, fileDisk, virtioScsiController} from './storage-fixtures.js'

const onBus = (bus: string, target: string, device = 'disk') => `<disk type='file' device='${device}'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/legacy.raw'/>
      <target dev='${target}' bus='${bus}'/>
    </disk>`
const noBus = (target: string, device = 'disk') => `<disk type='file' device='${device}'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/legacy.raw'/>
      <target dev='${target}'/>
    </disk>`

ruleTester(sataDisk, {
  valid: [
    {name: 'virtio-blk disk', domain: guest(fileDisk('/var/lib/libvirt/images/a.qcow2'))},
    {name: 'DASD on virtio', domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500'))},
    {name: 'CD-ROM on virtio-scsi', domain: guest(virtioScsiController + cdrom('/var/lib/libvirt/images/rhel.iso'))},
    {name: 'not an s390x guest (q35 has SATA)', domain: {...guest(onBus('sata', 'sda')), arch: 'x86_64', machine: 'pc-q35-8.2'}},
  ],
  invalid: [
    {
      name: 'SATA disk',
      domain: guest(onBus('sata', 'sda')),
      findings: [{subject: 'disk sda', message: 'disk sda is on bus sata, which s390-ccw-virtio does not have', data: {bus: 'sata'}}],
    },
    {name: 'IDE CD-ROM', domain: guest(onBus('ide', 'hdc', 'cdrom')), findings: [{message: 'cdrom hdc is on bus ide', data: {bus: 'ide'}}]},
    {name: 'hdX target without bus: libvirt puts it on ide', domain: guest(noBus('hda')), findings: [{message: 'on bus ide (from its target name)'}]},
    {name: 'floppy', domain: guest(noBus('fda', 'floppy')), findings: [{data: {bus: 'fdc'}}]},
    {name: 'USB disk: warning', domain: guest(onBus('usb', 'sdb')), findings: [{severity: 'warning', message: 'is a USB disk', data: {bus: 'usb'}}]},
    {
      name: 'two legacy disks',
      domain: guest(onBus('sata', 'sda') + onBus('usb', 'sdb')),
      findings: [
        {severity: 'blocker', subject: 'sda'},
        {severity: 'warning', subject: 'sdb'},
      ],
    },
  ],
})
