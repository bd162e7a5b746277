// gatherFacts over the real LocalTransport: the constant collect script runs in /bin/sh against the
// recorded trees in test/fixtures/hosts and lab/trees, and against libvirt's test driver.
import {expect} from 'chai'
import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {COLLECT_SCRIPT} from '../../src/hosts/collect-script.js'
import {gatherFacts} from '../../src/hosts/facts.js'
import type {HostFacts} from '../../src/hosts/facts-types.js'
import {LocalTransport} from '../../src/hosts/local.js'
import {RecordingTransport, fixtureTree, guestUuid, hostFor, labTree, manyGuests, testDriverNode} from './support.js'

const gather = async (root: string, uri = 'test:///default'): Promise<{facts: HostFacts; t: LocalTransport}> => {
  const t = new LocalTransport('h')
  return {facts: await gatherFacts(t, hostFor('h', root, uri)), t}
}
const link = (f: HostFacts, p: string) => f.deviceLinks.find((l) => l.path === p)?.target
const dasd = (f: HostFacts, busId: string) => f.dasd.find((d) => d.busId === busId)

describe('gatherFacts (local transport, recorded trees)', function () {
  this.timeout(30_000)

  describe('lpar-src', () => {
    let facts: HostFacts
    let t: LocalTransport
    before(async () => ({facts, t} = await gather(fixtureTree('lpar-src'))))

    it('takes exactly one round trip, and the command is the constant script', async () => {
      expect(t.roundTrips).to.equal(1)
      const rec = new RecordingTransport('h')
      const root = fixtureTree('lpar-src')
      await gatherFacts(rec, hostFor('h', root, 'test:///default'))
      expect(rec.calls).to.have.length(1)
      expect(rec.calls[0].argv).to.deep.equal(['sh', '-c', COLLECT_SCRIPT])
      expect(rec.calls[0].stdin.split('\n').slice(1, 3)).to.deep.equal([root, 'test:///default'])
    })

    it('DASD bases with UIDs and block names, HyperPAV aliases online with their xx UID', () => {
      expect(facts.dasd.map((d) => d.busId)).to.deep.equal(['0.0.0150', '0.0.7500', '0.0.7501', '0.0.7502', '0.0.7503', '0.0.75fe', '0.0.75ff'])
      expect(dasd(facts, '0.0.7502')).to.deep.equal({
        busId: '0.0.7502',
        online: true,
        alias: false,
        uid: 'IBM.75000000092461.e900.02',
        readonly: false,
        discipline: 'dasd-eckd',
        blockName: 'dasdd',
      })
      expect(dasd(facts, '0.0.75ff')).to.deep.include({online: true, alias: true, uid: 'IBM.75000000092461.e900.xx', blockName: undefined})
    })

    it('udev links resolve to kernel names: by-path, by-id, by-uuid, mapper, zfcp by-path', () => {
      expect(link(facts, '/dev/disk/by-path/ccw-0.0.7502')).to.equal('dasdd')
      expect(link(facts, '/dev/disk/by-id/ccw-IBM.75000000092461.e900.02')).to.equal('dasdd')
      expect(link(facts, '/dev/disk/by-id/ccw-IBM.75000000092461.e900.02-part1')).to.equal('dasdd1')
      expect(link(facts, '/dev/disk/by-uuid/a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601')).to.equal('dasda1')
      expect(link(facts, '/dev/mapper/36005076305ffc1ae00000000000021d5')).to.equal('dm-0')
      expect(link(facts, '/dev/disk/by-id/dm-uuid-mpath-36005076305ffc1ae00000000000021d6')).to.equal('dm-1')
      expect(link(facts, '/dev/disk/by-path/ccw-0.0.1800-fc-0x500507630303c562-lun-0x4021400500000000')).to.equal('sdc')
    })

    it('two multipath maps with two paths each, and the zfcp hosts behind them', () => {
      expect(facts.multipath).to.deep.equal([
        {name: '36005076305ffc1ae00000000000021d5', wwid: '36005076305ffc1ae00000000000021d5', dmDevice: 'dm-0', paths: ['sda', 'sdc']},
        {name: '36005076305ffc1ae00000000000021d6', wwid: '36005076305ffc1ae00000000000021d6', dmDevice: 'dm-1', paths: ['sdb', 'sdd']},
      ])
      expect(facts.zfcpHosts).to.deep.equal([
        {busId: '0.0.1700', scsiHost: 0, online: true},
        {busId: '0.0.1800', scsiHost: 1, online: true},
      ])
      const sda = facts.scsi.find((s) => s.blockName === 'sda')
      expect(sda).to.deep.include({
        hctl: '0:0:0:1074085921',
        kind: 'disk',
        vendor: 'IBM',
        model: '2107900',
        fcpDevice: '0.0.1700',
        wwpn: '0x500507630300c562',
        lun: '0x4021400500000000',
      })
    })

    it('a SCSI tape and a medium changer on 0.0.1700', () => {
      expect(facts.scsi.filter((s) => s.kind !== 'disk')).to.deep.equal([
        {
          hctl: '0:0:1:0',
          type: 1,
          kind: 'tape',
          vendor: 'IBM',
          model: '0359255F',
          blockName: 'st0',
          sgName: 'sg2',
          fcpDevice: '0.0.1700',
          wwpn: '0x500507630f4b1201',
          lun: '0x0000000000000000',
        },
        {
          hctl: '0:0:1:1',
          type: 8,
          kind: 'changer',
          vendor: 'IBM',
          model: '03584L32',
          blockName: 'sch0',
          sgName: 'sg3',
          fcpDevice: '0.0.1700',
          wwpn: '0x500507630f4b1201',
          lun: '0x0001000000000000',
        },
      ])
    })

    it('qeth with its VNIC characteristics, bridge and virtual interfaces', () => {
      const q = facts.qeth.find((d) => d.busId === '0.0.1a00')
      expect(q).to.deep.include({ifname: 'enc1a00', online: true, layer2: true, cardType: 'OSD_10GIG', bridgeRole: 'none'})
      expect(q?.vnicc).to.deep.include({takeover_setvmac: '1', takeover_learning: '1', learning: '0', learning_timeout: '600', rx_bcast: '1'})
      expect(Object.keys(q?.vnicc ?? {})).to.have.length(8)
      const byName = new Map(facts.netInterfaces.map((n) => [n.name, n]))
      expect(byName.get('br0')?.kind).to.equal('bridge')
      expect(byName.get('enc1d00')).to.deep.include({kind: 'ether', master: 'br0', mac: '02:00:01:1d:00:00'})
      expect(byName.get('macvtap0')?.kind).to.equal('macvtap')
      expect(byName.get('vnet0')).to.deep.include({kind: 'tun', master: 'br0'})
      expect(byName.get('lo')?.kind).to.equal('loopback')
    })

    it('mediated devices: vfio_ccw on its subchannel with the device number, vfio_ap with its matrix', () => {
      expect(facts.mdevs).to.deep.equal([
        {
          uuid: '62177883-f1bb-47f0-914d-32a22e3a8804',
          type: 'vfio_ap-passthrough',
          parent: 'matrix',
          matrix: {adapters: ['05', '06'], domains: ['0004', '0005'], controlDomains: ['0004', '0005']},
        },
        {uuid: '90c6c135-ad44-41d0-b1b7-bae47de48627', type: 'vfio_ccw-io', parent: '0.0.0313', ccwDevice: '0.0.2b09'},
      ])
    })

    it('zPCI NVMe and RoCE with FID, UID, PCHID; RoCE named eno<UID decimal>', () => {
      expect(facts.pci).to.deep.equal([
        {
          address: '0007:00:00.0',
          fid: '0x00000300',
          uid: '0x0007',
          uidIsUnique: true,
          pchid: '0x0140',
          vendor: '0x144d',
          device: '0xa824',
          pciClass: '0x010802',
          kind: 'nvme',
          ifname: undefined,
          driver: 'nvme',
          blockDevices: ['nvme0n1'],
        },
        {
          address: '10b0:00:00.0',
          fid: '0x00000431',
          uid: '0x10b0',
          uidIsUnique: true,
          pchid: '0x01bc',
          vendor: '0x15b3',
          device: '0x101e',
          pciClass: '0x020000',
          kind: 'roce',
          ifname: 'eno4272',
          driver: 'mlx5_core',
          blockDevices: undefined,
        },
      ])
    })

    it('NFS, SELinux, userfaultfd, memory, hugepages, NUMA, CPUs, host identity', () => {
      expect(facts.mounts.find((m) => m.fstype === 'nfs4')).to.deep.equal({
        source: 'nfs-server.example.com:/export/kvm-images',
        target: '/var/lib/libvirt/images/shared',
        fstype: 'nfs4',
      })
      expect(facts.selinux).to.deep.equal({enabled: true, enforcing: true, virtUseNfs: true})
      expect(facts.sysctl.unprivilegedUserfaultfd).to.equal(1)
      expect(facts.memory).to.deep.equal({totalKiB: 131899860, freeKiB: 98304000, availableKiB: 104857600})
      expect(facts.hugepages).to.deep.equal([
        {sizeKiB: 1024, total: 8192, free: 2048},
        {sizeKiB: 2097152, total: 4, free: 4},
      ])
      expect(facts.numa.map((n) => [n.id, n.cpus, n.memTotalKiB, n.hugepages[0]])).to.deep.equal([
        [0, '0-7', 65949930, {sizeKiB: 1024, total: 4096, free: 1024}],
        [1, '8-15', 65949930, {sizeKiB: 1024, total: 4096, free: 1024}],
      ])
      expect(facts.cpus.online).to.equal(16)
      expect(facts).to.deep.include({hostname: 'zlpar1', kernelRelease: '5.14.0-427.13.1.el9_4.s390x'})
    })

    it('libvirt facts come from the real driver behind the URI (here the test driver)', () => {
      expect(facts.libvirt).to.deep.include({reachable: true, version: '9.0.0'})
      expect(facts.guests).to.have.length(1)
      expect(facts.guests[0]).to.deep.include({name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', state: 'running', persistent: true})
      expect(facts.guests[0].xml).to.match(/^<domain type='test'/)
      expect(facts.storagePools).to.deep.equal([{name: 'default-pool', type: 'dir', targetPath: '/default-pool', availableBytes: 107374182400, active: true}])
      expect(facts.libvirtNetworks).to.deep.equal([{name: 'default', bridge: 'virbr0', active: true}])
      expect(facts.guestDomains.map((g) => g.arch)).to.deep.equal(['i686'])
      // the test driver has no domcapabilities: reported, not fatal
      expect(facts.warnings).to.have.length(1)
      expect(facts.warnings[0]).to.match(/domcapabilities for s390x unavailable: .*not supported by the connection driver/)
    })
  })

  describe('lpar-dst: what differs from the source', () => {
    let facts: HostFacts
    before(async () => ({facts} = await gather(fixtureTree('lpar-dst'))))

    it('by-path ccw-0.0.7502 names a different volume; by-id finds the source volume at 0.0.7602', () => {
      const target = link(facts, '/dev/disk/by-path/ccw-0.0.7502')
      expect(facts.dasd.find((d) => d.blockName === target)?.uid).to.equal('IBM.75000000092461.e900.12')
      const byId = link(facts, '/dev/disk/by-id/ccw-IBM.75000000092461.e900.02')
      expect(facts.dasd.find((d) => d.blockName === byId)?.busId).to.equal('0.0.7602')
    })

    it('a base and an alias offline, and offline devices carry no uid', () => {
      expect(dasd(facts, '0.0.7503')).to.deep.include({online: false, alias: false, uid: undefined, blockName: undefined})
      expect(dasd(facts, '0.0.75ff')).to.deep.include({online: false, alias: false, uid: undefined})
      expect(dasd(facts, '0.0.75fe')).to.deep.include({online: true, alias: true})
      expect(link(facts, '/dev/disk/by-path/ccw-0.0.7503')).to.equal(undefined)
    })

    it('the tape got another SCSI host number; the second map is user-friendly mpathb', () => {
      expect(facts.zfcpHosts.find((z) => z.busId === '0.0.1700')?.scsiHost).to.equal(1)
      expect(facts.scsi.find((s) => s.kind === 'tape')?.hctl).to.equal('1:0:1:0')
      expect(facts.multipath.find((m) => m.wwid === '36005076305ffc1ae00000000000021d6')).to.deep.include({name: 'mpathb', dmDevice: 'dm-0'})
      expect(link(facts, '/dev/mapper/36005076305ffc1ae00000000000021d6')).to.equal(undefined)
    })

    it('takeover off, other mdev UUIDs, same NVMe FID, same RoCE ifname, SELinux boolean off, userfaultfd 0', () => {
      expect(facts.qeth.find((q) => q.busId === '0.0.1a00')?.vnicc).to.deep.include({takeover_setvmac: '0', takeover_learning: '0'})
      expect(facts.mdevs.map((m) => m.uuid)).to.deep.equal(['0c6c0b36-83f4-4a8b-9e2e-5f4c3a7d1e21', '18e124fb-b2fc-47f6-a407-f256b6c49767'])
      expect(facts.mdevs.find((m) => m.type === 'vfio_ap-passthrough')?.matrix?.domains).to.deep.equal(['0006'])
      expect(facts.pci.find((p) => p.kind === 'nvme')).to.deep.include({fid: '0x00000300', uid: '0x0009', address: '0009:00:00.0'})
      expect(facts.pci.find((p) => p.kind === 'roce')).to.deep.include({fid: '0x00000441', ifname: 'eno4272'})
      expect(facts.selinux.virtUseNfs).to.equal(false)
      expect(facts.sysctl.unprivilegedUserfaultfd).to.equal(0)
    })
  })

  it('bare-lpar: missing device classes are normal (empty, no warnings); mounts from /proc/self/mounts', async () => {
    const {facts} = await gather(fixtureTree('bare-lpar'))
    for (const k of ['dasd', 'deviceLinks', 'multipath', 'scsi', 'zfcpHosts', 'qeth', 'mdevs', 'pci', 'numa', 'hugepages'] as const)
      expect(facts[k], k).to.deep.equal([])
    expect(facts.mounts).to.deep.include({source: '/dev/vda2', target: '/', fstype: 'btrfs'})
    expect(facts.selinux).to.deep.equal({enabled: false, enforcing: undefined, virtUseNfs: undefined})
    expect(facts.sysctl.unprivilegedUserfaultfd).to.equal(undefined)
    expect(facts.cpus.online).to.equal(2)
    expect(facts.warnings.filter((w) => !w.includes('domcapabilities'))).to.deep.equal([])
  })

  it('zpci-ism-vfio: ISM, a RoCE named by FID (UID not unique), an NVMe passed through to a guest', async () => {
    const {facts} = await gather(fixtureTree('zpci-ism-vfio'))
    expect(facts.pci.map((p) => [p.address, p.kind, p.driver, p.ifname ?? p.blockDevices ?? null])).to.deep.equal([
      ['0000:00:00.0', 'roce', 'mlx5_core', 'ens993'],
      ['0002:00:00.0', 'nvme', 'vfio-pci', null],
      ['0011:00:00.0', 'ism', 'ism', null],
    ])
    expect(facts.pci[0].uidIsUnique).to.equal(false)
  })

  it('lab trees: zhost-b maps ccw-0.0.7501 to another volume and has its alias offline', async () => {
    const [{facts: a}, {facts: b}] = await Promise.all([gather(labTree('zhost-a')), gather(labTree('zhost-b'))])
    const uidBehind = (f: HostFacts, p: string) => f.dasd.find((d) => d.blockName === link(f, p))?.uid
    expect(uidBehind(a, '/dev/disk/by-path/ccw-0.0.7501')).to.equal('IBM.75000000092461.e900.01')
    expect(uidBehind(b, '/dev/disk/by-path/ccw-0.0.7501')).to.equal('IBM.75000000092461.e900.21')
    expect(uidBehind(b, '/dev/disk/by-id/ccw-IBM.75000000092461.e900.01')).to.equal('IBM.75000000092461.e900.01')
    expect(dasd(a, '0.0.75ff')?.online).to.equal(true)
    expect(dasd(b, '0.0.75ff')?.online).to.equal(false)
    expect([a.hostname, b.hostname]).to.deep.equal(['zhost-a', 'zhost-b'])
  })

  it('an unreachable libvirt is a fact (reachable=false + its error), and the Z facts still come back', async () => {
    const {facts, t} = await gather(fixtureTree('lpar-src'), 'test:///nonexistent/zmigrate/node.xml')
    expect(t.roundTrips).to.equal(1)
    expect(facts.libvirt.reachable).to.equal(false)
    expect(facts.libvirt.error).to.match(/failed to connect to the hypervisor/)
    expect(facts.guests).to.deep.equal([])
    expect(facts.dasd).to.have.length(7)
  })

  it('a root without sys/ is reported, not silently empty', async () => {
    const {facts} = await gather('/nonexistent/zmigrate-root')
    expect(facts.warnings.some((w) => /no sys directory under root \/nonexistent\/zmigrate-root/.test(w))).to.equal(true)
  })
})

describe('gatherFacts: guests (libvirt test driver)', function () {
  this.timeout(60_000)
  let dir: string
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('every state and persistence, and a guest named with shell metacharacters listed literally, nothing executed', async () => {
    const evil = `evil;$(touch zm-pwned)'"\`touch zm-pwned\`;exit 99`
    const node = testDriverNode([
      {name: 'running', uuid: guestUuid(1)},
      {name: 'off', uuid: guestUuid(2), runstate: 5},
      {name: 'paused', uuid: guestUuid(3), runstate: 3},
      {name: 'crashed', uuid: guestUuid(4), runstate: 6},
      {name: 'transient', uuid: guestUuid(5), transient: true},
      {name: evil, uuid: guestUuid(6)},
    ])
    dir = node.dir
    const {facts} = await gather(fixtureTree('lpar-src'), node.uri)
    expect(facts.guests.map((g) => [g.name, g.state, g.persistent])).to.have.deep.members([
      ['running', 'running', true],
      ['off', 'shut off', true],
      ['paused', 'paused', true],
      ['crashed', 'crashed', true],
      ['transient', 'running', false],
      [evil, 'running', true],
    ])
    expect(facts.guests.find((g) => g.name === evil)?.xml).to.include('<name>evil;$(touch zm-pwned)&apos;&quot;`touch zm-pwned`;exit 99</name>')
    for (const d of [process.cwd(), '/', dir, fixtureTree('lpar-src')]) expect(existsSync(path.join(d, 'zm-pwned')), d).to.equal(false)
  })

  it('500 guests: one round trip, exactly two virsh processes', async () => {
    const node = testDriverNode(manyGuests(500))
    dir = node.dir
    // a virsh on PATH that counts its invocations, then runs the real one
    const bin = mkdtempSync(path.join(tmpdir(), 'zmigrate-bin-'))
    const log = path.join(bin, 'calls')
    writeFileSync(path.join(bin, 'virsh'), `#!/bin/sh\necho call >>'${log}'\nexec /usr/bin/virsh "$@"\n`)
    chmodSync(path.join(bin, 'virsh'), 0o755)
    const savedPath = process.env.PATH
    process.env.PATH = `${bin}:${savedPath}`
    try {
      const t0 = performance.now()
      const {facts, t} = await gather(fixtureTree('lpar-src'), node.uri)
      const ms = performance.now() - t0
      expect(t.roundTrips).to.equal(1)
      expect(facts.guests).to.have.length(500)
      expect(new Set(facts.guests.map((g) => g.name)).size).to.equal(500)
      expect(facts.guests.every((g) => g.state === 'running' && g.xml.includes(`<uuid>${g.uuid}</uuid>`))).to.equal(true)
      expect(readFileSync(log, 'utf8').trim().split('\n')).to.have.length(2)
      // the test driver re-reads the 500-domain node file per connection (~0.2 s each); generous for a loaded CI box
      expect(ms).to.be.below(10_000)
    } finally {
      process.env.PATH = savedPath
      rmSync(bin, {recursive: true, force: true})
    }
  })
})
