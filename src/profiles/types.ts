/**
 * A loaded profile with defaults applied: what the rest of zmigrate consumes.
 */
import type {LimitAction} from '../predict/types.js'
import type {DeviceMapping, DeviceSelector, RuleOverride} from './schema.js'
import type {Severity} from '../rules/severity.js'

export interface ResolvedHost {
  name: string
  transport: 'ssh' | 'local'
  /** Host name or IP address to connect to ('localhost' for transport local). */
  address: string
  /** Unset: ~/.ssh/config, then 22. */
  port?: number
  /** Unset: ~/.ssh/config, then the local user name. */
  user?: string
  /** Absolute paths of private keys to try. Empty: ~/.ssh/config IdentityFile, then the OpenSSH default key files; plus the agent. */
  identities: string[]
  /** Absolute path of the known_hosts file. Unset: ~/.ssh/config UserKnownHostsFile, then ~/.ssh/known_hosts. */
  knownHosts?: string
  trustOnFirstUse: boolean
  libvirtUri: string
  /** URI the migration source uses to reach this host's libvirt. */
  migrationUri: string
  /** Absolute directory under which /sys, /dev, /proc are read. */
  root: string
  connectTimeoutMs: number
  agent: boolean
}

export interface MigrationPolicy {
  mode: 'auto' | 'live' | 'non-live' | 'offline'
  persistent: boolean
  undefineSource: boolean
  suspendOnArrival: boolean
  copyStorage: 'auto' | 'never'
  /** After a verified migration with disk copy: keep the source's copied images, or remove them. */
  sourceImages: 'keep' | 'remove'
  parallelConnections: number
  autoConverge: boolean
  postcopyAfterSeconds?: number
  bandwidthMiB?: number
  maxDowntimeMs?: number
  timeoutPerGiBSeconds?: number
  timeoutAction: 'suspend' | 'postcopy'
  transport: 'direct' | 'p2p'
  tunnelled: boolean
  unsafe: boolean
  detachTimeoutSeconds: number
  /** MiB/s shared by the migrations running at once; unset: no site-wide cap. */
  totalBandwidthMiB?: number
  /**
   * Limits as z/VM's VMRELOCATE MAXTOTAL and MAXQUIESCE: the whole migration's seconds and the
   * switch-over pause's milliseconds; exceeding one does `onLimit` (cancel: domjobabort, the guest
   * stays on the source). The model (src/predict) and the rule migration-may-not-converge read them.
   */
  limits: {maxTotalSeconds?: number; maxDowntimeMs?: number; onLimit: LimitAction}
  /**
   * The guest's dirty rate: measured during check only when `measure`; each measurement the highest
   * of `windows` windows of `seconds` (hosts/dirty-rate-command.ts DirtyRateSampling).
   */
  dirtyRate: {measure: boolean; seconds: number; windows: number}
  /** migration.setup-seconds: a migration's fixed time besides moving bytes, for the prediction; unset: not counted. */
  setupSeconds?: number
}

/** Where one guest may go (placement.guests.NAME). */
export interface GuestPlacementRule {
  /** Relocation domain; unset: the profile's default domain. */
  domain?: string
  /** Only these hosts; unset: any host (of the domain). */
  pin?: string[]
  /** Never these hosts. */
  exclude: string[]
}

export interface PlacementPolicy {
  /** Relocation domain of guests not listed in `guests` (or listed without one); unset: every host. */
  defaultDomain?: string
  /**
   * Kept free on every destination. cpus unset: vCPUs are not counted (KVM overcommits); set: a
   * destination where the guest's vCPUs would exceed online CPUs minus this is avoided, not refused.
   */
  reserve: {memoryKiB: number; cpus?: number}
  /** By guest name. */
  guests: Record<string, GuestPlacementRule>
  /** Group name -> guest names no two of which may share a host. */
  antiAffinity: Record<string, string[]>
}

/** Migrations running at once. */
export interface ConcurrencyLimits {
  /** In the whole site. */
  site: number
  /** Leaving any one host. */
  outgoing: number
  /** Arriving at any one host. */
  incoming: number
}

export interface ResolvedRuleOverride extends RuleOverride {
  rule: string
}

export interface ResolvedProfile {
  site: string
  description?: string
  /** File it came from ('(built-in)' for the embedded default). */
  file: string
  /** sha256 of the file's bytes (plans record it). */
  sha256: string
  hosts: Record<string, ResolvedHost>
  rules: Record<string, ResolvedRuleOverride>
  migration: MigrationPolicy
  detachForMigration: DeviceSelector[]
  mappings: DeviceMapping[]
  /** Relocation domain name -> its hosts (profile host names). */
  relocationDomains: Record<string, string[]>
  placement: PlacementPolicy
  concurrency: ConcurrencyLimits
}

export type {Severity}

/** How a guest in `guestState` migrates under the policy: auto moves a running or paused guest live and a shut-off one offline (its definition only). */
export function migrationModeFor(policy: Pick<MigrationPolicy, 'mode'>, guestState: string): Exclude<MigrationPolicy['mode'], 'auto'> {
  return policy.mode === 'auto' ? (guestState === 'shut off' ? 'offline' : 'live') : policy.mode
}
