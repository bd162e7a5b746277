// The committed host trees are exactly what build-trees.ts writes (so a spec edit without a
// regeneration, or a hand edit of a tree, fails here), and they hold no dangling sysfs links.
import {expect} from 'chai'
import {lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {FIXTURE_TREES, LAB_TREES} from '../fixtures/hosts/build-trees.js'
import {buildTree, scsiLunNumber} from '../fixtures/hosts/tree-builder.js'
import {fixtureTree, labTree, repoRoot} from './support.js'

/** path -> 'file:<content>' | 'link:<target>' for everything below dir. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = path.join(rel, name)
      const st = lstatSync(path.join(dir, r))
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(path.join(dir, r))}`)
      else if (st.isDirectory()) walk(r)
      else out.set(r, `file:${readFileSync(path.join(dir, r), 'utf8')}`)
    }
  }
  walk('')
  return out
}

describe('recorded host trees', () => {
  let out: string
  before(() => {
    out = mkdtempSync(path.join(tmpdir(), 'zmigrate-trees-'))
  })
  after(() => rmSync(out, {recursive: true, force: true}))

  for (const [spec, committed] of [...FIXTURE_TREES.map((s) => [s, fixtureTree(s.name)] as const), ...LAB_TREES.map((s) => [s, labTree(s.name)] as const)]) {
    it(`${path.relative(repoRoot, committed)} matches its spec in build-trees.ts`, () => {
      buildTree(out, spec)
      const want = snapshot(path.join(out, spec.name))
      const have = snapshot(committed)
      expect([...have.keys()].sort()).to.deep.equal([...want.keys()].sort())
      for (const [k, v] of want) expect(have.get(k), k).to.equal(v)
      // every sysfs link resolves (only /dev links may dangle: device nodes cannot be stored)
      for (const [k, v] of have) {
        if (!k.startsWith('sys/') || !v.startsWith('link:')) continue
        expect(() => statSync(path.join(committed, k)), k).to.not.throw()
      }
    })
  }

  it("FCP LUN to SCSI LUN as the kernel's scsilun_to_int does", () => {
    expect(scsiLunNumber('0x4021400500000000')).to.equal(0x40054021)
    expect(scsiLunNumber('0x0001000000000000')).to.equal(1)
  })
})
