/**
 * Version order for the rules, in one place: libvirt and QEMU versions as the facts record them
 * ('9.0.0', '8.2.2 (Debian 1:8.2.2+ds)') and the versions in machine-type names ('7.2' of
 * s390-ccw-virtio-7.2).
 */

/** Leading dotted number of a version string: '8.2.2 (Debian 1:8.2.2+ds)' → [8, 2, 2]; none → undefined. */
export function versionNumbers(version: string | undefined): number[] | undefined {
  const m = version === undefined ? null : /(\d+(?:\.\d+)*)/.exec(version)
  return m ? m[1].split('.').map(Number) : undefined
}

/** Negative when a < b, 0 when equal, positive when a > b ('7.2' equals '7.2.0'). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** '9.0.0' ≥ '5.6'? Unknown or unreadable versions are not "at least" anything. */
export function versionAtLeast(version: string | undefined, minimum: string): boolean {
  const have = versionNumbers(version)
  const want = versionNumbers(minimum)
  return have !== undefined && want !== undefined && compareVersions(have, want) >= 0
}
