/**
 * test/fixtures/corpus is a verbatim copy of the shared corpus (../shared/corpus beside the
 * repository, where the team keeps it), so that a clone without the shared folder, as in CI, still
 * parses every document. Where the shared folder exists, the copy must equal it, file for file.
 */
import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {repoRoot} from './paths.js'

const shared = path.resolve(repoRoot, '../shared/corpus')
const copy = path.join(repoRoot, 'test/fixtures/corpus')

function files(root: string): string[] {
  return readdirSync(root, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort()
}

describe('test/fixtures/corpus', () => {
  it('holds the 44 domain and 5 capability documents with their provenance README', () => {
    const names = files(copy)
    expect(names.filter((n) => n.startsWith('domains/') && n.endsWith('.xml'))).to.have.length(44)
    expect(names.filter((n) => n.startsWith('capabilities/') && n.endsWith('.xml'))).to.have.length(5)
    expect(names).to.include('README.md')
  })

  it('equals ../shared/corpus file for file (where the shared folder exists)', function () {
    if (!existsSync(shared)) this.skip()
    expect(files(copy)).to.deep.equal(files(shared))
    for (const name of files(shared)) expect(readFileSync(path.join(copy, name), 'utf8'), name).to.equal(readFileSync(path.join(shared, name), 'utf8'))
  })
})
