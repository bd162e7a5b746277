/**
 * Table-driven rule tests, in the manner of ESLint's RuleTester: each case is data (a guest,
 * the two hosts' facts, probes, profile tweaks) plus the findings expected. Like RuleTester, a
 * rule that crashes fails its test: the engine would turn the exception into a blocker finding,
 * which a case expecting a blocker would otherwise accept.
 */
import {expect} from 'chai'
import type {DomainModel} from '../../src/domain/types.js'
import type {CpuCompareResult, HostFacts, PathProbe} from '../../src/hosts/facts-types.js'
import type {MigrationPolicy, ResolvedHost, ResolvedProfile} from '../../src/profiles/types.js'
import {DEFAULT_MIGRATION_POLICY} from '../../src/profiles/resolve.js'
import {DEFAULT_CONCURRENCY, DEFAULT_RESERVE_MEMORY_KIB} from '../../src/profiles/resolve-site.js'
import {fixSchema} from '../../src/report/check-report.js'
import {evaluateRules, isRuleCrash} from '../../src/rules/engine.js'
import type {Severity} from '../../src/rules/severity.js'
import type {CheckContext, Finding, Fix, Rule} from '../../src/rules/types.js'

export function emptyFacts(host: string, overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    host,
    root: '/',
    hostname: host,
    hostUuid: host === 'src' ? '5a5a5a5a-0000-4000-8000-00000000000a' : '5a5a5a5a-0000-4000-8000-00000000000b',
    arch: 's390x',
    libvirt: {reachable: true, uri: 'qemu:///system', version: '9.0.0'},
    qemu: {version: '7.2.0', emulator: '/usr/bin/qemu-system-s390x'},
    machineTypes: ['s390-ccw-virtio', 's390-ccw-virtio-7.2', 's390-ccw-virtio-7.1', 's390-ccw-virtio-6.0'],
    guestDomains: [
      {arch: 's390x', domainTypes: ['qemu', 'kvm'], machines: ['s390-ccw-virtio', 's390-ccw-virtio-7.2', 's390-ccw-virtio-7.1', 's390-ccw-virtio-6.0']},
    ],
    hostCpu: {model: 'gen16a', vendor: 'IBM', features: []},
    usableCpuModels: ['gen16a', 'gen15a', 'z14', 'z13'],
    memory: {totalKiB: 64 * 1024 * 1024, freeKiB: 48 * 1024 * 1024, availableKiB: 50 * 1024 * 1024},
    cpus: {online: 16},
    numa: [],
    hugepages: [],
    qemuIds: {user: 'qemu', group: 'qemu', uid: 107, gid: 107},
    dasd: [],
    deviceLinks: [],
    multipath: [],
    scsi: [],
    zfcpHosts: [],
    qeth: [],
    mdevs: [],
    pci: [],
    netInterfaces: [],
    libvirtNetworks: [],
    storagePools: [],
    mounts: [],
    selinux: {enabled: false},
    sysctl: {unprivilegedUserfaultfd: 1},
    guests: [],
    warnings: [],
    ...overrides,
  }
}

export function testHost(name: string, overrides: Partial<ResolvedHost> = {}): ResolvedHost {
  return {
    name,
    transport: 'ssh',
    address: name === 'src' ? '127.0.0.2' : '127.0.0.3',
    identities: [],
    trustOnFirstUse: false,
    libvirtUri: 'qemu:///system',
    migrationUri: `qemu+ssh://${name}/system`,
    root: '/',
    connectTimeoutMs: 10_000,
    agent: false,
    ...overrides,
  }
}

export const defaultPolicy: MigrationPolicy = DEFAULT_MIGRATION_POLICY

export function testProfile(overrides: Partial<ResolvedProfile> = {}): ResolvedProfile {
  return {
    site: 'test',
    file: '(test)',
    sha256: '0'.repeat(64),
    hosts: {src: testHost('src'), dst: testHost('dst')},
    rules: {},
    migration: {...defaultPolicy},
    detachForMigration: [],
    mappings: [],
    relocationDomains: {},
    placement: {reserve: {memoryKiB: DEFAULT_RESERVE_MEMORY_KIB}, guests: {}, antiAffinity: {}},
    concurrency: {...DEFAULT_CONCURRENCY},
    ...overrides,
  }
}

export interface ContextInput {
  domain: DomainModel
  state?: string
  source?: HostFacts
  destination?: HostFacts
  sourceProbes?: PathProbe[]
  destinationProbes?: PathProbe[]
  cpuCompare?: CpuCompareResult
  profile?: Partial<ResolvedProfile>
  migration?: Partial<MigrationPolicy>
}

export function makeContext(input: ContextInput): CheckContext {
  const base = testProfile(input.profile)
  const profile = {...base, migration: {...base.migration, ...input.migration}}
  return {
    guest: {name: input.domain.name, state: input.state ?? 'running', domain: input.domain},
    source: input.source ?? emptyFacts('src'),
    destination: input.destination ?? emptyFacts('dst'),
    sourceHost: profile.hosts.src ?? testHost('src'),
    destinationHost: profile.hosts.dst ?? testHost('dst'),
    profile,
    sourceProbes: new Map((input.sourceProbes ?? []).map((p) => [p.path, p])),
    destinationProbes: new Map((input.destinationProbes ?? []).map((p) => [p.path, p])),
    cpuCompare: input.cpuCompare,
  }
}

/**
 * The engine's findings for these rules, as `zmigrate check` computes them — but a rule that throws
 * throws here too, with its own error and stack (rules are pure, so running it again repeats the
 * crash), instead of passing as a "failed to evaluate" blocker. Every rule test runs rules
 * through this.
 */
export function evaluate(rules: readonly Rule[], ctx: CheckContext): Finding[] {
  const findings = evaluateRules(rules, ctx)
  const crash = findings.find(isRuleCrash)
  if (crash) {
    rules.find((r) => r.id === crash.rule)?.check(ctx)
    throw new Error(`${crash.message} (the engine reported it as a blocker finding)`)
  }
  return findings
}

export interface ExpectedFinding {
  severity?: Severity
  /** Substring (or pattern) the subject must contain. */
  subject?: string | RegExp
  /** Substring (or pattern) the message must contain. */
  message?: string | RegExp
  /** Keys/values the finding's data must contain. */
  data?: Record<string, unknown>
  /** The fix the finding proposes, exactly (compared deep-equal); `null`: it proposes none. */
  fix?: Fix | null
}

export interface RuleCase extends ContextInput {
  name: string
}

export interface InvalidRuleCase extends RuleCase {
  findings: ExpectedFinding[]
}

function matches(actual: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? actual.includes(expected) : expected.test(actual)
}

/** valid: no finding from this rule; invalid: exactly these findings, in order. */
export function ruleTester(rule: Rule, cases: {valid: RuleCase[]; invalid: InvalidRuleCase[]}): void {
  describe(`rule ${rule.id}`, () => {
    it('has complete metadata', () => {
      expect(rule.id).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      for (const key of ['summary', 'remedy', 'source'] as const) expect(rule[key], key).to.be.a('string').with.length.greaterThan(10)
    })
    for (const c of cases.valid) it(`valid: ${c.name}`, () => checkValidCase(rule, c))
    for (const c of cases.invalid) it(`invalid: ${c.name}`, () => checkInvalidCase(rule, c))
  })
}

/** A valid case: the rule reports nothing (and does not crash). */
export function checkValidCase(rule: Rule, c: RuleCase): void {
  const findings = evaluate([rule], makeContext(c))
  expect(findings, describeFindings(findings)).to.deep.equal([])
}

/** An invalid case: exactly the expected findings, in order (and no crash posing as a blocker). */
export function checkInvalidCase(rule: Rule, c: InvalidRuleCase): void {
  const findings = evaluate([rule], makeContext(c))
  expect(findings.length, describeFindings(findings)).to.equal(c.findings.length)
  c.findings.forEach((exp, i) => {
    const f = findings[i]
    expect(f.rule).to.equal(rule.id)
    expect(f.severity, `finding ${i} severity`).to.equal(exp.severity ?? rule.severity)
    if (exp.subject) expect(matches(f.subject, exp.subject), `subject "${f.subject}" ~ ${exp.subject}`).to.equal(true)
    if (exp.message) expect(matches(f.message, exp.message), `message "${f.message}" ~ ${exp.message}`).to.equal(true)
    if (exp.data) expect(f.data ?? {}).to.deep.include(exp.data)
    if (exp.fix !== undefined) expect(f.fix ?? null, `finding ${i} fix`).to.deep.equal(exp.fix)
    if (f.fix) expect(fixSchema.safeParse(f.fix).error?.issues, `finding ${i} fix fits the plan file's schema`).to.equal(undefined)
    expect(f.remedy).to.be.a('string').with.length.greaterThan(10)
  })
}

function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `[${f.severity}] ${f.subject}: ${f.message}`).join('\n') || '(no findings)'
}
