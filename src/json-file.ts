import {readFile} from 'node:fs/promises'
import {LineCounter, parseDocument} from 'yaml'
import {firstLine, InputError} from './errors.js'

/**
 * Reads a JSON file zmigrate wrote (a plan, a journal) as an unknown value for the caller to
 * check. An unreadable file or malformed JSON is an InputError with the file and, for a syntax
 * error, line:col; `what` names the document in the message ("plan", "journal").
 */
export async function readJsonFile(file: string, what: string, code: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {location: {file}, code})
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InputError(`${what} is not valid JSON: ${firstLine((error as Error).message)}`, {location: {file, ...jsonErrorPosition(text, error as Error)}, code})
  }
}

/**
 * Where JSON.parse gave up. V8 names a position for some errors only; for the others the YAML
 * parser (JSON is YAML 1.2) finds the same mistake and gives its line and column.
 */
function jsonErrorPosition(text: string, error: Error): {line?: number; col?: number} {
  const m = /position (\d+)/.exec(error.message)
  if (m) {
    const before = text.slice(0, Number(m[1])).split('\n')
    return {line: before.length, col: before.at(-1)!.length + 1}
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter})
  const pos = doc.errors[0]?.linePos?.[0]
  return pos ? {line: pos.line, col: pos.col} : {}
}
