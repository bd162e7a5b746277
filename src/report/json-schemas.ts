/**
 * The JSON contracts of zmigrate's outputs and inputs, generated from their zod schemas into
 * schemas/*.json (scripts/gen-schemas.ts); a test keeps the committed files equal to these.
 */
import {z} from 'zod'
import {evacuationPlanSchema} from '../plan/evacuation-schema.js'
import {planSchema} from '../plan/schema.js'
import {profileJsonSchemaText} from '../profiles/json-schema.js'
import {migrationReportSchema} from '../run/report.js'
import {cancelReportSchema} from './cancel-report.js'
import {checkReportSchema} from './check-report.js'
import {siteCheckReportSchema} from './check-site-report.js'
import {evacuateDryRunSchema, returnDryRunSchema} from './dry-run-report.js'
import {evacuationReportSchema} from './evacuation-report.js'
import {hostMigrationReportSchema} from './host-migration-report.js'
import {statusReportSchema} from './status-report.js'

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
      'zmigrate evacuate --json and return --json (the last line), and migrate --plan EVACUATION_PLAN --json',
      'Per guest: its home, destination, order, outcome and journal; the guests that stayed with the reasons per destination; the peak number of migrations at once; the evacuation plan file it ran, if any. The lines before it are progress events (NDJSON), each naming its guest.',
    ),
  'evacuate-dry-run.json': () =>
    text(
      evacuateDryRunSchema,
      'zmigrate evacuate --dry-run --json',
      'The placement: each guest placed on a destination, with its order and why, or with nowhere to go and every reason per destination; nothing was changed.',
    ),
  'return-dry-run.json': () =>
    text(
      returnDryRunSchema,
      'zmigrate return --dry-run --json',
      'One verdict per guest the evacuation moved: return (from where, in which order), home already, or stays (with a reason code and the reasons); nothing was changed.',
    ),
  'evacuation-plan.json': () =>
    text(
      evacuationPlanSchema,
      'zmigrate evacuation plan file',
      'The evacuation as one reviewable plan (zmigrate evacuate HOST -o FILE, and its --json): each placed guest with its destination, order and its own plan (as plan.json), the guests that stay with the reasons per destination, the window caps, and a fingerprint over the whole document (sha256 of the canonical JSON of every other field). Applied with zmigrate migrate --plan FILE.',
    ),
  'plan.json': () =>
    text(planSchema, 'zmigrate plan file', 'Ordered, reversible steps with the fingerprints of what the plan was computed from (zmigrate plan --json / -o).'),
  'migrate.json': () =>
    text(
      migrationReportSchema,
      'zmigrate migrate --json (last line)',
      'The final report; the lines before it are progress events (NDJSON). Exit 0 migrated, 1 rolled back, 4 rollback incomplete.',
    ),
  'status.json': () =>
    text(
      statusReportSchema,
      'zmigrate status --json',
      "The migrations in flight on this site (lock held by a live zmigrate process; step, each host's job, progress, ETA), those stopped without finishing (stale lock or interrupted journal, with the --resume remedy), the evacuations, and the recent ones with outcome and finish reason; the hosts asked and whether they answered. Exit 0, 3 only when the HOST named cannot be reached.",
    ),
  'cancel.json': () =>
    text(
      cancelReportSchema,
      'zmigrate cancel --json',
      'What was asked of which zmigrate run (the request, whether the run was signalled) and how the run ended, from its journal: outcome (exit 0 rolled-back, stopped, cancelled-before-start; 1 completed, nothing-to-cancel; 3 held-elsewhere; 4 rollback-incomplete; 6 still-running; 130 interrupted), finish reason, and for an evacuation each guest in flight.',
    ),
  'migrate-all.json': () =>
    text(
      hostMigrationReportSchema,
      'zmigrate migrate --all --json (last line)',
      'One outcome per guest of the source host; the lines before it are progress events (NDJSON).',
    ),
}
