import {diskLabel} from '../../domain/labels.js'
import {isSelectedForDetach} from '../helpers.js'
import {isClusterMount, mountFor} from '../shared-fs.js'
import {disksToCopy} from '../storage-helpers.js'
import type {FindingDraft, Rule} from '../types.js'
import {versionAtLeast} from '../versions.js'

/**
 * With a host page cache (cache modes writeback, writethrough, unsafe, or none set — QEMU's
 * default is writeback), the destination may read stale data the source still had cached.
 * libvirt's qemuMigrationSrcIsSafe therefore refuses ("Migration may lead to data corruption if
 * disks use cache other than none or directsync", VIR_ERR_MIGRATE_UNSAFE) unless --unsafe is
 * given. It exempts: empty and read-only disks, disks it copies, network disks, shareable disks,
 * images on a coherent cluster file system (shared-fs.ts: GFS2, OCFS2, CephFS), and cache none/directsync.
 * Since libvirt 5.6 with QEMU 4.0 the check passes anyway: QEMU drops the page cache on
 * switch-over (file-posix drop-cache, capability migration-file-drop-cache).
 *
 * Fires for each writable disk that is not copied, not shareable, not a network disk, not
 * detached, and not on a cluster file system, whose cache mode is not none/directsync:
 * warning — libvirt refuses — when the source libvirt/QEMU are older than 5.6/4.0 or unknown;
 * info when the site policy passes --unsafe or the source's libvirt and QEMU drop the cache.
 */
export const diskCacheUnsafe: Rule = {
  id: 'disk-cache-unsafe',
  category: 'storage',
  severity: 'warning',
  summary: 'A shared writable disk uses a host cache mode other than none/directsync, which libvirt may refuse to migrate as unsafe.',
  remedy:
    "Set cache='none' (or 'directsync') in the disk's <driver> with virsh edit and restart the guest; or, if the storage is cache-coherent, set migration.unsafe: true in the profile.",
  source:
    'libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsSafe (VIR_ERR_MIGRATE_UNSAFE; exemptions and the QEMU_CAPS_MIGRATION_FILE_DROP_CACHE bypass); libvirt docs/manpages/virsh.rst migrate --unsafe; QEMU qapi/block-core.json BlockdevOptionsFile drop-cache (since 4.0)',
  check(ctx) {
    const copied = new Set(disksToCopy(ctx))
    const {libvirt, qemu} = ctx.source
    const dropsCache = versionAtLeast(libvirt.version, '5.6') && versionAtLeast(qemu.version, '4.0')
    const unsafe = ctx.profile.migration.unsafe
    const findings: FindingDraft[] = []
    for (const disk of ctx.guest.domain.disks) {
      if (disk.readonly || disk.shareable || disk.type === 'network' || copied.has(disk) || isSelectedForDetach(ctx, disk)) continue
      if (disk.path === undefined && disk.type !== 'volume' && disk.type !== 'nvme') continue // empty drive
      if (disk.type === 'file' && disk.path && isClusterMount(mountFor(ctx.source, disk.path))) continue
      const cache = disk.driver?.cache
      if (cache === 'none' || cache === 'directsync') continue
      const mode = cache ?? 'default (writeback)'
      const versions = `libvirt ${libvirt.version ?? '?'} / QEMU ${qemu.version ?? '?'}`
      let severity: 'warning' | 'info' = 'warning'
      const known = libvirt.version !== undefined && qemu.version !== undefined
      let message = `cache mode ${mode}: libvirt on ${ctx.source.host} (${versions}) ${known ? 'refuses' : 'may refuse'} the migration as unsafe unless --unsafe is given`
      if (unsafe) {
        severity = 'info'
        message = `cache mode ${mode}: the site policy passes --unsafe, so libvirt's cache-mode check is off`
      } else if (dropsCache) {
        severity = 'info'
        message = `cache mode ${mode}: ${versions} on ${ctx.source.host} drops the page cache on switch-over, so libvirt allows it`
      }
      findings.push({
        subject: diskLabel(disk),
        severity,
        message,
        ...(severity === 'warning'
          ? {
              remedy: `virsh edit ${ctx.guest.name}: set cache='none' in the <driver> of ${disk.target.dev} and restart the guest; or set migration.unsafe: true if the storage is cache-coherent.`,
            }
          : {}),
        data: {target: disk.target.dev, cache: cache ?? 'default'},
      })
    }
    return findings
  },
}
