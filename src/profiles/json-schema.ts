/**
 * schemas/profile.json: the JSON Schema of a profile file, generated from the zod schema
 * (the single source of truth) for editors (yaml-language-server) and other tools.
 * `io: 'input'` describes what a user writes: optional keys stay optional.
 */
import {z} from 'zod'
import {profileSchema} from './schema.js'

export function profileJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(profileSchema, {io: 'input'}) as Record<string, unknown>
  const {$schema, ...rest} = generated
  return {$schema, title: 'zmigrate site profile', ...rest}
}

/** The exact text of schemas/profile.json. */
export function profileJsonSchemaText(): string {
  return `${JSON.stringify(profileJsonSchema(), null, 2)}\n`
}
