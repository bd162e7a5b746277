import {diskCopyIothread} from '../../../src/rules/storage/disk-copy-iothread.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {fileDisk, localImages, nfsImages, rootMount} from './storage-fixtures.js'

const image = '/var/lib/libvirt/images/linux01.qcow2'
const local = emptyFacts('src', {mounts: [rootMount, localImages]})
const iothreads = {head: '<iothreads>2</iothreads>'}
const scsiDisk = (path: string) => `<disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='${path}'/>
      <target dev='sdb' bus='scsi'/>
      <address type='drive' controller='1' bus='0' target='0' unit='1'/>
    </disk>`
const scsiController = (index: string, iothread?: string) => `<controller type='scsi' index='${index}' model='virtio-scsi'>
      ${iothread ? `<driver iothread='${iothread}'/>` : ''}
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x000${index === '0' ? '4' : '5'}'/>
    </controller>`

ruleTester(diskCopyIothread, {
  valid: [
    {name: 'local image without iothread', domain: guest(fileDisk(image)), source: local},
    {
      name: 'shared DASD with iothread (IBM example): no copy',
      domain: guest(dasdDisk('/dev/disk/by-path/ccw-0.0.7500', 'vda', '0x7500', " iothread='1'"), iothreads),
      source: local,
    },
    {
      name: 'NFS image with iothread: no copy',
      domain: guest(fileDisk(image, 'vda', {iothread: '1'}), iothreads),
      source: emptyFacts('src', {mounts: [rootMount, nfsImages]}),
    },
    {
      name: 'copy-storage: never (local-disk-copy blocks)',
      domain: guest(fileDisk(image, 'vda', {iothread: '1'}), iothreads),
      source: local,
      migration: {copyStorage: 'never'},
    },
    {
      name: 'scsi disk on a controller without iothread',
      domain: guest(scsiController('0', '1') + scsiController('1') + scsiDisk(image), iothreads),
      source: local,
    },
    {
      name: 'detached for the migration',
      domain: guest(fileDisk(image, 'vda', {iothread: '1'}), iothreads),
      source: local,
      profile: {detachForMigration: [{target: 'vda'}]},
    },
  ],
  invalid: [
    {
      name: 'local image in an I/O thread',
      domain: guest(fileDisk(image, 'vda', {iothread: '1'}), iothreads),
      source: local,
      findings: [
        {subject: `disk vda (${image})`, message: "vda must be copied and runs in I/O thread 1 (<driver iothread='1'>)", data: {target: 'vda', iothread: '1'}},
      ],
    },
    {
      name: 'scsi disk whose virtio-scsi controller has an iothread',
      domain: guest(scsiController('0') + scsiController('1', '2') + scsiDisk(image), iothreads),
      source: local,
      findings: [{subject: 'sdb', message: 'virtio-scsi controller 1 runs in I/O thread 2', data: {iothread: '2', controller: '1'}}],
    },
    {
      name: 'two local disks, only the one with iothread',
      domain: guest(fileDisk(image) + fileDisk('/var/lib/libvirt/images/data.raw', 'vdb', {format: 'raw', iothread: '2', devno: '0x0003'}), iothreads),
      source: local,
      findings: [{subject: 'vdb'}],
    },
  ],
})
