/**
 * The `zmigrate check --to B,C,… / --to site --json` document: every guest against every candidate
 * destination. schemas/check-site.json is generated from this zod schema and a test validates real
 * output against it. A one-destination check keeps its own document (check-report.ts).
 * Add fields freely; never rename or remove one.
 */
import {z} from 'zod'
import {READINESS_STATUSES} from '../site/types.js'
import {dirtyRateSchema, residentMemorySchema} from '../hosts/measure-schema.js'
import {findingSchema, guestReportSchema} from './check-report.js'

// one list of statuses, placement's (ok: nothing to prepare; actions: the plan prepares it; blocked)
export {READINESS_STATUSES}
export type {ReadinessStatus} from '../site/types.js'

const kib = z.number().int().nonnegative()

export const sitePairSchema = z.object({
  destination: z.string(),
  status: z.enum(READINESS_STATUSES),
  /** Ids of the rules with a blocker finding, each once, in finding order. */
  blockers: z.array(z.string()),
  counts: guestReportSchema.shape.counts,
  findings: z.array(findingSchema),
})

export const siteGuestSchema = z.object({
  name: z.string(),
  /** Absent only for a --domain-xml definition without a <uuid>. */
  uuid: z.string().optional(),
  state: z.string(),
  /** `<memory>` (the boot maximum) and `<currentMemory>` (the balloon size dest-memory measures), KiB. */
  memoryKiB: kib,
  currentMemoryKiB: kib.optional(),
  vcpus: z.number().int().nonnegative(),
  /** Its dirty rate, when this check measured it (profile migration.measure-dirty-rate or --measure). */
  dirtyRate: dirtyRateSchema.optional(),
  residentMemory: residentMemorySchema.optional(),
  /** True when at least one destination has no blocker for this guest. */
  movable: z.boolean(),
  /** One per destination, in the order of `destinations`. */
  pairs: z.array(sitePairSchema),
})

export const guestFootprintSchema = z.object({
  name: z.string(),
  uuid: z.string(),
  state: z.string(),
  /** Absent when the guest's XML could not be read. */
  memoryKiB: kib.optional(),
  currentMemoryKiB: kib.optional(),
  vcpus: z.number().int().nonnegative().optional(),
})

export const hostCapacitySchema = z.object({
  memory: z.object({totalKiB: kib.optional(), freeKiB: kib.optional(), availableKiB: kib.optional()}),
  onlineCpus: z.number().int().nonnegative().optional(),
  /** Every guest defined on the host, with its state. */
  guests: z.array(guestFootprintSchema),
  /** Sums over the guests that are not shut off (they hold their memory and vCPUs now). */
  active: z.object({guests: z.number().int().nonnegative(), memoryKiB: kib, vcpus: z.number().int().nonnegative()}),
})

export const siteDestinationSchema = z.object({
  name: z.string(),
  /** False when the host could not be connected to or read; every pair with it is blocked by libvirt-unreachable. */
  reachable: z.boolean(),
  error: z.object({code: z.string(), message: z.string(), remedy: z.string().optional()}).optional(),
  /** From the host's facts; absent when it was not reached. */
  capacity: hostCapacitySchema.optional(),
})

export const siteCheckReportSchema = z.object({
  formatVersion: z.literal(1),
  /** True when every guest has at least one destination without a blocker (exit 0). */
  ok: z.boolean(),
  from: z.string(),
  destinations: z.array(siteDestinationSchema),
  profile: z.object({site: z.string(), file: z.string()}),
  guests: z.array(siteGuestSchema),
  /** SSH/local commands run per host: the same per host as a one-destination check. */
  roundTrips: z.record(z.string(), z.number().int()),
})

export type SiteCheckReport = z.infer<typeof siteCheckReportSchema>
export type SiteGuestReport = z.infer<typeof siteGuestSchema>
export type SitePairReport = z.infer<typeof sitePairSchema>
export type HostCapacity = z.infer<typeof hostCapacitySchema>
export type GuestFootprint = z.infer<typeof guestFootprintSchema>
