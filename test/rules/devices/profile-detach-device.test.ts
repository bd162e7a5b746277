import {profileDetachDevice} from '../../../src/rules/devices/profile-detach-device.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'
import {macvtapXml, pciHostdevXml, scsiHostdevXml, vfioCcwXml, virtiofsXml} from './z-devices.js'

const localDisk = `<disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none' io='native'/>
      <source file='/var/lib/libvirt/images/linux01-scratch.qcow2'/>
      <target dev='vdc' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0003'/>
    </disk>`
const usb = `<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x0781'/><product id='0x5567'/></source></hostdev>`

ruleTester(profileDetachDevice, {
  valid: [
    {name: 'nothing selected', domain: guest(localDisk + macvtapXml())},
    {name: 'selector matches another guest', domain: guest(localDisk), profile: {detachForMigration: [{guest: 'linux02', target: 'vdc'}]}},
    {
      name: 'hostdevs and file systems with their own rules are left to them',
      domain: guest(vfioCcwXml() + pciHostdevXml() + scsiHostdevXml() + virtiofsXml()),
      profile: {detachForMigration: [{kind: 'hostdev'}, {kind: 'filesystem'}]},
    },
  ],
  invalid: [
    {
      name: 'disk selected by target, same source on the destination',
      domain: guest(localDisk + dasdDisk('/dev/disk/by-path/ccw-0.0.7500')),
      profile: {detachForMigration: [{kind: 'disk', target: 'vdc'}]},
      findings: [
        {
          severity: 'action',
          subject: 'disk vdc (/var/lib/libvirt/images/linux01-scratch.qcow2)',
          message: 'detached before migration and re-attached on dst (site profile)',
          data: {kind: 'disk', target: 'vdc', devno: '0x0003', destinationSource: '/var/lib/libvirt/images/linux01-scratch.qcow2'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'same'}},
        },
      ],
    },
    {
      name: 'disk selected by devno with a disk-source mapping',
      domain: guest(localDisk),
      profile: {
        detachForMigration: [{devno: '0x3'}],
        mappings: [{kind: 'disk-source', from: '/var/lib/libvirt/images/linux01-scratch.qcow2', to: '/srv/scratch/linux01-scratch.qcow2', 'to-host': 'dst'}],
      },
      findings: [
        {
          message: 'with source /srv/scratch/linux01-scratch.qcow2 (mapped)',
          data: {destinationSource: '/srv/scratch/linux01-scratch.qcow2'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'disk-source', path: '/srv/scratch/linux01-scratch.qcow2'}},
        },
      ],
    },
    {
      name: 'interface selected by source, net-source mapping',
      domain: guest(macvtapXml()),
      profile: {detachForMigration: [{kind: 'interface', source: 'enc1a00'}], mappings: [{kind: 'net-source', from: 'enc1a00', to: 'enc1b00'}]},
      findings: [
        {
          subject: 'interface direct enc1a00',
          data: {kind: 'interface', source: 'enc1a00', mac: '52:54:00:6a:0e:07', destinationSource: 'enc1b00'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'interface-source', to: 'enc1b00'}},
        },
      ],
    },
    {
      name: 'USB hostdev selected by model',
      domain: guest(usb),
      profile: {detachForMigration: [{kind: 'hostdev', model: 'usb'}]},
      findings: [{subject: 'hostdev usb', data: {kind: 'hostdev', type: 'usb'}, fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'same'}}}],
    },
  ],
})
