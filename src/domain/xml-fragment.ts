/**
 * A small ordered XML node model for libvirt documents and device fragments: parse with
 * xml2js (document order kept), serialise back for `virsh attach-device`/`detach-device`,
 * and rewrite a device for the destination host without touching anything else.
 *
 * Comments and processing instructions are dropped; mixed content (text between child
 * elements) keeps its text but not its position — libvirt XML has none. sax (under xml2js)
 * also decodes HTML entities such as `&nbsp;` that libxml2 would reject; virsh never writes them.
 * No DTD or external entity is ever fetched.
 */
import xml2js from 'xml2js'
import {InputError} from '../errors.js'

export interface XmlNode {
  name: string
  attrs: Record<string, string>
  children: XmlNode[]
  /** Character data (CDATA included); absent when empty or only whitespace. */
  text?: string
}

/** Deeper nesting than this is not a libvirt document; refusing it keeps recursion bounded. */
const MAX_DEPTH = 256

const PARSER_OPTIONS: xml2js.ParserOptions = {
  strict: true,
  async: false,
  // `$$` lists children in document order, which device `index` and `devices[]` rely on.
  explicitChildren: true,
  preserveChildrenOrder: true,
  // xml2js' default charkey `_` is a legal element name (`<_>` would clash); `#` cannot start one.
  charkey: '#text',
}

interface RawElement {
  '#name': string
  $?: Record<string, string>
  $$?: RawElement[]
  '#text'?: string
}

interface SaxPosition {
  line: number
  column: number
}

const PARSE_REMEDY = 'Fix the XML (xmllint --noout shows the same problem) or take a fresh copy with `virsh dumpxml`.'

/**
 * Parse one XML document or fragment. Malformed input throws InputError located at
 * `origin:line:col` (1-based, where the parser noticed the problem).
 */
export function parseXmlFragment(xml: string, origin = 'XML input'): XmlNode {
  if (typeof xml !== 'string') throw new InputError(`expected XML text, got ${typeof xml}`, {location: {file: origin}})
  const parser = new xml2js.Parser(PARSER_OPTIONS)
  // The sax parser is live only while parsing (it resets itself at the end), so positions are read in the listeners.
  const position = (): SaxPosition | undefined => (parser as unknown as {saxParser?: SaxPosition}).saxParser
  let root: RawElement | undefined
  let failure: {message: string; pos?: {line: number; col: number}; cause?: unknown} | undefined
  const fail = (message: string, cause?: unknown): void => {
    if (failure) return
    const p = position()
    // sax counts lines from 0 and columns from 1 (the column of the character just read).
    const pos = p && Number.isInteger(p.line) ? {line: p.line + 1, col: Math.max(1, p.column)} : undefined
    failure = {message, pos, cause}
  }

  parser.on('end', (result: Record<string, RawElement> | null) => {
    if (result == null) return
    // sax 1.x accepts a second top-level element; xml2js then reports a second document.
    if (root) fail('more than one root element')
    else root = Object.values(result)[0]
  })
  parser.on('error', (err: unknown) => fail(firstLineOf(err), err))
  try {
    parser.parseString(xml)
  } catch (err) {
    // xml2js can throw from inside its own handlers on hostile input; it is still bad input.
    fail(firstLineOf(err), err)
  }

  if (failure) {
    throw new InputError(`malformed XML: ${failure.message}`, {
      code: 'E_XML_SYNTAX',
      location: {file: origin, ...failure.pos},
      remedy: PARSE_REMEDY,
      cause: failure.cause,
    })
  }
  if (!root) throw new InputError('no XML element found (empty document)', {code: 'E_XML_SYNTAX', location: {file: origin}, remedy: PARSE_REMEDY})
  return toNode(root, 0, origin)
}

function firstLineOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return text.split('\n')[0]?.trim() || 'unreadable XML'
}

function toNode(raw: RawElement, depth: number, origin: string): XmlNode {
  if (depth > MAX_DEPTH) {
    throw new InputError(`elements nested deeper than ${MAX_DEPTH} levels`, {code: 'E_XML_SYNTAX', location: {file: origin}, remedy: PARSE_REMEDY})
  }
  const node: XmlNode = {
    name: String(raw['#name']),
    // fromEntries defines own properties, so an attribute called `__proto__` stays an attribute.
    attrs: Object.fromEntries(Object.entries(raw.$ ?? {}).map(([k, v]) => [k, String(v)])),
    children: (Array.isArray(raw.$$) ? raw.$$ : []).map((c) => toNode(c, depth + 1, origin)),
  }
  const text = raw['#text']
  if (typeof text === 'string' && text.trim() !== '') node.text = text
  return node
}

export interface SerializeOptions {
  /** Spaces (number) or the string used per nesting level; 0 or '' gives one line. Default 2. */
  indent?: number | string
}

/**
 * Serialise a node the way `virsh dumpxml` writes it (single-quoted attributes, one element
 * per line). Elements with both text and children are written without added whitespace, so
 * `parseXmlFragment(serializeXml(n))` deep-equals `n`.
 */
export function serializeXml(node: XmlNode, opts: SerializeOptions = {}): string {
  const unit = typeof opts.indent === 'string' ? opts.indent : ' '.repeat(Math.max(0, opts.indent ?? 2))
  return unit === '' ? compact(node) : pretty(node, unit, 0)
}

function pretty(node: XmlNode, unit: string, depth: number): string {
  const pad = unit.repeat(depth)
  if (node.children.length === 0 || node.text !== undefined) return pad + compact(node)
  const inner = node.children.map((c) => pretty(c, unit, depth + 1))
  return [`${pad}${openTag(node)}>`, ...inner, `${pad}</${node.name}>`].join('\n')
}

function compact(node: XmlNode): string {
  if (node.children.length === 0 && node.text === undefined) return `${openTag(node)}/>`
  return `${openTag(node)}>${escapeText(node.text ?? '')}${node.children.map(compact).join('')}</${node.name}>`
}

function openTag(node: XmlNode): string {
  const attrs = Object.entries(node.attrs).map(([k, v]) => ` ${k}='${escapeAttr(v)}'`)
  return `<${node.name}${attrs.join('')}`
}

const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;'}

/** Also encodes tab/newline/CR: a conforming parser (libxml2 in libvirt) would turn them into spaces. */
export function escapeAttr(value: string): string {
  return value.replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? c)
}

/** CR is encoded because parsers normalise CR/CRLF to LF in text. */
export function escapeText(value: string): string {
  return value.replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? c)
}

// ---- Lookup helpers (accept undefined so lookups chain without guards) ----

export function getAttr(node: XmlNode | undefined, name: string): string | undefined {
  return node && Object.hasOwn(node.attrs, name) ? node.attrs[name] : undefined
}

export function findChild(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name)
}

export function findChildren(node: XmlNode | undefined, name: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name) : []
}

/** First element along a slash-separated path of child names, e.g. `findPath(hostdev, 'source/address')`. */
export function findPath(node: XmlNode | undefined, path: string): XmlNode | undefined {
  return splitPath(path).reduce<XmlNode | undefined>((cur, name) => findChild(cur, name), node)
}

// ---- Immutable rewrite helpers (for re-targeting a device to the destination host) ----

/** A copy of `node` with attributes set; `undefined` removes one. Attribute order is kept, new ones go last. */
export function withAttrs(node: XmlNode, attrs: Record<string, string | undefined>): XmlNode {
  const next: Record<string, string> = {...node.attrs}
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) delete next[k]
    else next[k] = v
  }
  return {...node, attrs: next}
}

/**
 * A copy of `node` where the element at `path` (first match per step) is replaced by
 * `update(element)`. Missing elements along the path are created (appended), so e.g.
 * `updatePath(disk, 'source', (s) => withAttrs(s, {file: '/dst/img.qcow2'}))` works on an empty CD-ROM.
 */
export function updatePath(node: XmlNode, path: string, update: (el: XmlNode) => XmlNode): XmlNode {
  const [head, ...rest] = splitPath(path)
  if (head === undefined) return update(node)
  const at = node.children.findIndex((c) => c.name === head)
  const current = at >= 0 ? node.children[at] : {name: head, attrs: {}, children: []}
  const replaced = updatePath(current, rest.join('/'), update)
  const children = at >= 0 ? node.children.map((c, i) => (i === at ? replaced : c)) : [...node.children, replaced]
  return {...node, children}
}

function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '')
}
