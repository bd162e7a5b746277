/**
 * The storage rules on facts gathered from the recorded LPAR trees (test/fixtures/hosts/lpar-src
 * and lpar-dst, see their READMEs): the destination numbers one DASD differently in its IOCDS,
 * has a base and a HyperPAV alias offline, names one multipath map mpathb, and has virt_use_nfs
 * off. A guest that uses each of those gets exactly the findings an admin would expect.
 */
import {expect} from 'chai'
import {fileURLToPath} from 'node:url'
import {gatherFacts} from '../../../src/hosts/facts.js'
import type {HostFacts} from '../../../src/hosts/facts-types.js'
import {LocalTransport} from '../../../src/hosts/local.js'
import {storageRules} from '../../../src/rules/storage/index.js'
import type {Finding} from '../../../src/rules/types.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {evaluate, makeContext, testHost} from '../../support/rule-harness.js'
import {GiB, fileDisk, fileProbe} from './storage-fixtures.js'

const tree = (name: string) => fileURLToPath(new URL(`../../fixtures/hosts/${name}`, import.meta.url))

const WWID_21D5 = '36005076305ffc1ae00000000000021d5'
const WWID_21D6 = '36005076305ffc1ae00000000000021d6'
const NFS_IMAGE = '/var/lib/libvirt/images/shared/linux07-shared.raw'

const linux07 = guest(
  [
    dasdDisk('/dev/disk/by-path/ccw-0.0.7502', 'vda', '0x7502'), // IOCDS differs: 0.0.7502 is another volume on lpar-dst
    dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.03', 'vdb', '0x7503'), // 0.0.7503 offline on lpar-dst
    dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.00', 'vdc', '0x7500'), // fine
    dasdDisk(`/dev/mapper/${WWID_21D6}`, 'vdd', '0x0004'), // mpathb on lpar-dst
    dasdDisk(`/dev/disk/by-id/dm-uuid-mpath-${WWID_21D5}`, 'vde', '0x0005'), // fine
    dasdDisk('/dev/sdb', 'vdf', '0x0006'), // a single path of 21d6
    fileDisk(NFS_IMAGE, 'vdg', {format: 'raw', cache: 'none', devno: '0x0007'}), // NFS, virt_use_nfs off there
  ].join('\n'),
  {name: 'linux07'},
)

describe('storage rules on the recorded LPAR trees', function () {
  this.timeout(60_000)
  let source: HostFacts
  let destination: HostFacts
  let findings: Finding[]

  before(async () => {
    const src = testHost('src', {transport: 'local', root: tree('lpar-src'), libvirtUri: 'test:///default'})
    const dst = testHost('dst', {transport: 'local', root: tree('lpar-dst'), libvirtUri: 'test:///default'})
    ;[source, destination] = await Promise.all([gatherFacts(new LocalTransport('src'), src), gatherFacts(new LocalTransport('dst'), dst)])
    // what the probe phase finds on the destination: the NFS export holds the shared image
    const destinationProbes = [fileProbe(NFS_IMAGE, 'raw', 8 * GiB)]
    findings = evaluate(storageRules, makeContext({domain: linux07, source, destination, destinationProbes}))
  })

  const byRule = (id: string) => findings.filter((f) => f.rule === id)

  it('reports the IOCDS difference for the by-path disk only', () => {
    const [f, ...rest] = byRule('dasd-devno-mismatch')
    expect(rest).to.deep.equal([])
    expect(f.subject).to.equal('disk vda (/dev/disk/by-path/ccw-0.0.7502)')
    expect(f.data).to.deep.include({uid: 'IBM.75000000092461.e900.02', destinationBusIds: ['0.0.7602'], destinationUidAtBusId: 'IBM.75000000092461.e900.12'})
  })

  it('plans to set the offline base online, its UID to be verified', () => {
    const [f, ...rest] = byRule('dasd-base-offline')
    expect(rest).to.deep.equal([])
    expect(f.severity).to.equal('action')
    expect(f.data).to.deep.include({busId: '0.0.7503', uid: 'IBM.75000000092461.e900.03', uidVerified: false})
    expect(byRule('dasd-missing-on-destination')).to.deep.equal([])
  })

  it('plans to set the offline HyperPAV alias online, recognised by its bus-ID', () => {
    const [f, ...rest] = byRule('dasd-alias-offline')
    expect(rest).to.deep.equal([])
    expect(f.severity).to.equal('action')
    expect(f.data).to.deep.include({busIds: ['0.0.75ff'], inferredBusIds: ['0.0.75ff'], lcu: 'IBM.75000000092461.e900'})
  })

  it('blocks the WWID-named mapper node that is mpathb on the destination, and the sd path', () => {
    const [lun, ...rest] = byRule('scsi-lun-missing-on-destination')
    expect(rest).to.deep.equal([])
    expect(lun.data).to.deep.include({target: 'vdd', reason: 'name-differs', destinationName: 'mpathb'})
    const [sd, ...more] = byRule('scsi-dm-node')
    expect(more).to.deep.equal([])
    expect(sd.data).to.deep.include({target: 'vdf', kernelDevice: 'sdb', wwid: WWID_21D6, suggestedPath: `/dev/disk/by-id/dm-uuid-mpath-${WWID_21D6}`})
  })

  it('accepts the shared NFS image but blocks on virt_use_nfs', () => {
    expect(byRule('nfs-not-shared')).to.deep.equal([])
    expect(byRule('disk-source-missing-on-destination')).to.deep.equal([])
    const [f, ...rest] = byRule('selinux-virt-use-nfs')
    expect(rest).to.deep.equal([])
    expect(f.data).to.deep.include({targets: ['vdg']})
  })

  it('finds nothing else: no copy, no cache or bus problem', () => {
    const expected = [
      'dasd-devno-mismatch',
      'dasd-base-offline',
      'dasd-alias-offline',
      'scsi-lun-missing-on-destination',
      'scsi-dm-node',
      'selinux-virt-use-nfs',
    ]
    expect(findings.map((f) => f.rule).sort()).to.deep.equal([...expected].sort())
  })
})
