/**
 * Numbers as libvirt reads them, so that values written differently but meaning the same
 * device compare equal ('5', '0x5' and '0x0005' are one devno).
 */

/**
 * libvirt parses ccw, PCI and zPCI address attributes with strtoul base 0
 * (src/conf/device_conf.c: virXMLPropUInt(..., 0, ...)): `0x…` is hex, a leading `0` is
 * octal (so devno='010' is 0x0008, not 0x0010), anything else decimal.
 */
export function parseCNumber(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  if (/^0x[0-9a-f]+$/i.test(v)) return BigInt(v.toLowerCase())
  if (/^0[0-7]*$/.test(v)) return BigInt(`0o${v.slice(1) || '0'}`)
  if (/^[1-9][0-9]*$/.test(v)) return BigInt(v)
  return undefined
}

/**
 * Lower-case `0x` hex padded to `width` digits, the form libvirt writes back. A value libvirt
 * would reject is returned as given (trimmed) so rules can still show it.
 */
export function cHex(value: string | undefined, width: number): string | undefined {
  const n = parseCNumber(value)
  if (n === undefined) return value?.trim()
  return `0x${n.toString(16).padStart(width, '0')}`
}

/** Decimal string of a base-0 number (SCSI source bus/target/unit); unparsable values as given. */
export function cDecimal(value: string | undefined): string | undefined {
  const n = parseCNumber(value)
  return n === undefined ? value?.trim() : n.toString()
}

/** Decimal string of a base-10 number (drive addresses are parsed base 10 by libvirt). */
export function decimal(value: string | undefined): string | undefined {
  const v = value?.trim()
  return v !== undefined && /^[0-9]+$/.test(v) ? BigInt(v).toString() : v
}

/** A plain non-negative decimal integer (vcpu count, boot order, memory amount), else undefined. */
export function parseCount(value: string | undefined): number | undefined {
  const v = value?.trim()
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * Bytes per unit, following libvirt's virScaleInteger (src/util/virutil.c): case-insensitive;
 * b/byte/bytes = 1; k, KiB, M, MiB … = powers of 1024; KB, MB … = powers of 1000.
 * An absent unit means KiB for every memory size in domain XML.
 */
export function unitBytes(unit: string | undefined): bigint | undefined {
  if (unit === undefined || unit === '') return 1024n
  const u = unit.toLowerCase()
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n
  const power = 'kmgtpe'.indexOf(u[0] ?? '') + 1
  if (power === 0) return undefined
  const rest = u.slice(1)
  const base = rest === '' || rest === 'ib' ? 1024n : rest === 'b' ? 1000n : undefined
  return base === undefined ? undefined : base ** BigInt(power)
}

/** `amount` `unit` in KiB, rounded up as libvirt does (VIR_DIV_UP); undefined when either is invalid. */
export function toKiB(amount: string | undefined, unit: string | undefined): number | undefined {
  const v = amount?.trim()
  const scale = unitBytes(unit?.trim())
  if (v === undefined || !/^[0-9]+$/.test(v) || scale === undefined) return undefined
  const kib = (BigInt(v) * scale + 1023n) / 1024n
  return kib <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(kib) : undefined
}
