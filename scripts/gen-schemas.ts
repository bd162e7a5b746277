/**
 * Writes the generated JSON Schemas in schemas/. Run after changing a schema:
 *   node --import tsx scripts/gen-schemas.ts
 * A test fails when a committed schema differs from what this would write.
 */
import {writeFileSync} from 'node:fs'
import {profileJsonSchemaText} from '../src/profiles/json-schema.js'

const SCHEMAS: Record<string, () => string> = {
  'profile.json': profileJsonSchemaText,
}

for (const [name, generate] of Object.entries(SCHEMAS)) {
  const file = new URL(`../schemas/${name}`, import.meta.url)
  writeFileSync(file, generate())
  console.log(`wrote schemas/${name}`)
}
