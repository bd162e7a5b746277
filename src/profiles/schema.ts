/**
 * The site profile, as the YAML file spells it (kebab-case keys). zod is the single source
 * of truth: it validates the file (strict objects catch typos), gives the TypeScript types,
 * and emits the JSON Schema in schemas/profile.json.
 */
import {z} from 'zod'
import {LIMIT_ACTIONS} from '../predict/types.js'
import {SEVERITIES} from '../rules/severity.js'

/** No control characters: values end up as argv elements and in one-line messages. */
const text = z
  .string()
  .min(1)
  // control characters are exactly what this refuses
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters or newlines')

export const hostSettingsSchema = z.strictObject({
  transport: z.enum(['ssh', 'local']).optional(),
  address: text.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: text.optional(),
  /** Private key file(s); relative paths are relative to the profile file; ~ is the home directory. */
  identity: z.union([text, z.array(text).min(1)]).optional(),
  'known-hosts': text.optional(),
  /** Accept and record an unknown host key (never a changed one). */
  'trust-on-first-use': z.boolean().optional(),
  /** libvirt URI zmigrate uses on the host itself. */
  'libvirt-uri': text.optional(),
  /** URI other hosts (the migration source) use to reach this host's libvirt. */
  'migration-uri': text.optional(),
  /** Directory under which /sys, /dev and /proc are read (a recorded host tree, or /). */
  root: text.optional(),
  /** Seconds to wait for the SSH connection and handshake. */
  'connect-timeout': z.number().positive().max(600).optional(),
  /** Use ssh-agent ($SSH_AUTH_SOCK) when set. Default true. */
  agent: z.boolean().optional(),
})

export const ruleOverrideSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    severity: z.enum(SEVERITIES).optional(),
    /** Why the site changed the rule; shown with every finding it affects. Required. */
    reason: text,
  })
  .refine((o) => o.enabled !== undefined || o.severity !== undefined, {message: 'set enabled or severity (or both)'})

/** Selects guest devices; every field given must match. */
export const deviceSelectorSchema = z.strictObject({
  /** Limit to one guest (by name). */
  guest: text.optional(),
  kind: z.enum(['disk', 'hostdev', 'interface', 'filesystem']).optional(),
  /** hostdev model (vfio-ccw, vfio-ap) or type (pci, scsi), or disk device (disk, cdrom). */
  model: text.optional(),
  /** Disk target dev, e.g. vdb. */
  target: text.optional(),
  /** Guest CCW device number, e.g. 0x0009. */
  devno: text.optional(),
  /** Source: disk path, mdev UUID, host PCI address, SCSI adapter, vhost-scsi WWPN, interface source dev, file system directory. */
  source: text.optional(),
  alias: text.optional(),
})

/** Maps a source-host identity to the destination's own one. */
export const deviceMappingSchema = z.strictObject({
  /** Destination host the mapping applies to (omit: every destination). */
  'to-host': text.optional(),
  /** mdev UUID, disk source path, host PCI address or FID, interface/bridge/network name. */
  kind: z.enum(['mdev', 'disk-source', 'pci', 'net-source']),
  from: text,
  to: text,
})

export const migrationPolicySchema = z.strictObject({
  /** live (default for running guests), non-live (paused while memory is copied), offline (definition only), auto. */
  mode: z.enum(['auto', 'live', 'non-live', 'offline']).optional(),
  persistent: z.boolean().optional(),
  'undefine-source': z.boolean().optional(),
  /** Leave the guest paused on the destination. */
  'suspend-on-arrival': z.boolean().optional(),
  /** Copy local disks: auto (when needed), never (block instead). */
  'copy-storage': z.enum(['auto', 'never']).optional(),
  'source-images': z.enum(['keep', 'remove']).optional(),
  /** --parallel --parallel-connections N; 0 or absent = off. */
  'parallel-connections': z.number().int().min(0).max(255).optional(),
  'auto-converge': z.boolean().optional(),
  /** Enable post-copy and switch to it after this many seconds of pre-copy. */
  'postcopy-after': z.number().int().positive().optional(),
  /** MiB/s, whole: virsh migrate --bandwidth takes an integer (0 would mean no limit). */
  bandwidth: z.number().int().positive().optional(),
  'max-downtime-ms': z.number().int().positive().optional(),
  /** Seconds allowed per GiB of guest RAM before the timeout action. */
  'timeout-per-gib': z.number().positive().optional(),
  'timeout-action': z.enum(['suspend', 'postcopy']).optional(),
  /** direct (virsh client drives it) or p2p (source libvirtd connects to the destination). */
  transport: z.enum(['direct', 'p2p']).optional(),
  tunnelled: z.boolean().optional(),
  /** Pass --unsafe (cache mode / shared-storage safety checks off). */
  unsafe: z.boolean().optional(),
  /** Seconds to wait for a detached device to disappear from the live XML. */
  'detach-timeout': z.number().positive().optional(),
  /** MiB/s shared by all migrations running at once (an evacuation): each gets its share, at most `bandwidth`. */
  'total-bandwidth': z.number().positive().optional(),
  /** As z/VM's MAXTOTAL: seconds the whole migration may take, disk copy included; then on-limit. */
  'max-total': z.number().int().positive().optional(),
  /**
   * As z/VM's MAXQUIESCE: milliseconds the guest may be paused at the switch-over; then on-limit.
   * Also QEMU's target when max-downtime-ms is unset, so at most QEMU's 2000 s (MAX_MIGRATE_DOWNTIME).
   */
  'max-downtime': z.number().int().positive().max(2_000_000).optional(),
  /** What exceeding max-total or max-downtime does: cancel (default, as z/VM: the guest stays on the source), suspend, postcopy. */
  'on-limit': z.enum(LIMIT_ACTIONS).optional(),
  /** check and plan measure each running guest's dirty rate (all of a host's guests at once, dirty-rate-windows x dirty-rate-seconds). Default false. */
  'measure-dirty-rate': z.boolean().optional(),
  /** Seconds libvirt measures a dirty rate for, one window (virsh domdirtyrate-calc --seconds: 1 to 60). Default 1. */
  'dirty-rate-seconds': z.number().int().min(1).max(60).optional(),
  /** Windows of dirty-rate-seconds measured one after another; the guest's rate is the highest (1 to 10). Default 3. */
  'dirty-rate-windows': z.number().int().min(1).max(10).optional(),
  /**
   * Seconds a migration takes besides moving bytes (the destination's QEMU starting, connections,
   * switch-over, activation), for the prediction: measure it as an idle guest's migration without a
   * bandwidth limit. Default 0 (not counted).
   */
  'setup-seconds': z.number().nonnegative().max(3600).optional(),
})

/** Names of hosts, relocation domains and anti-affinity groups: they appear in messages and on command lines. */
const SET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const hostName = z.string().regex(SET_NAME, 'host names: letters, digits, . _ -')
const setName = z.string().regex(SET_NAME, 'names: letters, digits, . _ -')

/**
 * A memory size: a number of MiB, or a number with a binary unit ('4GiB', '512 MiB', '1.5GiB').
 * Binary units only: /proc/meminfo and libvirt count in KiB, and "GB" would be ambiguous.
 */
export const MEMORY_SIZE = /^([0-9]+(\.[0-9]+)?) ?(KiB|MiB|GiB|TiB)$/
const memorySizeSchema = z.union(
  [z.number().int().min(0), z.string().regex(MEMORY_SIZE, 'a size: a number of MiB, or a number and a binary unit (KiB, MiB, GiB, TiB), e.g. 4GiB')],
  {error: 'a size: a whole number of MiB, or a string such as 4GiB or 512MiB'},
)

/** Where one guest may go. Every host named must be a host of the profile. */
export const guestPlacementSchema = z
  .strictObject({
    /** The relocation domain the guest moves within (default: placement.default-domain). */
    domain: text.optional(),
    /** Only these hosts. */
    pin: z.array(text).min(1).optional(),
    /** Never these hosts. */
    exclude: z.array(text).min(1).optional(),
  })
  .refine((g) => g.domain !== undefined || g.pin !== undefined || g.exclude !== undefined, {message: 'set domain, pin or exclude'})

export const placementSchema = z.strictObject({
  /** Relocation domain of the guests placement.guests does not give one (default: every host). */
  'default-domain': text.optional(),
  /** Kept free on every destination when guests are placed there. */
  reserve: z
    .strictObject({
      /** Default 512MiB. */
      memory: memorySizeSchema.optional(),
      /** Host CPUs not to hand out to vCPUs; when set, vCPUs become a soft limit (default: unset, KVM overcommits). */
      cpus: z.number().int().min(0).optional(),
    })
    .optional(),
  /** Per-guest rules, by guest name. */
  guests: z.record(text, guestPlacementSchema).optional(),
  /** Groups of guests (by name) no two of which may run on the same host. */
  'anti-affinity': z.record(setName, z.array(text).min(2, 'an anti-affinity group needs at least two guests')).optional(),
})

/** How many migrations run at once (defaults, measured on the lab: site 4, outgoing 4, incoming 2). */
export const concurrencySchema = z.strictObject({
  /** In the whole site. */
  site: z.number().int().min(1).max(64).optional(),
  /** Leaving any one host. */
  outgoing: z.number().int().min(1).max(64).optional(),
  /** Arriving at any one host. */
  incoming: z.number().int().min(1).max(64).optional(),
})

export const profileSchema = z.strictObject({
  /** Profile format version. */
  version: z.literal(1).optional(),
  site: text,
  description: z.string().optional(),
  defaults: hostSettingsSchema.optional(),
  hosts: z.record(hostName, hostSettingsSchema),
  rules: z.record(text, ruleOverrideSchema).optional(),
  migration: migrationPolicySchema.optional(),
  devices: z
    .strictObject({
      'detach-for-migration': z.array(deviceSelectorSchema).optional(),
      mappings: z.array(deviceMappingSchema).optional(),
    })
    .optional(),
  /** Named sets of hosts a guest may move between (as z/VM relocation domains): NAME: [host, ...]. */
  'relocation-domains': z.record(setName, z.array(text).min(1, 'a relocation domain needs at least one host')).optional(),
  placement: placementSchema.optional(),
  concurrency: concurrencySchema.optional(),
})

export type ProfileDocument = z.infer<typeof profileSchema>
export type HostSettings = z.infer<typeof hostSettingsSchema>
export type RuleOverride = z.infer<typeof ruleOverrideSchema>
export type DeviceSelector = z.infer<typeof deviceSelectorSchema>
export type DeviceMapping = z.infer<typeof deviceMappingSchema>
export type MigrationPolicyInput = z.infer<typeof migrationPolicySchema>
export type PlacementInput = z.infer<typeof placementSchema>
export type GuestPlacementInput = z.infer<typeof guestPlacementSchema>
