/**
 * A preflight rule: metadata plus one pure check. A rule never talks to a host; it reads the
 * guest's domain model, both hosts' facts, the per-path probes and the profile.
 * Modelled on ESLint rules (meta + check) and kube-linter's remediation-next-to-check.
 */
import type {DomainModel} from '../domain/types.js'
import type {CpuCompareResult, HostFacts, PathProbe} from '../hosts/facts-types.js'
import type {ResolvedHost, ResolvedProfile} from '../profiles/types.js'
import type {Fix} from './fix.js'
import type {Severity} from './severity.js'

export const RULE_CATEGORIES = ['storage', 'devices', 'network', 'host'] as const
export type RuleCategory = (typeof RULE_CATEGORIES)[number]

export interface GuestUnderCheck {
  name: string
  /** State on the source host ('running', 'shut off', …); 'unknown' for --domain-xml with no source guest. */
  state: string
  domain: DomainModel
}

export interface CheckContext {
  guest: GuestUnderCheck
  source: HostFacts
  destination: HostFacts
  sourceHost: ResolvedHost
  destinationHost: ResolvedHost
  profile: ResolvedProfile
  /** Probes of the guest's disk paths (and their parents) on each host, keyed by path. */
  sourceProbes: ReadonlyMap<string, PathProbe>
  destinationProbes: ReadonlyMap<string, PathProbe>
  /** `hypervisor-cpu-compare` of the guest's `<cpu>` on the destination; absent when the guest has no `<cpu>` or it was not run. */
  cpuCompare?: CpuCompareResult
}

export type {DestinationIdentity, Fix} from './fix.js'

/** What a rule reports; the engine adds rule id, category, severity, remedy and overrides. */
export interface FindingDraft {
  /** The thing concerned, e.g. 'disk vda (/dev/dasda)', 'hostdev vfio-ccw 90c6…', 'host zhost-b'. */
  subject: string
  /** One line: what is wrong, with the concrete values. */
  message: string
  /** Only for rules whose severity depends on the case (e.g. dasd-base-offline: action when zmigrate can set it online). */
  severity?: Severity
  /** A remedy specific to this finding (commands with the real device numbers); else the rule's remedy. */
  remedy?: string
  /** Machine-readable details for reports and runbooks (check --json); the planner never reads them. */
  data?: Record<string, unknown>
  /** What the plan does about an `action` finding (rules/fix.ts); the planner reads only this. */
  fix?: Fix
}

export interface Rule {
  /** Stable kebab-case id; runbooks key on it: never rename. */
  id: string
  category: RuleCategory
  severity: Severity
  /** One line: what the rule checks. */
  summary: string
  /** What to do about a finding. */
  remedy: string
  /** The IBM / libvirt rule it enforces, with a reference. */
  source: string
  /**
   * Its findings rest on a measurement that differs each time (a guest's dirty rate): they are
   * marked `measured`, and a plan's staleness check leaves them out (plan/fingerprint.ts).
   */
  measured?: boolean
  check(ctx: CheckContext): FindingDraft[]
}

export interface Finding {
  rule: string
  category: RuleCategory
  severity: Severity
  subject: string
  message: string
  remedy: string
  /** Set when the profile changed this rule's severity; the reason is shown. */
  override?: {defaultSeverity: Severity; reason: string}
  data?: Record<string, unknown>
  /** The fix the rule proposes; planned only while the finding is an `action`. */
  fix?: Fix
  /** From a rule whose findings rest on a measurement (Rule.measured). */
  measured?: boolean
}
