/**
 * The host files a guest boots from, named in `<os>`: a direct-boot kernel and initrd, a firmware
 * loader and its NVRAM variable store. QEMU opens them on whichever host runs the guest, so they
 * must exist there too; libvirt copies none of them during a migration.
 */
import type {DomainModel} from './types.js'

export type BootFileKind = 'kernel' | 'initrd' | 'loader' | 'nvram'

export const BOOT_FILE_KINDS: readonly BootFileKind[] = ['kernel', 'initrd', 'loader', 'nvram']

export interface BootFile {
  kind: BootFileKind
  path: string
}

/** The guest's boot files, in `<os>` order; empty for the usual s390x guest that boots from its disk (IPL). */
export function bootFiles(domain: Pick<DomainModel, 'os'>): BootFile[] {
  return BOOT_FILE_KINDS.flatMap((kind) => {
    const path = domain.os[kind]
    return path ? [{kind, path}] : []
  })
}
