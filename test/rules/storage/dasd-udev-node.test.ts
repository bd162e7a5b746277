import {dasdUdevNode} from '../../../src/rules/storage/dasd-udev-node.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'

ruleTester(dasdUdevNode, {
  valid: [
    {name: 'by-id node', domain: guest(dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10'))},
    {name: 'by-path node', domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500'))},
    {name: 'multipath SCSI disk', domain: guest(dasdDisk('/dev/mapper/36005076305ffc1ae00000000000021d5'))},
    {
      name: 'file image named like a DASD',
      domain: guest(
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/dasda.qcow2'/><target dev='vda' bus='virtio'/></disk>`,
      ),
    },
  ],
  invalid: [
    {name: 'standard name', domain: guest(dasdDisk('/dev/dasda')), findings: [{subject: 'disk vda (/dev/dasda)', message: 'set-online order'}]},
    {name: 'partition of a standard name', domain: guest(dasdDisk('/dev/dasdb1', 'vdb', '0x7501')), findings: [{subject: 'vdb', data: {path: '/dev/dasdb1'}}]},
    {
      name: 'two disks, both reported',
      domain: guest(dasdDisk('/dev/dasda') + dasdDisk('/dev/dasdaa', 'vdb', '0x7501')),
      findings: [{subject: 'vda'}, {subject: 'vdb'}],
    },
  ],
})
