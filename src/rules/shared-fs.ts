/**
 * Which file systems both hosts reach, in one place: the storage rules (copy or not), the host
 * rules (numeric owners on shared images) and the cache-mode check all read this table, so a file
 * system is never shared for one rule and local for another. Keys are mount types as
 * /proc/mounts prints them (FUSE mounts as fuse.<subtype>); a type not listed is host-local.
 *
 * The starting point is libvirt's own list, so that zmigrate and libvirt agree on which disks
 * need --copy-storage-all: virFileIsSharedFS (src/util/virfile.c) matches NFS, GFS2, OCFS2, AFS,
 * SMB/CIFS, CephFS, GPFS (IBM Storage Scale), ACFS and BeeGFS by superblock magic, and of the FUSE
 * mounts only fuse.glusterfs and fuse.quobyte. Where libvirt has no opinion, the file system is
 * counted shared when every host that mounts it sees the same files: calling such a file system
 * local would make the plan copy an image onto itself through a second QEMU.
 */
import type {HostFacts, MountEntry} from '../hosts/facts-types.js'

export interface FileSystemKind {
  /** Both hosts open the same file at the same path: images there are not copied. */
  shared: boolean
  /** NFS: the export must match on the destination, and SELinux needs virt_use_nfs. */
  nfs?: true
  /**
   * Cache-coherent cluster file system: libvirt's cache-mode safety check exempts images on it
   * (virFileIsClusterFS: GFS2, OCFS2, CephFS).
   */
  cluster?: true
  /** Another name of the same file system (the kernel's), e.g. cephfs → ceph. */
  sameAs?: string
  /** Why it has this status. */
  note: string
}

export const FILE_SYSTEMS: Readonly<Record<string, FileSystemKind>> = {
  nfs: {shared: true, nfs: true, note: 'NFS v2/v3 (libvirt: NFS_SUPER_MAGIC); IBM lists NFS image files as shared storage'},
  nfs4: {shared: true, nfs: true, note: 'NFS v4.x, its own mount type in /proc/mounts (same superblock magic as nfs for libvirt)'},
  gfs2: {shared: true, cluster: true, note: 'GFS2 cluster file system (libvirt: shared and cluster)'},
  ocfs2: {shared: true, cluster: true, note: 'OCFS2 cluster file system (libvirt: shared and cluster)'},
  ceph: {shared: true, cluster: true, note: 'CephFS through the kernel client (libvirt: CEPH_SUPER_MAGIC, shared and cluster)'},
  cephfs: {
    shared: true,
    cluster: true,
    sameAs: 'ceph',
    note: 'CephFS by its product name; the kernel client mounts as ceph, so facts read from /proc/mounts say ceph — the same file system either way',
  },
  gpfs: {shared: true, note: 'IBM Storage Scale (GPFS), common on IBM Z (libvirt: GPFS_SUPER_MAGIC); not a cluster FS for the cache check'},
  'fuse.glusterfs': {
    shared: true,
    note: 'GlusterFS native client, a FUSE mount (libvirt: virFileIsSharedFsFUSE); recent libvirt also exempts it from the cache check, older releases do not, so zmigrate keeps the cache warning',
  },
  glusterfs: {
    shared: true,
    sameAs: 'fuse.glusterfs',
    note: 'GlusterFS as fstab names it; the kernel reports the mount as fuse.glusterfs — the same file system either way',
  },
  'fuse.quobyte': {shared: true, note: 'Quobyte FUSE client (libvirt: virFileIsSharedFsFUSE)'},
  beegfs: {shared: true, note: 'BeeGFS, formerly FhGFS (libvirt: VIR_BEEGFS_MAGIC 0x19830326)'},
  lustre: {
    shared: true,
    note: 'Lustre: every client sees the same files, but libvirt does not list it, so libvirt refuses to migrate without copying ("Migration without shared storage is unsafe") unless migration.unsafe is set',
  },
  afs: {shared: true, note: 'AFS (libvirt: AFS_FS_MAGIC)'},
  cifs: {shared: true, note: 'SMB/CIFS (libvirt: CIFS_SUPER_MAGIC)'},
  smb3: {shared: true, note: 'SMB 3 through the cifs module mounted as -t smb3 (libvirt: SMB/CIFS magic)'},
  acfs: {shared: true, note: 'Oracle ASM Cluster File System (libvirt: VIR_ACFS_MAGIC)'},
}

export function fileSystemKind(fstype: string): FileSystemKind | undefined {
  return Object.hasOwn(FILE_SYSTEMS, fstype) ? FILE_SYSTEMS[fstype] : undefined
}

/** The mount holding a path: the longest mount point that is a prefix of it (as `df` does). */
export function mountFor(facts: HostFacts, path: string): MountEntry | undefined {
  let best: MountEntry | undefined
  for (const m of facts.mounts) {
    const target = m.target.length > 1 ? m.target.replace(/\/+$/, '') : m.target
    const inside = target === '/' ? path.startsWith('/') : path === target || path.startsWith(`${target}/`)
    if (inside && (!best || target.length >= best.target.replace(/\/+$/, '').length)) best = m
  }
  return best
}

/** One file system under either of its names ('glusterfs' and 'fuse.glusterfs')? */
export function sameFileSystemType(a: string, b: string): boolean {
  const canonical = (t: string) => fileSystemKind(t)?.sameAs ?? t
  return canonical(a) === canonical(b)
}

export function isSharedMount(m: MountEntry | undefined): boolean {
  return m !== undefined && fileSystemKind(m.fstype)?.shared === true
}

export function isNfsMount(m: MountEntry | undefined): boolean {
  return m !== undefined && fileSystemKind(m.fstype)?.nfs === true
}

export function isClusterMount(m: MountEntry | undefined): boolean {
  return m !== undefined && fileSystemKind(m.fstype)?.cluster === true
}

/** The shared-file-system mount holding a path on a host, if the mount holding it is shared. */
export function sharedMountFor(facts: HostFacts, path: string): MountEntry | undefined {
  const m = mountFor(facts, path)
  return isSharedMount(m) ? m : undefined
}
