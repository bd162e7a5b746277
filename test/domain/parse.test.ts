import {expect} from 'chai'
import {parseDomainXml} from '../../src/domain/parse.js'
import type {DomainModel, MigrationImpact} from '../../src/domain/types.js'
import {parseXmlFragment} from '../../src/domain/xml-fragment.js'
import {InputError} from '../../src/errors.js'
import {guest} from '../support/domain-xml.js'
import {readFixture} from './paths.js'

/** A minimal s390x domain with the given top-level elements (memory, cpu, …) and devices. */
function domain(head: string, devices = ''): DomainModel {
  return parseDomainXml(
    `<domain type='kvm'><name>linux01</name>${head}<os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os><devices>${devices}</devices></domain>`,
    'zhost-a:linux01',
  )
}

/** The one device under test in guest() (index 0 is <emulator>, the last is the sclp console). */
const AT = 1

describe('domain/parse', () => {
  describe('domain-level fields', () => {
    const cases: [what: string, head: string, expected: Partial<DomainModel>][] = [
      ['memory without unit is KiB', '<memory>219136</memory>', {memoryKiB: 219136}],
      [
        'memory in GiB, currentMemory in MiB',
        `<memory unit='GiB'>8</memory><currentMemory unit='MiB'>6144</currentMemory>`,
        {memoryKiB: 8388608, currentMemoryKiB: 6291456},
      ],
      ['memory in bytes rounds up', `<memory unit='bytes'>1048577</memory>`, {memoryKiB: 1025}],
      ['memory in SI gigabytes', `<memory unit='GB'>1</memory>`, {memoryKiB: 976563}],
      ['maxMemory for virtio-mem', `<maxMemory unit='KiB'>1099511627776</maxMemory><memory>1024</memory>`, {maxMemoryKiB: 1099511627776}],
      [
        'memory only from NUMA cells',
        `<cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB'/><cell id='1' cpus='1' memory='512' unit='MiB'/></numa></cpu>`,
        {memoryKiB: 1572864},
      ],
      ['vcpu count is the maximum, current= aside', `<memory>1</memory><vcpu placement='static' current='2'>4</vcpu>`, {vcpus: 4, cpuPinning: false}],
      ['no <vcpu> means 1', '<memory>1</memory>', {vcpus: 1, iothreads: 0}],
      ['iothreads', '<memory>1</memory><iothreads>2</iothreads>', {iothreads: 2}],
      [
        'iothreadids list more threads than <iothreads>',
        `<memory>1</memory><iothreads>1</iothreads><iothreadids><iothread id='1'/><iothread id='4'/></iothreadids>`,
        {iothreads: 2},
      ],
      ['vcpu cpuset is pinning', `<memory>1</memory><vcpu cpuset='0-1'>2</vcpu>`, {cpuPinning: true}],
      ['cputune vcpupin is pinning', `<memory>1</memory><cputune><vcpupin vcpu='0' cpuset='2'/></cputune>`, {cpuPinning: true}],
      ['cputune emulatorpin is pinning', `<memory>1</memory><cputune><emulatorpin cpuset='0-1'/></cputune>`, {cpuPinning: true}],
      ['cputune iothreadpin is pinning', `<memory>1</memory><cputune><iothreadpin iothread='1' cpuset='3'/></cputune>`, {cpuPinning: true}],
      ['cputune shares alone is not pinning', `<memory>1</memory><cputune><shares>2048</shares></cputune>`, {cpuPinning: false}],
      ['numatune', `<memory>1</memory><numatune><memory mode='strict' nodeset='0-1'/></numatune>`, {numatune: {mode: 'strict', nodeset: '0-1'}}],
      ['launchSecurity s390-pv (Secure Execution)', `<memory>1</memory><launchSecurity type='s390-pv'/>`, {launchSecurity: {type: 's390-pv'}}],
    ]
    for (const [what, head, expected] of cases) {
      it(what, () => {
        expect(domain(head)).to.deep.include(expected)
      })
    }

    it('type, uuid, arch and machine', () => {
      const g = guest('', {type: 'kvm', machine: 's390-ccw-virtio-rhel9.4.0'})
      expect(g).to.deep.include({
        name: 'linux01',
        type: 'kvm',
        uuid: '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01',
        arch: 's390x',
        machine: 's390-ccw-virtio-rhel9.4.0',
      })
    })

    it('os direct kernel boot: kernel, initrd, cmdline', () => {
      const g = parseDomainXml(
        `<domain type='kvm'><name>linux01</name><memory>1</memory><os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type>
          <kernel>/var/lib/libvirt/boot/vmlinuz</kernel><initrd>/var/lib/libvirt/boot/initrd.img</initrd>
          <cmdline>root=/dev/vda1 cio_ignore=all,!condev</cmdline></os><devices/></domain>`,
        't',
      )
      expect(g.os).to.deep.equal({
        kernel: '/var/lib/libvirt/boot/vmlinuz',
        initrd: '/var/lib/libvirt/boot/initrd.img',
        cmdline: 'root=/dev/vda1 cio_ignore=all,!condev',
      })
      expect(domain(`<memory>1</memory>`).os).to.deep.equal({})
    })

    it('os loader', () => {
      const g = parseDomainXml(
        `<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type><loader readonly='yes'>/usr/share/s390-tools/bootloader.bin</loader></os></domain>`,
        't',
      )
      expect(g.os.loader).to.equal('/usr/share/s390-tools/bootloader.bin')
      expect(g.os.nvram).to.equal(undefined)
      expect(g.devices).to.deep.equal([])
    })

    it('os nvram: as text, or as a file source (libvirt 8.5+)', () => {
      const os = (nvram: string) =>
        parseDomainXml(
          `<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw</loader>${nvram}</os></domain>`,
          't',
        ).os
      expect(os(`<nvram template='/usr/share/edk2/aarch64/vars-template-pflash.raw'>/var/lib/libvirt/qemu/nvram/a_VARS.fd</nvram>`).nvram).to.equal(
        '/var/lib/libvirt/qemu/nvram/a_VARS.fd',
      )
      expect(os(`<nvram type='file'><source file='/var/lib/libvirt/qemu/nvram/a_VARS.fd'/></nvram>`).nvram).to.equal('/var/lib/libvirt/qemu/nvram/a_VARS.fd')
      expect(os(`<nvram type='network'><source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/0'/></nvram>`).nvram).to.equal(undefined)
    })

    describe('cpu', () => {
      it('custom model with fallback, required/disabled features and a NUMA cell', () => {
        const g = domain(`<memory>1</memory><cpu mode='custom' match='exact' check='partial'>
          <model fallback='forbid'>gen15a</model>
          <feature policy='require' name='sie'/>
          <feature policy='disable' name='bpb'/>
          <numa><cell id='0' cpus='0-3' memory='8' unit='GiB'/></numa>
        </cpu>`)
        expect(g.cpu).to.deep.include({
          mode: 'custom',
          match: 'exact',
          check: 'partial',
          model: 'gen15a',
          fallback: 'forbid',
          features: [
            {name: 'sie', policy: 'require'},
            {name: 'bpb', policy: 'disable'},
          ],
          numaCells: [{id: '0', cpus: '0-3', memoryKiB: 8388608}],
        })
        // The element itself, for `virsh hypervisor-cpu-compare` on the destination.
        expect(parseXmlFragment(g.cpu!.xml)).to.deep.include({name: 'cpu', attrs: {mode: 'custom', match: 'exact', check: 'partial'}})
        expect(g.cpu!.xml).to.include(`<model fallback='forbid'>gen15a</model>`)
      })

      it('host-model without a model; a model without mode= is custom', () => {
        expect(domain(`<memory>1</memory><cpu mode='host-model' check='partial'/>`).cpu).to.deep.include({mode: 'host-model', features: [], numaCells: []})
        expect(domain(`<memory>1</memory><cpu match='exact'><model>zEC12</model></cpu>`).cpu).to.deep.include({mode: 'custom', model: 'zEC12'})
        expect(domain(`<memory>1</memory><cpu mode='host-passthrough'/>`).cpu?.mode).to.equal('host-passthrough')
      })
    })

    describe('memoryBacking', () => {
      const cases: [what: string, xml: string, expected: object][] = [
        [
          '1 MiB large pages on node 0, locked',
          `<hugepages><page size='1' unit='M' nodeset='0'/></hugepages><locked/>`,
          {hugepages: [{sizeKiB: 1024, nodeset: '0'}], hugepagesDefault: false, locked: true},
        ],
        ['page size without unit is KiB', `<hugepages><page size='2048'/></hugepages>`, {hugepages: [{sizeKiB: 2048}], hugepagesDefault: false, locked: false}],
        ['<hugepages/> alone: default huge page size', `<hugepages/>`, {hugepages: [], hugepagesDefault: true, locked: false}],
        [
          'shared memfd backing for virtiofs',
          `<source type='memfd'/><access mode='shared'/>`,
          {hugepages: [], hugepagesDefault: false, sourceType: 'memfd', access: 'shared', locked: false},
        ],
      ]
      for (const [what, xml, expected] of cases) {
        it(what, () => {
          expect(domain(`<memory>1</memory><memoryBacking>${xml}</memoryBacking>`).memoryBacking).to.deep.equal(expected)
        })
      }
    })
  })

  describe('disks', () => {
    const cases: [what: string, xml: string, expected: object, impact: MigrationImpact, label: string][] = [
      [
        'DASD by-path block disk with an iothread (IBM example)',
        `<disk type='block' device='disk'>
          <driver name='qemu' type='raw' cache='none' io='native' iothread='1'/>
          <source dev='/dev/disk/by-path/ccw-0.0.7500'/>
          <target dev='vda' bus='virtio'/>
          <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x7500'/>
        </disk>`,
        {
          type: 'block',
          device: 'disk',
          path: '/dev/disk/by-path/ccw-0.0.7500',
          source: {dev: '/dev/disk/by-path/ccw-0.0.7500'},
          target: {dev: 'vda', bus: 'virtio'},
          driver: {name: 'qemu', format: 'raw', cache: 'none', io: 'native', iothread: '1'},
          address: {type: 'ccw', cssid: '0xfe', ssid: '0x0', devno: '0x7500'},
          readonly: false,
          shareable: false,
          transient: false,
        },
        'needs-destination-resource',
        'disk vda (/dev/disk/by-path/ccw-0.0.7500)',
      ],
      [
        'SCSI multipath device-mapper disk, shareable',
        `<disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/>
          <source dev='/dev/mapper/36005076305ffc1ae00000000000021d5'/><target dev='vdb' bus='virtio'/><shareable/></disk>`,
        {path: '/dev/mapper/36005076305ffc1ae00000000000021d5', shareable: true},
        'needs-destination-resource',
        'disk vdb (/dev/mapper/36005076305ffc1ae00000000000021d5)',
      ],
      [
        'qcow2 image file with discard, boot order and alias',
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' discard='unmap'/>
          <source file='/var/lib/libvirt/images/linux01.qcow2'/><target dev='vda' bus='virtio'/><boot order='1'/><alias name='ua-root'/>
          <address type='ccw' cssid='254' ssid='0' devno='5'/></disk>`,
        {
          type: 'file',
          path: '/var/lib/libvirt/images/linux01.qcow2',
          driver: {name: 'qemu', format: 'qcow2', cache: 'none', discard: 'unmap'},
          bootOrder: 1,
          alias: 'ua-root',
          address: {type: 'ccw', cssid: '0xfe', ssid: '0x0', devno: '0x0005'},
        },
        'needs-copy',
        'disk vda (/var/lib/libvirt/images/linux01.qcow2)',
      ],
      [
        'image file on an NFS mount (shared or not is a host fact: needs-copy until a rule knows)',
        `<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/><source file='/mnt/nfs-images/linux01.raw'/><target dev='vdb' bus='virtio'/></disk>`,
        {path: '/mnt/nfs-images/linux01.raw'},
        'needs-copy',
        'disk vdb (/mnt/nfs-images/linux01.raw)',
      ],
      [
        'empty CD-ROM drive (read-only even without <readonly/>)',
        `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='scsi'/>
          <address type='drive' controller='0' bus='0' target='0' unit='00'/></disk>`,
        {device: 'cdrom', readonly: true, address: {type: 'drive', controller: '0', bus: '0', target: '0', unit: '0'}},
        'migratable',
        'disk sda',
      ],
      [
        'CD-ROM with an ISO: same file needed on the destination, not copied',
        `<disk type='file' device='cdrom'><source file='/var/lib/libvirt/isos/RHEL-9.4-s390x-dvd.iso'/><target dev='sdb' bus='scsi'/><readonly/></disk>`,
        {readonly: true, path: '/var/lib/libvirt/isos/RHEL-9.4-s390x-dvd.iso'},
        'needs-destination-resource',
        'disk sdb (/var/lib/libvirt/isos/RHEL-9.4-s390x-dvd.iso)',
      ],
      [
        'read-only image file is not copied by libvirt',
        `<disk type='file' device='disk'><source file='/srv/golden/base.raw'/><target dev='vdc' bus='virtio'/><readonly/></disk>`,
        {readonly: true},
        'needs-destination-resource',
        'disk vdc (/srv/golden/base.raw)',
      ],
      [
        'transient disk',
        `<disk type='file' device='disk'><source file='/var/lib/libvirt/images/scratch.qcow2'/><target dev='vdd' bus='virtio'/><transient/></disk>`,
        {transient: true},
        'needs-copy',
        'disk vdd (/var/lib/libvirt/images/scratch.qcow2)',
      ],
      [
        'NVMe namespace on a host PCI function',
        `<disk type='nvme' device='disk'><driver name='qemu' type='raw'/>
          <source type='pci' managed='yes' namespace='1'><address domain='0x0001' bus='0x00' slot='0x00' function='0x0'/></source>
          <target dev='vde' bus='virtio'/></disk>`,
        {type: 'nvme', source: {nvme: {address: {domain: '0x0001', bus: '0x00', slot: '0x00', function: '0x0'}, namespace: '1', managed: true}}},
        'needs-copy',
        'disk vde (nvme 0001:00:00.0 namespace 1)',
      ],
      [
        'network disk (RBD)',
        `<disk type='network' device='disk'><source protocol='rbd' name='pool/linux01'><host name='ceph1' port='6789'/></source><target dev='vdf' bus='virtio'/></disk>`,
        {type: 'network', source: {protocol: 'rbd', name: 'pool/linux01'}},
        'needs-destination-resource',
        'disk vdf (pool/linux01)',
      ],
      [
        'storage pool volume',
        `<disk type='volume' device='disk'><source pool='zfcp-pool' volume='lun-21d5'/><target dev='vdg' bus='virtio'/></disk>`,
        {type: 'volume', source: {pool: 'zfcp-pool', volume: 'lun-21d5'}},
        'needs-destination-resource',
        'disk vdg (lun-21d5)',
      ],
      [
        'directory exposed as a disk',
        `<disk type='dir' device='disk'><source dir='/srv/export'/><target dev='vdh' bus='virtio'/><readonly/></disk>`,
        {type: 'dir', source: {dir: '/srv/export'}},
        'needs-destination-resource',
        'disk vdh (/srv/export)',
      ],
      [
        'disk on a zPCI address',
        `<disk type='block' device='disk'><source dev='/dev/HostVG/g1'/><target dev='vdi' bus='virtio'/>
          <address type='pci' domain='0' bus='0' slot='8' function='0'><zpci uid='25' fid='0x1f'/></address></disk>`,
        {address: {type: 'pci', domain: '0x0000', bus: '0x00', slot: '0x08', function: '0x0', zpci: {uid: '0x0019', fid: '0x0000001f'}}},
        'needs-destination-resource',
        'disk vdi (/dev/HostVG/g1)',
      ],
      [
        'no type= defaults to file',
        `<disk device='disk'><source file='/var/lib/libvirt/images/x.img'/><target dev='vdj'/></disk>`,
        {type: 'file', path: '/var/lib/libvirt/images/x.img', target: {dev: 'vdj'}},
        'needs-copy',
        'disk vdj (/var/lib/libvirt/images/x.img)',
      ],
    ]
    for (const [what, xml, expected, impact, label] of cases) {
      it(what, () => {
        const g = guest(xml)
        expect(g.disks).to.have.length(1)
        expect(g.disks[0]).to.deep.include({kind: 'disk', index: AT, ...expected})
        expect(g.devices[AT]).to.deep.equal({element: 'disk', kind: 'disk', index: AT, label, impact})
        expect(parseXmlFragment(g.disks[0]!.xml)).to.deep.equal(parseXmlFragment(xml))
      })
    }
  })

  describe('hostdevs (all block live migration)', () => {
    const cases: [what: string, xml: string, expected: object, label: string][] = [
      [
        'vfio-ccw pass-through DASD with a guest devno',
        `<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='90c6c135-ad44-41d0-b1b7-bae47de48627'/></source>
          <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x00a1'/></hostdev>`,
        {
          mode: 'subsystem',
          type: 'mdev',
          model: 'vfio-ccw',
          mdevUuid: '90c6c135-ad44-41d0-b1b7-bae47de48627',
          address: {type: 'ccw', cssid: '0xfe', ssid: '0x0', devno: '0x00a1'},
          fromInterface: false,
        },
        'hostdev vfio-ccw 90c6c135-ad44-41d0-b1b7-bae47de48627',
      ],
      [
        'vfio-ap crypto adapter, managed=no',
        `<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'><source><address uuid='62177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>`,
        {type: 'mdev', model: 'vfio-ap', managed: false, mdevUuid: '62177883-f1bb-47f0-914d-32a22e3a8804'},
        'hostdev vfio-ap 62177883-f1bb-47f0-914d-32a22e3a8804',
      ],
      [
        'zPCI pass-through with uid/fid',
        `<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/>
          <source><address domain='0x0002' bus='0x00' slot='0x00' function='0x0'/></source>
          <address type='pci'><zpci uid='0x0001' fid='0x00000000'/></address></hostdev>`,
        {
          type: 'pci',
          managed: true,
          pciSource: {domain: '0x0002', bus: '0x00', slot: '0x00', function: '0x0'},
          address: {type: 'pci', zpci: {uid: '0x0001', fid: '0x00000000'}},
        },
        'hostdev pci 0002:00:00.0',
      ],
      [
        'PCI source written in decimal, partial zpci',
        `<hostdev mode='subsystem' type='pci'><source><address domain='2' bus='0' slot='1' function='0'/></source>
          <address type='pci' domain='0' bus='0' slot='7' function='0'><zpci uid='83'/></address></hostdev>`,
        {
          pciSource: {domain: '0x0002', bus: '0x00', slot: '0x01', function: '0x0'},
          address: {type: 'pci', domain: '0x0000', bus: '0x00', slot: '0x07', function: '0x0', zpci: {uid: '0x0053'}},
        },
        'hostdev pci 0002:00:01.0',
      ],
      [
        'SCSI tape on scsi_host0',
        `<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/><address bus='0' target='0' unit='0'/></source>
          <address type='drive' controller='0' bus='0' target='0' unit='0'/></hostdev>`,
        {
          type: 'scsi',
          scsiSource: {adapter: 'scsi_host0', bus: '0', target: '0', unit: '0'},
          address: {type: 'drive', controller: '0', bus: '0', target: '0', unit: '0'},
        },
        'hostdev scsi scsi_host0 0:0:0',
      ],
      [
        'vhost-scsi scsi_host by WWPN',
        `<hostdev mode='subsystem' type='scsi_host' managed='no'><source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev>`,
        {type: 'scsi_host', managed: false, scsiHostSource: {protocol: 'vhost', wwpn: 'naa.5123456789abcde0'}},
        'hostdev scsi_host naa.5123456789abcde0',
      ],
      [
        'USB device',
        `<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/><product id='0xc52b'/></source><alias name='hostdev0'/></hostdev>`,
        {type: 'usb', alias: 'hostdev0'},
        'hostdev usb',
      ],
    ]
    for (const [what, xml, expected, label] of cases) {
      it(what, () => {
        const g = guest(xml)
        expect(g.hostdevs).to.have.length(1)
        expect(g.hostdevs[0]).to.deep.include({kind: 'hostdev', index: AT, ...expected})
        expect(g.devices[AT]).to.deep.equal({element: 'hostdev', kind: 'hostdev', index: AT, label, impact: 'blocks-live-migration'})
      })
    }

    it('mdev fields stay absent on a PCI hostdev', () => {
      const h = guest(`<hostdev mode='subsystem' type='pci'><source><address domain='0x0002' bus='0x00' slot='0x00' function='0x0'/></source></hostdev>`)
        .hostdevs[0]!
      expect(h).not.to.have.any.keys('model', 'mdevUuid', 'scsiSource', 'address', 'managed')
    })
  })

  describe('interfaces', () => {
    const cases: [what: string, xml: string, expected: object, impact: MigrationImpact, label: string][] = [
      [
        'MacVTap on OSA enc1a00 (IBM example)',
        `<interface type='direct'><mac address='52:54:00:6a:0e:07'/><source dev='enc1a00' mode='bridge'/><model type='virtio'/>
          <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/></interface>`,
        {
          type: 'direct',
          mac: '52:54:00:6a:0e:07',
          source: {dev: 'enc1a00', mode: 'bridge'},
          model: 'virtio',
          address: {type: 'ccw', cssid: '0xfe', ssid: '0x0', devno: '0x0001'},
        },
        'needs-destination-resource',
        'interface direct enc1a00',
      ],
      [
        'Open vSwitch bridge',
        `<interface type='bridge'><source bridge='ovsbr0'/><virtualport type='openvswitch'/><model type='virtio'/></interface>`,
        {type: 'bridge', source: {bridge: 'ovsbr0'}, virtualport: 'openvswitch'},
        'needs-destination-resource',
        'interface bridge ovsbr0',
      ],
      [
        'libvirt network with a portgroup',
        `<interface type='network'><source network='zvswitch' portgroup='vlan200'/><model type='virtio'/><alias name='net1'/></interface>`,
        {type: 'network', source: {network: 'zvswitch', portgroup: 'vlan200'}, alias: 'net1'},
        'needs-destination-resource',
        'interface network zvswitch',
      ],
      [
        'user-mode networking is self-contained',
        `<interface type='user'><mac address='00:11:22:33:44:55'/><model type='virtio'/></interface>`,
        {type: 'user', source: {}, mac: '00:11:22:33:44:55'},
        'migratable',
        'interface user 00:11:22:33:44:55',
      ],
    ]
    for (const [what, xml, expected, impact, label] of cases) {
      it(what, () => {
        const g = guest(xml)
        expect(g.interfaces).to.have.length(1)
        expect(g.interfaces[0]).to.deep.include({kind: 'interface', index: AT, ...expected})
        expect(g.hostdevs).to.deep.equal([])
        expect(g.devices[AT]).to.deep.equal({element: 'interface', kind: 'interface', index: AT, label, impact})
      })
    }

    it("<interface type='hostdev'> (RoCE VF) is listed as an interface and as a blocking hostdev", () => {
      const xml = `<interface type='hostdev' managed='yes'><mac address='52:54:00:6a:0e:09'/>
        <source><address type='pci' domain='0x0004' bus='0x00' slot='0x00' function='0x1'/></source>
        <address type='pci'><zpci uid='0x10b0' fid='0x000003e1'/></address></interface>`
      const g = guest(xml)
      expect(g.interfaces).to.have.length(1)
      expect(g.interfaces[0]).to.deep.include({type: 'hostdev', mac: '52:54:00:6a:0e:09', index: AT})
      expect(g.hostdevs).to.have.length(1)
      expect(g.hostdevs[0]).to.deep.include({
        kind: 'hostdev',
        index: AT,
        mode: 'subsystem',
        type: 'pci',
        managed: true,
        fromInterface: true,
        pciSource: {domain: '0x0004', bus: '0x00', slot: '0x00', function: '0x1'},
        address: {type: 'pci', zpci: {uid: '0x10b0', fid: '0x000003e1'}},
      })
      expect(g.hostdevs[0]!.xml).to.equal(g.interfaces[0]!.xml)
      expect(g.devices).to.have.length(3)
      expect(g.devices[AT]).to.deep.equal({
        element: 'interface',
        kind: 'interface',
        index: AT,
        label: 'interface hostdev 0004:00:00.1',
        impact: 'blocks-live-migration',
      })
    })
  })

  describe('filesystems', () => {
    const cases: [what: string, xml: string, expected: object, impact: MigrationImpact, label: string][] = [
      [
        'virtiofs share',
        `<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/><binary path='/usr/libexec/virtiofsd'/><source dir='/srv/share'/><target dir='share'/></filesystem>`,
        {type: 'mount', driver: 'virtiofs', accessmode: 'passthrough', sourceDir: '/srv/share', target: 'share', readonly: false},
        'blocks-live-migration',
        'filesystem virtiofs share (/srv/share)',
      ],
      [
        'virtiofs with an externally started daemon (vhost-user-fs socket)',
        `<filesystem type='mount'><driver type='virtiofs' queue='1024'/><source socket='/run/virtiofsd/share.sock'/><target dir='share'/></filesystem>`,
        {driver: 'virtiofs', target: 'share'},
        'blocks-live-migration',
        'filesystem virtiofs share',
      ],
      [
        '9p export, read-only, no type= (mount is the default)',
        `<filesystem accessmode='mapped'><driver type='path' wrpolicy='immediate'/><source dir='/export/to/guest'/><target dir='/import/from/host'/><readonly/></filesystem>`,
        {type: 'mount', driver: 'path', accessmode: 'mapped', readonly: true},
        'blocks-live-migration',
        'filesystem 9p /import/from/host (/export/to/guest)',
      ],
    ]
    for (const [what, xml, expected, impact, label] of cases) {
      it(what, () => {
        const g = guest(xml)
        expect(g.filesystems[0]).to.deep.include({kind: 'filesystem', index: AT, ...expected})
        expect(g.devices[AT]).to.deep.equal({element: 'filesystem', kind: 'filesystem', index: AT, label, impact})
      })
    }
  })

  describe('controllers', () => {
    it('virtio queue settings are typed fields: disk, interface and controller queues, virtio-serial vectors', () => {
      const g =
        guest(`<disk type='block' device='disk'><driver name='qemu' type='raw' queues='4'/><source dev='/dev/mapper/vg-a'/><target dev='vdb' bus='virtio'/></disk>
        <interface type='direct'><source dev='enc1a00' mode='bridge'/><model type='virtio'/><driver name='vhost' queues='8'/></interface>
        <controller type='scsi' index='0' model='virtio-scsi'><driver queues=' 2 '/></controller>
        <controller type='virtio-serial' index='0' ports='16' vectors='4'/>
        <controller type='scsi' index='1' model='virtio-scsi'><driver queues='many'/></controller>`)
      expect(g.disks[0].driver?.queues).to.equal(4)
      expect(g.interfaces[0].queues).to.equal(8)
      expect(g.controllers.map((c) => [c.queues, c.vectors])).to.deep.equal([
        [2, undefined],
        [undefined, 4],
        [undefined, undefined],
      ])
    })

    it('virtio-scsi controller with an iothread on a ccw address', () => {
      const g = guest(
        `<controller type='scsi' index='0' model='virtio-scsi'><driver iothread='2'/><address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/></controller>`,
      )
      expect(g.controllers[0]).to.deep.include({
        kind: 'controller',
        index: AT,
        type: 'scsi',
        model: 'virtio-scsi',
        controllerIndex: '0',
        iothread: '2',
        address: {type: 'ccw', cssid: '0xfe', ssid: '0x0', devno: '0x0001'},
      })
      expect(g.devices[AT]).to.deep.equal({element: 'controller', kind: 'controller', index: AT, label: 'controller virtio-scsi 0', impact: 'migratable'})
    })

    it('an address type zmigrate does not model keeps its attributes', () => {
      const g = guest(`<controller type='virtio-serial' index='0'><address type='virtio-s390' foo='1'/></controller>`)
      expect(g.controllers[0]!.address).to.deep.equal({type: 'virtio-s390', attributes: {foo: '1'}})
    })
  })

  describe('other devices', () => {
    const cases: [what: string, xml: string, kind: string, impact: MigrationImpact, label: string][] = [
      [
        'memballoon',
        `<memballoon model='virtio'><address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0a'/></memballoon>`,
        'memballoon',
        'migratable',
        'memballoon virtio',
      ],
      ['s390 panic', `<panic model='s390'/>`, 'panic', 'migratable', 'panic s390'],
      ['diag288 watchdog', `<watchdog model='diag288' action='inject-nmi'/>`, 'watchdog', 'migratable', 'watchdog diag288'],
      ['rng from /dev/hwrng', `<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>`, 'rng', 'migratable', 'rng virtio (/dev/hwrng)'],
      [
        'virtio-mem',
        `<memory model='virtio-mem'><target><size unit='GiB'>1</size><node>0</node><block unit='KiB'>2048</block></target></memory>`,
        'memory',
        'migratable',
        'memory virtio-mem',
      ],
      [
        'nvdimm backed by a host file',
        `<memory model='nvdimm'><source><path>/srv/pmem/linux01</path></source><target><size unit='GiB'>1</size></target></memory>`,
        'memory',
        'needs-destination-resource',
        'memory nvdimm (/srv/pmem/linux01)',
      ],
      [
        'serial on a host tty',
        `<serial type='dev'><source path='/dev/ttyS1'/><target port='0'/></serial>`,
        'serial',
        'needs-destination-resource',
        'serial dev',
      ],
      [
        'guest agent channel',
        `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`,
        'channel',
        'migratable',
        'channel unix (virtio)',
      ],
      ['vsock', `<vsock model='virtio'><cid auto='no' address='4'/></vsock>`, 'vsock', 'migratable', 'vsock virtio'],
      [
        'passed-through TPM',
        `<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>`,
        'tpm',
        'blocks-live-migration',
        'tpm passthrough',
      ],
      [
        'sanlock lease',
        `<lease><lockspace>zcluster</lockspace><key>linux01</key><target path='/var/lib/sanlock/zcluster'/></lease>`,
        'lease',
        'needs-destination-resource',
        'lease zcluster linux01',
      ],
      ['an element zmigrate does not know', `<frobnicator model='x'/>`, 'unknown', 'needs-destination-resource', 'frobnicator (unrecognised device)'],
    ]
    for (const [what, xml, kind, impact, label] of cases) {
      it(what, () => {
        const g = guest(xml)
        expect(g.devices[AT]).to.deep.include({kind, impact, label, index: AT})
      })
    }

    it('the emulator path must exist on the destination', () => {
      expect(guest('').devices[0]).to.deep.equal({
        element: 'emulator',
        kind: 'emulator',
        index: 0,
        label: 'emulator /usr/bin/qemu-system-s390x',
        impact: 'needs-destination-resource',
      })
    })
  })

  describe('the linux07 fixture (every shape at once)', () => {
    const {file, xml} = readFixture('zhost-a-linux07-mixed.xml')
    const g = parseDomainXml(xml, file)

    it('domain-level fields', () => {
      expect(g).to.deep.include({
        name: 'linux07',
        type: 'kvm',
        machine: 's390-ccw-virtio-rhel9.4.0',
        memoryKiB: 8388608,
        currentMemoryKiB: 6291456,
        vcpus: 4,
        iothreads: 2,
        cpuPinning: true,
        numatune: {mode: 'strict', nodeset: '0'},
        memoryBacking: {hugepages: [{sizeKiB: 1024, nodeset: '0'}], hugepagesDefault: false, locked: true},
        xml,
      })
      expect(g.os.kernel).to.equal('/var/lib/libvirt/boot/linux07-vmlinuz')
      expect(g.cpu?.model).to.equal('gen15a')
    })

    it('indices follow document order and every child is classified', () => {
      expect(g.devices.map((d) => d.index)).to.deep.equal([...Array(21).keys()])
      expect(g.devices.map((d) => d.impact)).to.deep.equal([
        'needs-destination-resource', // emulator /usr/libexec/qemu-kvm
        'needs-destination-resource', // DASD
        'needs-destination-resource', // SCSI mpath
        'needs-copy', // qcow2
        'needs-copy', // NFS file
        'migratable', // empty cdrom
        'needs-destination-resource', // ISO
        'needs-copy', // nvme
        'migratable', // virtio-scsi controller
        'needs-destination-resource', // macvtap
        'needs-destination-resource', // OVS bridge
        'needs-destination-resource', // network
        'blocks-live-migration', // interface hostdev
        'blocks-live-migration', // vfio-ccw
        'blocks-live-migration', // vfio-ap
        'blocks-live-migration', // zPCI
        'blocks-live-migration', // SCSI tape
        'blocks-live-migration', // virtiofs
        'migratable', // console
        'migratable', // memballoon
        'migratable', // panic
      ])
      expect(g.disks.map((d) => d.index)).to.deep.equal([1, 2, 3, 4, 5, 6, 7])
      expect(g.hostdevs.map((h) => [h.index, h.fromInterface])).to.deep.equal([
        [12, true],
        [13, false],
        [14, false],
        [15, false],
        [16, false],
      ])
      expect(g.interfaces.map((i) => i.index)).to.deep.equal([9, 10, 11, 12])
      expect(g.filesystems.map((f) => f.index)).to.deep.equal([17])
      expect(g.controllers.map((c) => c.index)).to.deep.equal([8])
    })
  })

  describe('errors', () => {
    const cases: [what: string, xml: string, message: RegExp][] = [
      ['root is not <domain>', `<network><name>default</name></network>`, /root element is <network>, not a libvirt <domain>/],
      ['no <name>', `<domain type='kvm'><memory>1</memory></domain>`, /the domain has no <name>/],
      ['blank <name>', `<domain type='kvm'><name>  </name><memory>1</memory></domain>`, /the domain has no <name>/],
      ['memory with an unknown unit', `<domain><name>a</name><memory unit='GiG'>1</memory></domain>`, /<memory> '1' with unit 'GiG' is not a memory size/],
      ['vcpu that is not a number', `<domain><name>a</name><memory>1</memory><vcpu>two</vcpu></domain>`, /<vcpu> 'two' is not a whole number/],
      ['malformed XML', `<domain><name>a</name>`, /malformed XML/],
    ]
    for (const [what, xml, message] of cases) {
      it(what, () => {
        let err: unknown
        try {
          parseDomainXml(xml, 'zhost-a:linux01')
        } catch (e) {
          err = e
        }
        expect(err).to.be.instanceOf(InputError)
        expect((err as InputError).message).to.match(message)
        expect((err as InputError).message).to.match(/^zhost-a:linux01/)
        expect((err as InputError).location?.file).to.equal('zhost-a:linux01')
        expect((err as InputError).remedy).to.be.a('string')
      })
    }
  })
})
