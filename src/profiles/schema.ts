/**
 * The site profile, as the YAML file spells it (kebab-case keys). zod is the single source
 * of truth: it validates the file (strict objects catch typos), gives the TypeScript types,
 * and emits the JSON Schema in schemas/profile.json.
 */
import {z} from 'zod'
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
  /** MiB/s. */
  bandwidth: z.number().positive().optional(),
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
})

export const profileSchema = z.strictObject({
  /** Profile format version. */
  version: z.literal(1).optional(),
  site: text,
  description: z.string().optional(),
  defaults: hostSettingsSchema.optional(),
  hosts: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'host names: letters, digits, . _ -'), hostSettingsSchema),
  rules: z.record(text, ruleOverrideSchema).optional(),
  migration: migrationPolicySchema.optional(),
  devices: z
    .strictObject({
      'detach-for-migration': z.array(deviceSelectorSchema).optional(),
      mappings: z.array(deviceMappingSchema).optional(),
    })
    .optional(),
})

export type ProfileDocument = z.infer<typeof profileSchema>
export type HostSettings = z.infer<typeof hostSettingsSchema>
export type RuleOverride = z.infer<typeof ruleOverrideSchema>
export type DeviceSelector = z.infer<typeof deviceSelectorSchema>
export type DeviceMapping = z.infer<typeof deviceMappingSchema>
export type MigrationPolicyInput = z.infer<typeof migrationPolicySchema>
