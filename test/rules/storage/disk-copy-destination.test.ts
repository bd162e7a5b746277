import {diskCopyDestination} from '../../../src/rules/storage/disk-copy-destination.js'
import {guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'
import {GiB, MiB, fileDisk, fileProbe, localImages, missingProbe, rootMount} from './storage-fixtures.js'

const dir = '/var/lib/libvirt/images'
const qcow = `${dir}/linux01.qcow2`
const raw = `${dir}/linux01-data.raw`
const local = emptyFacts('src', {mounts: [rootMount, localImages]})
const dstLocal = emptyFacts('dst', {mounts: [rootMount, localImages]})
const twoDisks = guest(fileDisk(qcow) + fileDisk(raw, 'vdb', {format: 'raw', devno: '0x0003'}))
const nvme = `<disk type='nvme' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source type='pci' managed='yes' namespace='1'><address domain='0x0007' bus='0x00' slot='0x00' function='0x0'/></source>
      <target dev='vdc' bus='virtio'/>
    </disk>`
const nvmeFn = (address: string, fid: string) => ({address, fid, kind: 'nvme' as const, driver: 'nvme'})
const srcProbes = [fileProbe(qcow, 'qcow2', 20 * GiB, {actualSizeBytes: 6 * GiB}), fileProbe(raw, 'raw', 10 * GiB)]

ruleTester(diskCopyDestination, {
  valid: [
    {
      name: 'missing, directory there, room for both (qcow2 counts its allocation)',
      domain: twoDisks,
      source: local,
      destination: dstLocal,
      sourceProbes: srcProbes,
      destinationProbes: [missingProbe(qcow, dir, 17 * GiB), missingProbe(raw, dir, 17 * GiB)],
    },
    {
      name: 'pre-created with the same format and size',
      domain: twoDisks,
      source: local,
      destination: dstLocal,
      sourceProbes: srcProbes,
      destinationProbes: [fileProbe(qcow, 'qcow2', 20 * GiB, {actualSizeBytes: 200 * MiB}), fileProbe(raw, 'raw', 10 * GiB)],
    },
    {
      name: 'directory missing but an active storage pool targets it',
      domain: guest(fileDisk(qcow)),
      source: local,
      destination: emptyFacts('dst', {storagePools: [{name: 'images', type: 'dir', active: true, targetPath: dir, availableBytes: 100 * GiB}]}),
      sourceProbes: srcProbes,
      destinationProbes: [missingProbe(qcow, '/var/lib/libvirt')],
    },
    {name: 'copy-storage: never', domain: twoDisks, source: local, migration: {copyStorage: 'never'}},
    {
      name: 'NVMe function at the same host address on the destination',
      domain: guest(nvme),
      source: local,
      destination: emptyFacts('dst', {pci: [nvmeFn('0007:00:00.0', '0x00000300')]}),
    },
    {name: 'free space unknown', domain: guest(fileDisk(qcow)), source: local, sourceProbes: srcProbes, destinationProbes: [missingProbe(qcow, dir)]},
  ],
  invalid: [
    {
      // a qcow2 file read as the declared raw is a raw image of the file's size
      name: 'existing qcow2 file where the disk declares raw',
      domain: guest(fileDisk(raw, 'vdb', {format: 'raw'})),
      source: local,
      sourceProbes: srcProbes,
      destinationProbes: [fileProbe(raw, 'raw', 192 * 1024)],
      findings: [
        {message: `${raw} exists on dst with format raw, 192 KiB; source is raw 10 GiB`, data: {format: 'raw', destinationVirtualSizeBytes: 192 * 1024}},
      ],
    },
    {
      name: 'existing raw file where the disk declares qcow2: qemu-img cannot read it as qcow2',
      domain: guest(fileDisk(qcow)),
      source: local,
      sourceProbes: srcProbes,
      destinationProbes: [
        {
          path: qcow,
          exists: true,
          fileType: 'regular',
          sizeBytes: 20 * GiB,
          error: `qemu-img info -f qcow2 failed: qemu-img: Could not open '${qcow}': Image is not in qcow2 format`,
        },
      ],
      findings: [
        {message: `${qcow} exists on dst but cannot be read as qcow2, the format vda declares: qemu-img info -f qcow2 failed`, data: {format: 'qcow2'}},
      ],
    },
    {
      name: 'existing image too small',
      domain: guest(fileDisk(qcow)),
      source: local,
      sourceProbes: srcProbes,
      destinationProbes: [fileProbe(qcow, 'qcow2', 10 * GiB)],
      findings: [
        {message: 'exists on dst with format qcow2, 10 GiB; source is qcow2 20 GiB', data: {destinationVirtualSizeBytes: 10 * GiB, virtualSizeBytes: 20 * GiB}},
      ],
    },
    {
      name: 'directory missing and no pool',
      domain: guest(fileDisk(qcow)),
      source: local,
      sourceProbes: srcProbes,
      destinationProbes: [missingProbe(qcow, '/var/lib/libvirt', 50 * GiB)],
      findings: [{message: `its directory ${dir} does not exist there (closest: /var/lib/libvirt)`}],
    },
    {
      name: 'raw image needs its virtual size',
      domain: guest(fileDisk(raw, 'vdb', {format: 'raw'})),
      source: local,
      destination: dstLocal,
      sourceProbes: srcProbes,
      destinationProbes: [missingProbe(raw, dir, 8 * GiB)],
      findings: [{message: `copy of vdb needs 10 GiB in ${dir} on dst, which has 8 GiB free`, data: {neededBytes: 10 * GiB, freeBytes: 8 * GiB}}],
    },
    {
      name: 'each fits alone, not both: the second disk is reported with the total',
      domain: twoDisks,
      source: local,
      destination: dstLocal,
      sourceProbes: srcProbes,
      destinationProbes: [missingProbe(qcow, dir, 12 * GiB), missingProbe(raw, dir, 12 * GiB)],
      findings: [{subject: 'vdb', message: 'needs 10 GiB (16 GiB with vda)', data: {totalNeededBytes: 16 * GiB}}],
    },
    {
      name: 'qcow2 without allocation known falls back to the virtual size',
      domain: guest(fileDisk(qcow)),
      source: local,
      sourceProbes: [fileProbe(qcow, 'qcow2', 20 * GiB)],
      destinationProbes: [missingProbe(qcow, dir, 15 * GiB)],
      findings: [{message: 'needs 20 GiB'}],
    },
    {
      name: 'NVMe: the destination has its NVMe at another host address',
      domain: guest(nvme),
      source: local,
      destination: emptyFacts('dst', {pci: [nvmeFn('0009:00:00.0', '0x00000300')]}),
      findings: [
        {
          subject: 'disk vdc',
          message: 'dst has no PCI function at 0007:00:00.0 to copy it to (its NVMe functions: 0009:00:00.0 (FID 0x00000300))',
          data: {destinationNvme: ['0009:00:00.0']},
        },
      ],
    },
    {name: 'not probed: warning', domain: guest(fileDisk(qcow)), source: local, findings: [{severity: 'warning', message: 'was not probed on dst'}]},
  ],
})
