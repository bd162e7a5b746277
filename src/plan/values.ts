/**
 * The domains of the values a plan or journal hands to commands on a host. A plan file is input:
 * it may be edited, truncated or planted, so every value that reaches `chzdev`, sysfs, `qemu-img`,
 * `rm` or `virsh` is checked here when the file is read, before anything runs. Each check says
 * what the value must be, so the error names the field and the rule it broke.
 */
import {posix} from 'node:path'
import {z} from 'zod'
import {parseXmlFragment} from '../domain/xml-fragment.js'

/** A CCW bus-ID as sysfs names it: channel subsystem, subchannel set, device number (`0.0.7500`). */
export const BUS_ID = /^[0-9a-f]\.[0-9a-f]\.[0-9a-f]{4}$/

/** A libvirt UUID (any variant: libvirt generates and accepts them all), lower or upper case. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Image formats zmigrate pre-creates for disk migration: those of QEMU_IMAGE_FORMATS
 * (domain/image-format.ts, what QEMU reads) that `qemu-img create` writes and libvirt copies into.
 */
export const IMAGE_FORMATS = ['raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'luks'] as const

/** A host PCI function address as lspci -D and sysfs write it (`0002:00:00.0`). */
export const PCI_ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i

/** A SCSI host as libvirt's `<adapter name>` names it (`scsi_host2`). */
export const SCSI_HOST = /^scsi_host[0-9]{1,6}$/

/** A guest disk target (`vda`, `sdb`, `vdaa`): a token for `--migrate-disks`. */
export const DISK_TARGET = /^[a-z][a-z0-9]{1,31}$/

/** Device elements a step may detach or attach. */
export const DEVICE_ELEMENTS = ['disk', 'hostdev', 'interface', 'filesystem'] as const

/** True for `/a/b`: absolute, normalised (no `.`/`..`/`//`/trailing slash), one line, no NUL. */
export function isAbsoluteNormalPath(p: string): boolean {
  return p.length > 1 && p.length <= 4096 && p.startsWith('/') && !/[\0\n\r]/.test(p) && posix.normalize(p) === p && !p.endsWith('/')
}

export const busIdSchema = z.string().regex(BUS_ID, 'a CCW bus-ID x.y.zzzz (e.g. 0.0.7500)')
export const uuidSchema = z.string().regex(UUID, 'a UUID')
export const absolutePathSchema = z.string().refine(isAbsoluteNormalPath, 'an absolute, normalised path')
export const imageFormatSchema = z.enum(IMAGE_FORMATS)
export const pciAddressSchema = z.string().regex(PCI_ADDRESS, 'a PCI address dddd:bb:ss.f (e.g. 0002:00:00.0)')
export const scsiHostSchema = z.string().regex(SCSI_HOST, 'a SCSI host scsi_hostN')
/** One line of text with no control characters: a value that ends up in device XML or a message. */
export const oneLineSchema = z
  .string()
  .min(1)
  .max(4096)
  // control characters are exactly what this refuses
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'one line of text without control characters')
export const diskTargetSchema = z.string().regex(DISK_TARGET, 'a disk target such as vda')
/** ISO 8601 date-time with a zone, as Date#toISOString writes it. */
export const timestampSchema = z.iso.datetime({offset: true})

/**
 * A libvirt connection URI for `--desturi` (`qemu+ssh://root@host/system`). It must also be the
 * URI of a host the profile names; that is checked against the profile (plan/integrity.ts).
 */
export const libvirtUriSchema = z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s\0]*$/, 'a libvirt URI such as qemu+ssh://host/system')

/** Device XML that is one element of the kind it claims to be. */
export function isDeviceXml(xml: string, element: string): boolean {
  try {
    return parseXmlFragment(xml).name === element
  } catch {
    return false
  }
}
