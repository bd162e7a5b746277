import {readFile} from 'node:fs/promises'
import {firstLine, InputError} from './errors.js'
import {jsonErrorOffset, lineColAt} from './json-locate.js'

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
    throw new InputError(`${what} is not valid JSON: ${firstLine((error as Error).message)}`, {
      location: {file, ...jsonErrorPosition(text, error as Error)},
      code,
    })
  }
}

/** Where JSON.parse gave up: V8's position when it names one, else the first offending character. */
function jsonErrorPosition(text: string, error: Error): {line?: number; col?: number} {
  const m = /position (\d+)/.exec(error.message)
  const offset = m ? Number(m[1]) : jsonErrorOffset(text)
  return offset === undefined ? {} : lineColAt(text, offset)
}
