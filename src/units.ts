/**
 * Byte sizes and durations as admins read them, in one place (rules' messages, progress lines).
 */
const KiB = 1024
const MiB = KiB * 1024
const GiB = MiB * 1024
const TiB = GiB * 1024

/** 21474836480 → '20 GiB'; 1610612736 → '1.5 GiB'; 524288000 → '500 MiB'. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [TiB, 'TiB'],
    [GiB, 'GiB'],
    [MiB, 'MiB'],
    [KiB, 'KiB'],
  ]
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const value = bytes / size
      return `${Number.isInteger(value) ? value : value.toFixed(1).replace(/\.0$/, '')} ${unit}`
    }
  }
  return `${bytes} B`
}

/** A size the kernel or libvirt gives in KiB (meminfo, huge page sizes): 8388608 → '8 GiB', 1024 → '1 MiB'. */
export function formatKiB(kib: number): string {
  return formatBytes(kib * KiB)
}

/** A predicted or measured duration: 0.25 → '0.3 s', 95 → '95 s', 130 → '2 min 10 s', 3900 → '1 h 5 min'. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
  const minutes = Math.round(s / 60)
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
}
