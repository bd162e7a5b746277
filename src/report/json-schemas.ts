/**
 * The JSON contracts of zmigrate's outputs and inputs, generated from their zod schemas into
 * schemas/*.json (scripts/gen-schemas.ts); a test keeps the committed files equal to these.
 */
import {z} from 'zod'
import {planSchema} from '../plan/schema.js'
import {profileJsonSchemaText} from '../profiles/json-schema.js'
import {migrationReportSchema} from '../run/report.js'
import {checkReportSchema} from './check-report.js'
import {siteCheckReportSchema} from './check-site-report.js'
import {evacuationReportSchema} from './evacuation-report.js'
import {hostMigrationReportSchema} from './host-migration-report.js'

function text(schema: z.ZodType, title: string, description: string): string {
  const {$schema, ...rest} = z.toJSONSchema(schema, {io: 'output'}) as Record<string, unknown>
  return `${JSON.stringify({$schema, title, description, ...rest}, null, 2)}\n`
}

export const JSON_SCHEMAS: Record<string, () => string> = {
  'profile.json': profileJsonSchemaText,
  'check.json': () => text(checkReportSchema, 'zmigrate check --json', 'Findings for every guest checked; exit 0 when ok, 1 when a guest has a blocker.'),
  'check-site.json': () =>
    text(
      siteCheckReportSchema,
      'zmigrate check --to B,C,… | --to site --json',
      'Readiness of every guest for every candidate destination; exit 0 when every guest has a destination without a blocker, 1 otherwise.',
    ),
  'evacuate.json': () =>
    text(
      evacuationReportSchema,
      'zmigrate evacuate --json (the last line)',
      'Per guest: its home, destination, order, outcome and journal; the guests that stayed with the reasons per destination; the peak number of migrations at once.',
    ),
  'plan.json': () =>
    text(planSchema, 'zmigrate plan file', 'Ordered, reversible steps with the fingerprints of what the plan was computed from (zmigrate plan --json / -o).'),
  'migrate.json': () =>
    text(
      migrationReportSchema,
      'zmigrate migrate --json (last line)',
      'The final report; the lines before it are progress events (NDJSON). Exit 0 migrated, 1 rolled back, 4 rollback incomplete.',
    ),
  'migrate-all.json': () =>
    text(
      hostMigrationReportSchema,
      'zmigrate migrate --all --json (last line)',
      'One outcome per guest of the source host; the lines before it are progress events (NDJSON).',
    ),
}
