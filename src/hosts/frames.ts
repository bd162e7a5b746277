/**
 * Reading the framed output of the collect and probe scripts (see collect-script.ts):
 *     \n::zm:<nonce>:begin:<name>\n<body>\n::zm:<nonce>:end:<name>:<status>\n
 * Only lines carrying this run's nonce count, so nothing a section prints can open or close one.
 */

export interface Frame {
  name: string
  /** Exactly what the section printed. */
  body: string
  /** The section's exit status; undefined when its end frame never came (output cut short). */
  status?: number
}

export function splitFrames(stdout: string, nonce: string): Map<string, Frame> {
  const frames = new Map<string, Frame>()
  const begin = `::zm:${nonce}:begin:`
  const end = `::zm:${nonce}:end:`
  let pos = 0
  for (;;) {
    const b = stdout.indexOf(begin, pos)
    if (b < 0) break
    if (b > 0 && stdout[b - 1] !== '\n') {
      pos = b + begin.length
      continue
    }
    const nl = stdout.indexOf('\n', b)
    if (nl < 0) break
    const name = stdout.slice(b + begin.length, nl)
    const closing = `\n${end}${name}:`
    const e = stdout.indexOf(closing, nl)
    if (e < 0) {
      frames.set(name, {name, body: stdout.slice(nl + 1)})
      break
    }
    const statusEnd = stdout.indexOf('\n', e + closing.length)
    const status = Number(stdout.slice(e + closing.length, statusEnd < 0 ? undefined : statusEnd))
    frames.set(name, {name, body: stdout.slice(nl + 1, e), status: Number.isInteger(status) ? status : undefined})
    pos = statusEnd < 0 ? stdout.length : statusEnd
  }
  return frames
}

/** Lines of `key NUL value[ NUL value…]` (grep -Z -H, find -printf); lines without NUL are skipped. */
export function nulRecords(body: string): string[][] {
  return body
    .split('\n')
    .filter((line) => line.includes('\0'))
    .map((line) => line.split('\0'))
}

/**
 * The values of `key NUL value` listing records (the script's printf of a glob), without the
 * pattern itself, which sh passes through unchanged when nothing matched.
 */
export function listed(records: readonly string[][], key: string): string[] {
  return records.filter((r) => r[0] === key && r.length >= 2 && !r[1].includes('*')).map((r) => r[1])
}
