/**
 * The format a disk image is read and created with: the one its domain XML declares, never one
 * guessed from the file. A raw image's first bytes are the guest's to write; a guest that writes a
 * qcow2 header there would otherwise choose its own size and backing file (QEMU's documentation
 * warns against format probing of guest-writable images for this reason).
 */
import type {Disk} from './types.js'

/** qemu-img `-f` names of the image formats QEMU reads (block drivers with an image format). */
export const QEMU_IMAGE_FORMATS: readonly string[] = ['raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks', 'qcow', 'cloop', 'dmg', 'parallels', 'bochs']

/**
 * libvirt's names that differ from QEMU's: libvirt opens type='ploop' with QEMU's parallels
 * driver and type='vhd' with vhdx (src/qemu/qemu_block.c, qemuBlockStorageSourceGetBlockdevFormatProps).
 */
const LIBVIRT_NAMES: Readonly<Record<string, string>> = {ploop: 'parallels', vhd: 'vhdx'}

export function isQemuImageFormat(name: string): boolean {
  return QEMU_IMAGE_FORMATS.includes(name)
}

/**
 * The qemu-img format of a disk's image, from `<driver type>`. Without one, raw: libvirt does
 * not probe formats by default and opens such a disk as raw, so raw is what the guest sees.
 */
export function declaredImageFormat(disk: Pick<Disk, 'driver'>): {format: string} | {error: string} {
  const declared = disk.driver?.format
  if (declared === undefined) return {format: 'raw'}
  const format = LIBVIRT_NAMES[declared] ?? declared
  if (isQemuImageFormat(format)) return {format}
  return {error: `<driver type=${JSON.stringify(declared)}> is not a disk image format QEMU reads (${QEMU_IMAGE_FORMATS.join(', ')})`}
}
