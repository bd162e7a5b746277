import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function readFixture(name: string): {file: string; xml: string} {
  const file = path.join(repoRoot, 'test/fixtures/domains', name)
  return {file, xml: readFileSync(file, 'utf8')}
}

/**
 * The shared libvirt s390x corpus: $ZMIGRATE_CORPUS, else ../shared/corpus beside the repository
 * (where CI checks it out). Undefined when neither exists, so corpus tests can skip.
 */
export function corpusDomainsDir(): string | undefined {
  const root = process.env.ZMIGRATE_CORPUS ?? path.resolve(repoRoot, '../shared/corpus')
  const dir = path.join(root, 'domains')
  return existsSync(dir) ? dir : undefined
}

export function corpusDomainFiles(): {name: string; file: string; xml: string}[] {
  const dir = corpusDomainsDir()
  if (!dir) return []
  return readdirSync(dir)
    .filter((n) => n.endsWith('.xml'))
    .sort()
    .map((name) => ({name, file: path.join(dir, name), xml: readFileSync(path.join(dir, name), 'utf8')}))
}
