import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {JSON_SCHEMAS} from '../src/report/json-schemas.js'

describe('schemas/*.json (the JSON contracts runbooks rely on)', () => {
  for (const [name, generate] of Object.entries(JSON_SCHEMAS)) {
    it(`schemas/${name} is what the zod schema generates (run npm run schemas after a change)`, () => {
      expect(readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8')).to.equal(generate())
    })
  }
})
