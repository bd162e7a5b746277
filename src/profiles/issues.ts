/**
 * Problems found in a profile, each located at a line and column of the YAML file:
 * YAML syntax errors, zod schema issues (walked down the document by their path) and
 * the loader's own semantic checks all end up as one `ProfileIssue` shape.
 */
import {isAlias, isMap, isScalar, isSeq, visit, type Document, type LineCounter, type Node} from 'yaml'
import type {z} from 'zod'
import {InputError, formatLocation} from '../errors.js'

export type IssuePath = readonly PropertyKey[]

export interface ProfileIssue {
  location: {file: string; line: number; col: number}
  /** One line, starting with the dotted path of the setting concerned. */
  message: string
}

/** A profile that does not parse, does not match the schema, or contradicts itself. Carries every problem found. */
export class ProfileInvalidError extends InputError {
  readonly issues: readonly ProfileIssue[]

  constructor(issues: readonly ProfileIssue[]) {
    const [first] = issues
    const more = issues.length - 1
    const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''
    super(`${first.message}${suffix}`, {
      code: 'E_PROFILE_INVALID',
      location: first.location,
      remedy: `Fix the profile and check it with: zmigrate profile validate ${first.location.file}`,
    })
    this.issues = issues
  }
}

export function formatIssue(issue: ProfileIssue): string {
  return `${formatLocation(issue.location)}: ${issue.message}`
}

/** 'hosts.zhost-a.port', 'devices.mappings[0].to', 'hosts["bad name"]' */
export function pathText(path: IssuePath): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z0-9_-]+$/.test(String(seg))) out += out ? `.${String(seg)}` : String(seg)
    else out += `[${JSON.stringify(String(seg))}]`
  }
  return out
}

interface Walk {
  /** Deepest node reached along the path. */
  node?: Node
  /** Key node of the last map entry reached (undefined at the root and for sequence items). */
  key?: Node
  /** False when the path leaves the document (a missing key). */
  complete: boolean
}

/**
 * Locates problems in one parsed YAML document. Positions come from the LineCounter the
 * document was parsed with; lines and columns are 1-based.
 */
export class DocumentLocator {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Position of a character offset. */
  at(offset: number, message: string): ProfileIssue {
    const {line, col} = this.lineCounter.linePos(offset)
    return {location: {file: this.file, line, col}, message}
  }

  /**
   * An issue at `path`: at the value for a scalar (a wrong type or value), at the key for a
   * map or list entry as a whole (a missing setting inside it, a bad combination).
   * A path that leaves the document points at the nearest existing parent's key.
   */
  issueAt(path: IssuePath, message: string, prefer: 'value' | 'key' = 'value'): ProfileIssue {
    const walk = this.walk(path)
    let target = walk.node
    if (walk.key && (!walk.complete || prefer === 'key' || !walk.node || isMap(walk.node) || isSeq(walk.node))) target = walk.key
    return this.at(target?.range?.[0] ?? 0, `${pathText(path)}${path.length > 0 ? ': ' : ''}${message}`)
  }

  /** Key node of `name` inside the map at `mapPath` (for an unknown key). */
  keyIssue(mapPath: IssuePath, name: string, message: string): ProfileIssue {
    const walk = this.walk(mapPath)
    const map = walk.complete ? walk.node : undefined
    const pair = isMap(map) ? map.items.find((p) => keyText(p.key) === name) : undefined
    const keyNode = pair && (pair.key as Node | null)
    return this.at(keyNode?.range?.[0] ?? map?.range?.[0] ?? 0, `${pathText([...mapPath, name])}: ${message}`)
  }

  /** Does the document spell out this path? */
  has(path: IssuePath): boolean {
    return this.walk(path).complete
  }

  /** The scalar at `path` is written as an empty value or null (`key:`, `~`, `null`): its source text, else undefined. */
  nullSource(path: IssuePath): string | undefined {
    const walk = this.walk(path)
    if (!walk.complete) return undefined
    if (walk.node === walk.key) return ''
    return isScalar(walk.node) && walk.node.value === null ? (walk.node.source ?? '') : undefined
  }

  /** Text of the map key starting at this offset (for a duplicate key). */
  keyTextAt(offset: number): string | undefined {
    let found: string | undefined
    visit(this.doc, {
      Pair(_, pair) {
        const key = pair.key as Node | null
        if (key?.range?.[0] === offset) {
          found = keyText(key)
          return visit.BREAK
        }
        return undefined
      },
    })
    return found
  }

  private walk(path: IssuePath): Walk {
    let node = this.resolve(this.doc.contents)
    let key: Node | undefined
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(seg))
        if (!pair) return {node, key, complete: false}
        key = (pair.key as Node | null) ?? undefined
        const value = this.resolve(pair.value)
        // `name:` with nothing after it: the key is the only place to point at
        if (!value || (isScalar(value) && value.value === null && !value.source)) return {node: key, key, complete: true}
        node = value
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        key = undefined
        node = this.resolve(node.items[seg])
      } else {
        return {node, key, complete: false}
      }
    }
    return {node, key, complete: true}
  }

  private resolve(node: unknown): Node | undefined {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? undefined
    return (node as Node | null) ?? undefined
  }
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined
}

/**
 * zod issues → located, one-line problems. Unknown keys (zod reports all keys of one map in
 * one issue) become one problem per key, with the closest known key suggested.
 */
export function schemaIssues(issues: readonly z.core.$ZodIssue[], locator: DocumentLocator, knownKeysAt: (path: IssuePath) => string[]): ProfileIssue[] {
  const out: ProfileIssue[] = []
  for (const issue of issues) {
    const path = issue.path as IssuePath
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const name of issue.keys) {
          const suggestion = closest(name, knownKeysAt(path))
          out.push(locator.keyIssue(path, name, `unknown key "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`))
        }
        break
      case 'invalid_key': {
        const why = issue.issues.map((i) => i.message).join('; ')
        out.push(locator.issueAt(path, `invalid name "${String(path.at(-1))}": ${why}`, 'key'))
        break
      }
      case 'invalid_type':
        if (path.length > 0 && !locator.has(path)) {
          out.push(locator.issueAt(path.slice(0, -1), `missing required key "${String(path.at(-1))}"`, 'key'))
        } else if (locator.nullSource(path) !== undefined) {
          // YAML reads `key:`, `~` and `null` as no value at all
          const tilde = locator.nullSource(path) === '~' ? ': a bare ~ means null in YAML; write "~" in quotes for the home directory' : ''
          out.push(locator.issueAt(path, `has no value${tilde}`))
        } else {
          out.push(locator.issueAt(path, issue.message.replace(/^Invalid (input|option): /, '')))
        }
        break
      default:
        out.push(locator.issueAt(path, issue.message.replace(/^Invalid (input|option): /, '')))
    }
  }
  return out
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/** An issue for a file that is not valid YAML, from the parser's error (offsets, one-line message). */
export function syntaxIssue(locator: DocumentLocator, error: {pos: [number, number]; message: string; code: string}): ProfileIssue {
  if (error.code === 'DUPLICATE_KEY') {
    const key = locator.keyTextAt(error.pos[0])
    return locator.at(error.pos[0], `YAML: duplicate key${key === undefined ? '' : ` "${key}"`}: a key may appear only once in a map`)
  }
  return locator.at(error.pos[0], `YAML: ${error.message.split('\n')[0]}`)
}
