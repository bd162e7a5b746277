/**
 * Reading the framed output of the collect and probe scripts (see collect-script.ts):
 *     \n::zm:<nonce>:begin:<name>\n<body>\n::zm:<nonce>:end:<name>:<status>\n
 * Only lines carrying this run's nonce count, so nothing a section prints can open or close one.
 * The markers are those of wire-format.ts, which the scripts interpolate too.
 */
import {FRAME_BEGIN, FRAME_END, frameMark} from './wire-format.js'

export interface Frame {
  name: string
  /** Exactly what the section printed. */
  body: string
  /** The section's exit status; undefined when its end frame never came (output cut short). */
  status?: number
}

export function splitFrames(stdout: string, nonce: string): Map<string, Frame> {
  const frames = new Map<string, Frame>()
  const begin = `${frameMark(nonce)}:${FRAME_BEGIN}:`
  const end = `${frameMark(nonce)}:${FRAME_END}:`
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

/** `dir/attr NUL value` grep records grouped as {dir: {attr: value}} (multi-line files joined by '\n'). */
export function attributesByDevice(records: readonly string[][]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>()
  for (const r of records) {
    if (r.length !== 2) continue
    const slash = r[0].indexOf('/')
    if (slash <= 0) continue
    const dev = r[0].slice(0, slash)
    const attr = r[0].slice(slash + 1)
    const entry = out.get(dev) ?? {}
    entry[attr] = attr in entry ? `${entry[attr]}\n${r[1]}` : r[1]
    out.set(dev, entry)
  }
  return out
}

/** A sysfs 0/1 attribute; undefined when the file was not there or not readable. */
export const flag = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v.trim() === '1')
