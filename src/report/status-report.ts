/**
 * The result of `zmigrate status`, as z/VM's VMRELOCATE STATUS lists relocations: the migrations
 * in flight on this site and the recent ones, from the data dir (journals, locks, evacuation
 * journals) and the hosts' jobs (`virsh domjobinfo`). JSON contract: schemas/status.json.
 */
import {z} from 'zod'
import {finishReasonSchema} from '../run/finish-reason.js'

/**
 * - running / rolling-back: its lock is held by a live zmigrate process of this host;
 * - held-elsewhere: its lock was written on another host (cannot be checked from here);
 * - stale: its lock's process is gone; interrupted: the journal stopped mid-run with no lock left
 *   (both: `zmigrate migrate --resume JOURNAL` finishes or rolls it back);
 * - migrated / rolled-back / rollback-incomplete: ended, as its journal says.
 */
export const MIGRATION_STATES = ['running', 'rolling-back', 'held-elsewhere', 'stale', 'interrupted', 'migrated', 'rolled-back', 'rollback-incomplete'] as const
export type MigrationState = (typeof MIGRATION_STATES)[number]

/**
 * What a host's libvirt says about the guest's job: active (a job runs: its statistics are the
 * progress), none, incoming (libvirt keeps a migration's statistics on the source only: the
 * destination answers "migration statistics are available only on the source host"), absent (no
 * such guest there), unsupported (this libvirt driver has no job statistics), or why it could not
 * be asked (unreachable, not-in-profile, error).
 */
export const hostJobSchema = z.object({
  host: z.string(),
  state: z.enum(['active', 'none', 'incoming', 'absent', 'unsupported', 'unreachable', 'not-in-profile', 'error']),
  /** libvirt's operation: migration-out, migration-in, save, dump, … */
  operation: z.string().optional(),
  message: z.string().optional(),
})
export type HostJob = z.infer<typeof hostJobSchema>

/** Bytes (and ms for elapsed), as libvirt counts them; memory and disk apart when it says. */
export const progressSchema = z.object({
  percent: z.number().optional(),
  elapsedMs: z.number().optional(),
  dataTotal: z.number().optional(),
  dataProcessed: z.number().optional(),
  dataRemaining: z.number().optional(),
  memoryTotal: z.number().optional(),
  memoryProcessed: z.number().optional(),
  memoryRemaining: z.number().optional(),
  /** bytes/s */
  memoryBps: z.number().optional(),
  diskTotal: z.number().optional(),
  diskProcessed: z.number().optional(),
  diskRemaining: z.number().optional(),
  diskBps: z.number().optional(),
  iteration: z.number().optional(),
})
export type Progress = z.infer<typeof progressSchema>

export const migrationStatusSchema = z.object({
  guest: z.string(),
  uuid: z.string(),
  from: z.string(),
  to: z.string(),
  state: z.enum(MIGRATION_STATES),
  inFlight: z.boolean(),
  startedAt: z.string().optional(),
  /** For an ended one: when its journal was last written. */
  endedAt: z.string().optional(),
  /** The step running now (phase undo: the rollback's). */
  step: z.object({id: z.string(), kind: z.string(), description: z.string(), phase: z.enum(['apply', 'undo']), startedAt: z.string().optional()}).optional(),
  /** The zmigrate process holding the guest's lock. */
  holder: z.object({pid: z.number(), host: z.string(), since: z.string(), alive: z.boolean().optional()}).optional(),
  journal: z.string().optional(),
  /** The evacuation journal it belongs to. */
  evacuation: z.string().optional(),
  /** Each host's job for the guest, for one in flight. */
  jobs: z.object({source: hostJobSchema.optional(), destination: hostJobSchema.optional()}).optional(),
  progress: progressSchema.optional(),
  /** Seconds to go: from the job's transfer rate, or else from the prediction and the time elapsed. */
  eta: z.object({seconds: z.number(), from: z.enum(['job-rate', 'prediction'])}).optional(),
  /** The prediction made before it started, when its plan or journal has one. */
  predicted: z.object({totalSeconds: z.number().optional(), downtimeMs: z.number().optional()}).optional(),
  /** For an ended one: how long its migrate step took, and the downtime libvirt measured. */
  actual: z.object({migrationSeconds: z.number().optional(), downtimeMs: z.number().optional()}).optional(),
  finishReason: finishReasonSchema.optional(),
  /** USER@PID of the `zmigrate cancel` that cancelled it. */
  cancelledBy: z.string().optional(),
  /** The failed step's message, for one that did not complete. */
  error: z.string().optional(),
  /** What to do about it (a stale or interrupted one, a rollback that needs a human). */
  remedy: z.string().optional(),
})
export type MigrationStatus = z.infer<typeof migrationStatusSchema>

export const evacuationStatusSchema = z.object({
  id: z.string(),
  file: z.string(),
  purpose: z.enum(['evacuate', 'return']),
  host: z.string(),
  /** running: its process is alive; gone: the journal says running but its process is not (resume it). */
  state: z.enum(['running', 'gone', 'held-elsewhere', 'finished', 'stopped']),
  runner: z.object({pid: z.number(), host: z.string(), since: z.string()}).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Guests per state of the evacuation journal (pending, running, migrated, …). */
  guests: z.record(z.string(), z.number()),
  stopReason: z.string().optional(),
  remedy: z.string().optional(),
})
export type EvacuationStatus = z.infer<typeof evacuationStatusSchema>

export const statusReportSchema = z.object({
  formatVersion: z.literal(1),
  site: z.string(),
  at: z.string(),
  dataDir: z.string(),
  /** HOST or GUEST as given: only migrations from or to that host, or of that guest. */
  filter: z.object({host: z.string().optional(), guest: z.string().optional()}),
  /** In flight first (oldest first), then the recent ones (newest first, at most --recent). */
  migrations: z.array(migrationStatusSchema),
  evacuations: z.array(evacuationStatusSchema),
  /** Every host asked for its jobs, and whether it answered. */
  hosts: z.array(z.object({name: z.string(), reachable: z.boolean(), error: z.string().optional()})),
  /** Jobs a named HOST runs that no migration of this data dir accounts for (another jump host's, virsh by hand). */
  otherJobs: z.array(z.object({uuid: z.string(), name: z.string().optional(), job: hostJobSchema, progress: progressSchema.optional()})),
  /** Files in the data dir that could not be read. */
  notes: z.array(z.string()),
})
export type StatusReport = z.infer<typeof statusReportSchema>
