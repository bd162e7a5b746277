/**
 * Writes the generated JSON Schemas in schemas/. Run after changing a schema:
 *   npm run schemas
 * A test fails when a committed schema differs from what this would write.
 */
import {writeFileSync} from 'node:fs'
import {JSON_SCHEMAS} from '../src/report/json-schemas.js'

for (const [name, generate] of Object.entries(JSON_SCHEMAS)) {
  writeFileSync(new URL(`../schemas/${name}`, import.meta.url), generate())
  console.log(`wrote schemas/${name}`)
}
