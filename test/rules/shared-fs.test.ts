// One list of shared file systems: every rule that asks "is this image on storage both hosts
// reach?" gets the same answer for the same mount type.
import {expect} from 'chai'
import type {MountEntry} from '../../src/hosts/facts-types.js'
import {qemuIdsMismatch} from '../../src/rules/host/qemu-ids-mismatch.js'
import {FILE_SYSTEMS, fileSystemKind, isClusterMount, isNfsMount, isSharedMount, mountFor, sharedMountFor} from '../../src/rules/shared-fs.js'
import {diskCacheUnsafe} from '../../src/rules/storage/disk-cache-unsafe.js'
import {localDiskCopy} from '../../src/rules/storage/local-disk-copy.js'
import {selinuxVirtUseNfs} from '../../src/rules/storage/selinux-virt-use-nfs.js'
import {guest} from '../support/domain-xml.js'
import {emptyFacts, evaluate, makeContext} from '../support/rule-harness.js'
import {fileDisk, rootMount} from './storage/storage-fixtures.js'

/** The decision for each file system people ask about, as an admin would state it. */
const DECISIONS: [fstype: string, shared: boolean, nfs: boolean, cluster: boolean][] = [
  ['nfs', true, true, false],
  ['nfs4', true, true, false],
  ['gfs2', true, false, true],
  ['ocfs2', true, false, true],
  ['ceph', true, false, true],
  ['cephfs', true, false, true],
  ['gpfs', true, false, false],
  ['glusterfs', true, false, false],
  ['fuse.glusterfs', true, false, false],
  ['beegfs', true, false, false],
  ['lustre', true, false, false],
  ['xfs', false, false, false],
  ['ext4', false, false, false],
  ['tmpfs', false, false, false],
  ['fuse.sshfs', false, false, false],
]

const image = '/var/lib/libvirt/images/linux01.qcow2'
const mountOf = (fstype: string): MountEntry => ({
  source: fstype.startsWith('nfs') ? 'nfs1.example.com:/export/images' : `${fstype}-volume`,
  target: '/var/lib/libvirt/images',
  fstype,
})
const on = (fstype: string) => emptyFacts('src', {mounts: [rootMount, mountOf(fstype)]})

describe('shared file systems (src/rules/shared-fs.ts)', () => {
  for (const [fstype, shared, nfs, cluster] of DECISIONS) {
    it(`${fstype}: ${shared ? 'shared' : 'host-local'}${nfs ? ', NFS' : ''}${cluster ? ', cache-coherent cluster FS' : ''}`, () => {
      const m = mountOf(fstype)
      expect(isSharedMount(m), 'shared').to.equal(shared)
      expect(isNfsMount(m), 'nfs').to.equal(nfs)
      expect(isClusterMount(m), 'cluster').to.equal(cluster)
    })

    it(`${fstype}: every rule agrees on where the image lives`, () => {
      const domain = guest(fileDisk(image, 'vda', {cache: 'writeback'}))
      const destination = emptyFacts('dst', {
        mounts: [rootMount, mountOf(fstype)],
        qemuIds: {user: 'qemu', group: 'qemu', uid: 36, gid: 36},
        selinux: {enabled: true, enforcing: true, virtUseNfs: false},
      })
      const ctx = makeContext({domain, source: {...on(fstype), libvirt: {reachable: true, uri: 'qemu:///system', version: '4.5.0'}}, destination})
      // shared: not copied; local: copied (an action)
      expect(
        evaluate([localDiskCopy], ctx).map((f) => f.severity),
        'local-disk-copy',
      ).to.deep.equal(shared ? [] : ['action'])
      // numeric owners matter for an image on shared storage (blocker), elsewhere only a warning
      expect(
        evaluate([qemuIdsMismatch], ctx).map((f) => f.severity),
        'qemu-ids-mismatch',
      ).to.deep.equal([shared ? 'blocker' : 'warning'])
      expect(sharedMountFor(ctx.source, image)?.fstype, 'sharedMountFor').to.equal(shared ? fstype : undefined)
      // libvirt 4.5 still checks cache modes: of the disks that are not copied, all but those on cluster file systems
      expect(evaluate([diskCacheUnsafe], ctx).length, 'disk-cache-unsafe').to.equal(shared && !cluster ? 1 : 0)
      // SELinux's virt_use_nfs only for NFS
      expect(evaluate([selinuxVirtUseNfs], ctx).length, 'selinux-virt-use-nfs').to.equal(nfs ? 1 : 0)
    })
  }

  it('every entry says why it has its status', () => {
    for (const [fstype, kind] of Object.entries(FILE_SYSTEMS)) {
      expect(kind.note, fstype).to.be.a('string').with.length.greaterThan(10)
      if (kind.nfs || kind.cluster) expect(kind.shared, `${fstype} is NFS or cluster, so shared`).to.equal(true)
    }
    expect(fileSystemKind('toString'), 'object prototype names are not file systems').to.equal(undefined)
  })

  it('the mount holding a path is the longest mount point above it', () => {
    const facts = emptyFacts('src', {
      mounts: [
        rootMount,
        {source: 'nfs1:/export', target: '/var/lib/libvirt/', fstype: 'nfs4'},
        {source: '/dev/mapper/local', target: '/var/lib/libvirt/images', fstype: 'xfs'},
      ],
    })
    expect(mountFor(facts, image)?.fstype).to.equal('xfs')
    expect(mountFor(facts, '/var/lib/libvirt/qemu/nvram/linux01_VARS.fd')?.fstype).to.equal('nfs4')
    expect(mountFor(facts, '/var/lib/libvirt/images-old/a.qcow2')?.fstype, 'a mount point is a path prefix only at a /').to.equal('nfs4')
    expect(sharedMountFor(facts, image), 'a local file system mounted inside a shared one is local').to.equal(undefined)
  })
})
