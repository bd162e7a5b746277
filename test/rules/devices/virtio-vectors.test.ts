import {virtioVectors} from '../../../src/rules/devices/virtio-vectors.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'
import {macvtapXml} from './z-devices.js'

const mqMacvtap = macvtapXml('enc1a00', '52:54:00:6a:0e:07', '0x0001', `\n      <driver name='vhost' queues='4'/>`)
const mqMacvtapPci = `<interface type='direct'>
      <mac address='52:54:00:6a:0e:0b'/>
      <source dev='enc1a00' mode='bridge'/>
      <model type='virtio'/>
      <driver name='vhost' queues='4'/>
      <address type='pci'><zpci uid='0x0010' fid='0x00000010'/></address>
    </interface>`
const mqDiskPci = `<disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native' queues='2'/>
      <source dev='/dev/disk/by-id/ccw-IBM.75000000092461.e900.10'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci'><zpci uid='0x0011' fid='0x00000011'/></address>
    </disk>`

ruleTester(virtioVectors, {
  valid: [
    {name: 'single-queue devices on ccw', domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500') + macvtapXml())},
    {name: 'queues=1 is not multi-queue', domain: guest(macvtapXml('enc1a00', '52:54:00:6a:0e:07', '0x0001', `<driver name='vhost' queues='1'/>`))},
    {name: 'virtio-scsi controller without queues', domain: guest(`<controller type='scsi' index='0' model='virtio-scsi'/>`)},
  ],
  invalid: [
    {
      name: 'multi-queue virtio-net on ccw: no MSI-X vectors',
      domain: guest(mqMacvtap),
      findings: [
        {
          severity: 'info',
          subject: 'interface direct enc1a00',
          message: 'virtio-net-ccw with 4 queue pairs, no MSI-X vectors on ccw: re-created identically on dst',
          data: {family: 'virtio-net', transport: 'ccw', queues: 4},
        },
      ],
    },
    {
      name: 'multi-queue virtio-net on zPCI: libvirt sets vectors=2N+2',
      domain: guest(mqMacvtapPci),
      findings: [{severity: 'info', message: 'virtio-net-pci with 4 queue pairs, 10 MSI-X vectors', data: {transport: 'pci', queues: 4, vectors: 10}}],
    },
    {
      name: 'multi-queue virtio-blk on zPCI: N+1 vectors',
      domain: guest(mqDiskPci),
      findings: [{subject: 'disk vdb', data: {family: 'virtio-blk', queues: 2, vectors: 3}}],
    },
    {
      name: 'virtio-scsi controller with queues, and a virtio-serial controller with explicit vectors',
      domain: guest(`<controller type='scsi' index='0' model='virtio-scsi'><driver queues='4'/></controller>
    <controller type='virtio-serial' index='0' ports='16' vectors='4'><address type='pci'><zpci uid='0x0012' fid='0x00000012'/></address></controller>`),
      findings: [
        {subject: 'controller virtio-scsi 0', data: {family: 'virtio-scsi', transport: 'ccw', queues: 4}},
        {subject: 'controller virtio-serial 0', message: 'virtio-serial-pci with default queues, 4 MSI-X vectors', data: {vectors: 4}},
      ],
    },
  ],
})
