/**
 * Where a JSON text first breaks the grammar (RFC 8259), for a located error message. Node 20's
 * JSON.parse names a position for some errors only; the YAML parser that located the others
 * took 12 s and 1.2 GB on a plan of 2 MB of nested `[`. This scanner is one linear pass with an
 * explicit stack: its time and memory grow with the text, whatever its nesting.
 */

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end'

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const LITERALS = ['true', 'false', 'null']

/** Offset just past a string starting at `i` (a quote), or the offset of the bad character. */
function scanString(text: string, i: number): {end: number} | {bad: number} {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === 0x22) return {end: j + 1}
    if (c < 0x20) return {bad: j}
    if (c === 0x5c) {
      const e = text[j + 1]
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return {bad: j}
        j += 5
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++
      else return {bad: j}
    }
  }
  return {bad: text.length}
}

/** The offset of the first character that is not valid JSON (text.length: it ended early), or undefined. */
export function jsonErrorOffset(text: string): number | undefined {
  const stack: string[] = []
  let expect: Expect = 'value'
  let i = 0
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'comma-or-close')
  while (i < text.length) {
    const c = text[i]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (expect === 'end') return i
    if (expect === 'colon') {
      if (c !== ':') return i
      expect = 'value'
      i++
      continue
    }
    if (expect === 'comma-or-close') {
      const top = stack.at(-1)
      if (c === ',') expect = top === '{' ? 'key' : 'value'
      else if ((c === ']' && top === '[') || (c === '}' && top === '{')) {
        stack.pop()
        expect = afterValue()
      } else return i
      i++
      continue
    }
    if ((c === ']' && expect === 'value-or-close') || (c === '}' && expect === 'key-or-close')) {
      stack.pop()
      expect = afterValue()
      i++
      continue
    }
    if (expect === 'key' || expect === 'key-or-close') {
      if (c !== '"') return i
      const s = scanString(text, i)
      if ('bad' in s) return s.bad
      i = s.end
      expect = 'colon'
      continue
    }
    // a value
    if (c === '[' || c === '{') {
      stack.push(c)
      expect = c === '[' ? 'value-or-close' : 'key-or-close'
      i++
      continue
    }
    if (c === '"') {
      const s = scanString(text, i)
      if ('bad' in s) return s.bad
      i = s.end
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      if (!NUMBER.test(text)) return i
      i = NUMBER.lastIndex
    } else {
      const literal = LITERALS.find((l) => text.startsWith(l, i))
      if (!literal) return i
      i += literal.length
    }
    expect = afterValue()
  }
  return expect === 'end' ? undefined : text.length
}

/** 1-based line and column of an offset. */
export function lineColAt(text: string, offset: number): {line: number; col: number} {
  let line = 1
  let start = 0
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++
    start = k + 1
  }
  return {line, col: offset - start + 1}
}
