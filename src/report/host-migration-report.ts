/**
 * The `zmigrate migrate --all --json` document (its last line): one outcome per guest of the
 * source host. schemas/migrate-all.json is generated from this schema. Add fields freely; never
 * rename or remove one.
 */
import {z} from 'zod'
import {migrationReportSchema} from '../run/report.js'

export const hostMigrationReportSchema = z.object({
  formatVersion: z.literal(1),
  /** Every guest migrated and verified, none blocked. */
  ok: z.boolean(),
  from: z.string(),
  to: z.string(),
  guests: z.array(
    z.object({
      name: z.string(),
      outcome: z.enum(['migrated', 'rolled-back', 'rollback-incomplete', 'interrupted', 'blocked', 'not-attempted']),
      /** Blockers that kept the guest where it is (outcome blocked). */
      blockers: z.array(z.object({rule: z.string(), subject: z.string(), message: z.string()})).optional(),
      report: migrationReportSchema.optional(),
    }),
  ),
})

export type HostMigrationReport = z.infer<typeof hostMigrationReportSchema>
export type GuestOutcome = HostMigrationReport['guests'][number]
