import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {profileSchema} from '../src/profiles/schema.js'
import {regenerateReadme} from '../src/report/readme-sections.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** Every key a profile can have, at any depth. */
function keys(schema: unknown, out = new Set<string>()): Set<string> {
  const s = schema as {
    shape?: Record<string, unknown>
    def?: {innerType?: unknown; element?: unknown; valueType?: unknown; options?: unknown[]; in?: unknown}
    unwrap?: () => unknown
  }
  const def = (s as {_zod?: {def?: Record<string, unknown>}})._zod?.def ?? {}
  if (s.shape)
    for (const [k, v] of Object.entries(s.shape)) {
      out.add(k)
      keys(v, out)
    }
  for (const inner of [def.innerType, def.element, def.valueType, def.in, ...((def.options as unknown[]) ?? [])]) if (inner) keys(inner, out)
  return out
}

describe('README', () => {
  it('has the rule list and exit codes as the code defines them (npm run readme regenerates)', () => {
    expect(readme).to.equal(regenerateReadme(readme))
  })
  it('documents every profile key', () => {
    const missing = [...keys(profileSchema)].filter((k) => !readme.includes(`\`${k}\``))
    expect(missing).to.deep.equal([])
  })
  it('states the two commands: the demo and the tests', () => {
    expect(readme).to.include('npm run demo')
    expect(readme).to.include('npm test')
  })
})
