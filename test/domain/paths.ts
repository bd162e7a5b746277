import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function readFixture(name: string): {file: string; xml: string} {
  const file = path.join(repoRoot, 'test/fixtures/domains', name)
  return {file, xml: readFileSync(file, 'utf8')}
}

/**
 * The libvirt s390x corpus: $ZMIGRATE_CORPUS, else test/fixtures/corpus, a verbatim copy of
 * ../shared/corpus (corpus-copy.test.ts keeps the two equal where the shared folder exists), so that
 * a clone tests against it on its own.
 */
export function corpusDir(): string {
  return process.env.ZMIGRATE_CORPUS ?? path.join(repoRoot, 'test/fixtures/corpus')
}

export function corpusDomainsDir(): string {
  return path.join(corpusDir(), 'domains')
}

export function corpusDomainFiles(): {name: string; file: string; xml: string}[] {
  const dir = corpusDomainsDir()
  return readdirSync(dir)
    .filter((n) => n.endsWith('.xml'))
    .sort()
    .map((name) => ({name, file: path.join(dir, name), xml: readFileSync(path.join(dir, name), 'utf8')}))
}
