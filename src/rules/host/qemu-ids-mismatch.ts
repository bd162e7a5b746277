import {diskLabel} from '../../domain/labels.js'
import {sharedMountFor} from '../shared-fs.js'
import type {Rule} from '../types.js'

/**
 * libvirt runs QEMU as the qemu user (qemu.conf `user`/`group`) and its DAC security driver
 * (src/security/security_dac.c) chowns the guest's images to that uid:gid when the guest starts;
 * on a shared file system it deliberately leaves them so after a migration
 * (virSecurityDACRestoreImageLabelInt skips shared FS; libvirt issue 628). A shared file system
 * (NFS and the like) stores numeric owners, so when the qemu uid or gid differs between the hosts
 * an image owned by the source's qemu user belongs to some other id on the destination. With NFS
 * root_squash libvirt cannot chown it and the destination fails with "Cannot access storage file
 * '…' (as uid:…, gid:…): Permission denied"; without it, the destination's chown takes the image
 * away from the source QEMU that is still writing to it. Hence a blocker for images under a
 * shared mount (on either host).
 * Host-local and block storage are owned per host, so there the mismatch is a warning: images or
 * files copied between the hosts by hand keep the other host's ids.
 */
export const qemuIdsMismatch: Rule = {
  id: 'qemu-ids-mismatch',
  category: 'host',
  severity: 'blocker',
  summary: "The qemu user's uid/gid differ between the hosts (a problem for images on shared file systems).",
  remedy:
    'Give the qemu user and group the same uid and gid on both hosts (usermod -u / groupmod -g on the host with the odd ids, then chown the files it owned), or set user = "+<uid>" and group = "+<gid>" in /etc/libvirt/qemu.conf to the same numbers on both hosts and restart libvirt.',
  source: 'libvirt qemu.conf user/group and dynamic_ownership; libvirt src/security/security_dac.c (image ownership, shared file systems during migration)',
  check({guest, source, destination}) {
    const s = source.qemuIds
    const d = destination.qemuIds
    if (!s || !d) return []
    const uidDiffers = s.uid !== undefined && d.uid !== undefined && s.uid !== d.uid
    const gidDiffers = s.gid !== undefined && d.gid !== undefined && s.gid !== d.gid
    if (!uidDiffers && !gidDiffers) return []
    const ids = `${source.host} ${s.user ?? 'qemu'}=${s.uid ?? '?'}:${s.gid ?? '?'}, ${destination.host} ${d.user ?? 'qemu'}=${d.uid ?? '?'}:${d.gid ?? '?'}`
    const data = {sourceUid: s.uid, sourceGid: s.gid, destinationUid: d.uid, destinationGid: d.gid}
    const shared = guest.domain.disks
      .filter((disk) => disk.type === 'file' && disk.path)
      .map((disk) => ({disk, mount: sharedMountFor(source, disk.path!) ?? sharedMountFor(destination, disk.path!)}))
      .filter((x) => x.mount !== undefined)
    if (shared.length === 0) {
      return [
        {
          subject: `host ${destination.host}`,
          message: `the qemu user's ids differ (${ids}); guest ${guest.name} has no image on a shared file system, but files moved between the hosts keep the other host's ids`,
          severity: 'warning',
          data,
        },
      ]
    }
    return shared.map(({disk, mount}) => ({
      subject: diskLabel(disk),
      message: `image on shared ${mount!.fstype} ${mount!.target} is owned by numeric ids, and the qemu user's ids differ (${ids}): the destination QEMU cannot open it`,
      data: {...data, path: disk.path, mount: mount!.target, fstype: mount!.fstype},
    }))
  },
}
