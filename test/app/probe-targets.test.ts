// What the probe phase is asked to look at for a guest: its disks, read as their declared formats,
// and the boot files of <os>, as plain files.
import {expect} from 'chai'
import {probeTargets} from '../../src/app/check.js'
import {guest} from '../support/domain-xml.js'

describe('probeTargets', () => {
  it('disk images with their declared format, block devices, and the <os> boot files without one', () => {
    const domain = guest(
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/acc1.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/var/lib/libvirt/scratch/acc1-blk'/><target dev='vdb' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><target dev='sda' bus='scsi'/><readonly/></disk>
    <disk type='network' device='disk'><source protocol='rbd' name='kvm/acc1'/><target dev='vdc' bus='virtio'/></disk>`,
      {
        name: 'acc1',
        os: `<loader readonly='yes' type='pflash'>/usr/share/edk2/QEMU_EFI.fd</loader><nvram>/var/lib/libvirt/qemu/nvram/acc1_VARS.fd</nvram>
    <kernel>/var/lib/libvirt/boot/acc1-vmlinuz</kernel><initrd>/var/lib/libvirt/boot/acc1-initrd.img</initrd><cmdline>root=/dev/vda1</cmdline>`,
      },
    )
    expect(probeTargets([domain])).to.deep.equal([
      {path: '/var/lib/libvirt/images/acc1.qcow2', format: 'qcow2'},
      {path: '/var/lib/libvirt/scratch/acc1-blk', format: 'raw'},
      {path: '/var/lib/libvirt/boot/acc1-vmlinuz'},
      {path: '/var/lib/libvirt/boot/acc1-initrd.img'},
      {path: '/usr/share/edk2/QEMU_EFI.fd'},
      {path: '/var/lib/libvirt/qemu/nvram/acc1_VARS.fd'},
    ])
  })

  it('a guest that boots from its disk (IPL) has no boot files to probe', () => {
    const domain = guest(
      `<disk type='block' device='disk'><source dev='/dev/disk/by-path/ccw-0.0.7500'/><target dev='vda' bus='virtio'/><boot order='1'/></disk>`,
    )
    expect(probeTargets([domain])).to.deep.equal([{path: '/dev/disk/by-path/ccw-0.0.7500', format: 'raw'}])
  })
})
