// The Ansible collection zmigrate.zkvm (ansible/ansible_collections/zmigrate/zkvm) without the lab:
// its Python unit tests (every module's JSON -> result mapping, for every exit code), ansible-doc
// on every plugin, ansible-inventory on real profiles through the built CLI, and the recorded CLI
// documents its tests feed the modules checked against the CLI's own schemas and types.
import {expect} from 'chai'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {z} from 'zod'
import type {ErrorEnvelope} from '../../src/cli/base-command.js'
import {ExitCode, exitCodeDescriptions} from '../../src/exit-codes.js'
import type {HostFacts} from '../../src/hosts/facts-types.js'
import {planSchema} from '../../src/plan/schema.js'
import type {ProfileShowing} from '../../src/profiles/show-text.js'
import {checkReportSchema} from '../../src/report/check-report.js'
import {siteCheckReportSchema} from '../../src/report/check-site-report.js'
import {evacuateCancelledSchema, evacuateDryRunSchema, returnCancelledSchema, returnDryRunSchema} from '../../src/report/dry-run-report.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import type {RunEvent} from '../../src/run/events.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {ansiblePython, ansibleTool, BUILT_CLI, COLLECTION, REPO, runTool} from '../support/ansible.js'

const UNIT = join(COLLECTION, 'tests', 'unit')
const FIXTURES = join(UNIT, 'fixtures')

// ---- the CLI documents without a JSON Schema, as zod schemas proven against the CLI's types

const errorEnvelope = z.strictObject({
  ok: z.literal(false),
  error: z.strictObject({code: z.string().regex(/^E_[A-Z_]+$/), message: z.string(), remedy: z.string().optional(), exitCode: z.number().int()}),
})
// src/run/jobinfo.ts JobStats
const n = z.number().optional()
const jobStats = z.strictObject({
  type: z.string().optional(),
  operation: z.string().optional(),
  errmsg: z.string().optional(),
  elapsedMs: n,
  dataTotal: n,
  dataProcessed: n,
  dataRemaining: n,
  memoryTotal: n,
  memoryProcessed: n,
  memoryRemaining: n,
  memoryBps: n,
  dirtyRate: n,
  pageSize: n,
  iteration: n,
  diskTotal: n,
  diskProcessed: n,
  diskRemaining: n,
  diskBps: n,
  downtimeMs: n,
  expectedDowntimeMs: n,
  setupTimeMs: n,
})
const guest = {guest: z.string().optional()}
const runEvent = z.union([
  z.strictObject({type: z.literal('plan'), guest: z.string(), from: z.string(), to: z.string(), steps: z.number().int(), journal: z.string()}),
  z.strictObject({type: z.literal('step-start'), step: z.string(), kind: z.string(), description: z.string(), ...guest}),
  z.strictObject({type: z.literal('step-done'), step: z.string(), durationMs: z.number(), result: z.record(z.string(), z.unknown()).optional(), ...guest}),
  z.strictObject({type: z.literal('step-skipped'), step: z.string(), reason: z.string(), ...guest}),
  z.strictObject({type: z.literal('step-failed'), step: z.string(), error: z.string(), ...guest}),
  z.strictObject({type: z.literal('progress'), step: z.string(), stats: jobStats, etaSeconds: z.number().optional(), ...guest}),
  z.strictObject({type: z.literal('undo-start'), step: z.string(), description: z.string(), ...guest}),
  z.strictObject({type: z.literal('undo-done'), step: z.string(), durationMs: z.number(), ...guest}),
  z.strictObject({type: z.literal('undo-failed'), step: z.string(), error: z.string(), manual: z.string(), ...guest}),
  z.strictObject({type: z.literal('notice'), message: z.string(), ...guest}),
])

// facts and profile show are large: the fields the collection reads (guest.py, inventory/profile.py)
const factsRead = z.object({
  host: z.string(),
  libvirt: z.object({reachable: z.boolean(), error: z.string().optional()}),
  guests: z.array(z.object({name: z.string(), uuid: z.string(), state: z.string()})),
})
const profileShowRead = z.object({
  found: z.object({file: z.string(), how: z.string()}),
  profile: z.object({
    site: z.string(),
    file: z.string(),
    hosts: z.record(
      z.string(),
      z.object({
        name: z.string(),
        transport: z.enum(['ssh', 'local']),
        address: z.string(),
        port: z.number().optional(),
        user: z.string().optional(),
        libvirtUri: z.string(),
        migrationUri: z.string(),
      }),
    ),
    relocationDomains: z.record(z.string(), z.array(z.string())),
  }),
})

// compile-time proof (npm run typecheck): what these schemas admit is what the CLI's types say it prints…
export const errorIsCliType = (e: z.infer<typeof errorEnvelope>): ErrorEnvelope => e
export const eventIsCliType = (e: z.infer<typeof runEvent>): RunEvent => e
// …every error the CLI prints is admitted… (placements and verdicts: src/report/dry-run-report.ts proves its own)
export const cliErrorIsAdmitted = (e: ErrorEnvelope): z.infer<typeof errorEnvelope> => e
// …and the fields the collection reads of facts and profile show are the CLI's, with their types
export const factsReadFromCli = (f: HostFacts): z.infer<typeof factsRead> => f
export const profileShowReadFromCli = (s: ProfileShowing): z.infer<typeof profileShowRead> => s

const SCHEMA_OF: [string, z.ZodType][] = [
  ['check-site-', siteCheckReportSchema],
  ['check-', checkReportSchema],
  ['plan-', planSchema],
  ['migrate-', migrationReportSchema],
  ['evacuate-dry-run', evacuateDryRunSchema],
  ['evacuate-cancelled', evacuateCancelledSchema],
  ['evacuate-', evacuationReportSchema],
  ['return-dry-run', returnDryRunSchema],
  ['return-cancelled', returnCancelledSchema],
  ['return-', evacuationReportSchema],
  ['error-', errorEnvelope],
  ['facts-', factsRead],
  ['profile-show-', profileShowRead],
]

function readFixture(name: string): {doc: unknown; events: unknown[]} {
  const text = readFileSync(join(FIXTURES, name), 'utf8')
  if (!name.endsWith('.ndjson')) return {doc: JSON.parse(text), events: []}
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown)
  return {doc: lines.at(-1), events: lines.slice(0, -1)}
}

/** Every E_ code the CLI's sources throw. */
function cliErrorCodes(): Set<string> {
  const codes = new Set<string>()
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      if (e.isDirectory()) walk(join(dir, e.name))
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(join(dir, e.name), 'utf8').matchAll(/'(E_[A-Z_]+)'/g)) codes.add(m[1])
    }
  }
  walk(join(REPO, 'src'))
  return codes
}

describe('the Ansible collection zmigrate.zkvm', function () {
  this.timeout(180_000)

  it("its Python unit tests pass: every module's result for zmigrate's documents and exit codes 0-6, 70, 130, check mode; samples valid against schemas/*.json", async () => {
    const r = await runTool(ansiblePython(), ['-m', 'unittest', 'discover', '-s', UNIT, '-t', UNIT, '-v'], {cwd: UNIT})
    const summary = /Ran (\d+) tests?/.exec(r.stderr)
    expect(r.exitCode, r.stderr.slice(-6000)).to.equal(0)
    expect(Number(summary?.[1]), 'tests run').to.be.at.least(70)
    expect(r.stderr).to.match(/\nOK\s*$/)
  })

  it("the modules' exit code table is src/exit-codes.ts's", async () => {
    const r = await runTool(ansiblePython(), [join(UNIT, 'test_cli.py'), '--dump-exit-codes'], {cwd: UNIT})
    expect(r.exitCode, r.stderr).to.equal(0)
    const expected = Object.fromEntries(Object.entries(ExitCode).map(([name, code]) => [String(code), {name, meaning: exitCodeDescriptions[code]}]))
    expect(JSON.parse(r.stdout)).to.deep.equal(expected)
  })

  it('the recorded documents its tests use are what the CLI prints (zod schemas, CLI types, error codes the CLI has)', () => {
    const codes = cliErrorCodes()
    const names = readdirSync(FIXTURES).sort()
    expect(names.length).to.be.at.least(30)
    for (const name of names) {
      const entry = SCHEMA_OF.find(([prefix]) => name.startsWith(prefix))
      expect(entry, `${name}: a fixture with no schema`).to.not.equal(undefined)
      const {doc, events} = readFixture(name)
      const parsed = entry![1].safeParse(doc)
      expect(parsed.error?.issues, name).to.equal(undefined)
      for (const [i, e] of events.entries()) expect(runEvent.safeParse(e).error?.issues, `${name} line ${i + 1}`).to.equal(undefined)
      if (name.startsWith('error-')) {
        const {error} = doc as ErrorEnvelope
        expect(codes.has(error.code), `${name}: ${error.code} is a code the CLI uses`).to.equal(true)
        expect(Object.values(ExitCode), name).to.include(error.exitCode)
      }
    }
    // and the check has teeth: a placement with a renamed field is refused
    expect(evacuateDryRunSchema.safeParse({dryRun: true, placements: [{kind: 'placed', guest: 'g', uuid: 'u', source: 'a', to: 'b'}]}).success).to.equal(false)
  })

  it('ansible-doc renders every module and the inventory plugin', async () => {
    const modules = readdirSync(join(COLLECTION, 'plugins', 'modules'))
      .filter((f) => f.endsWith('.py'))
      .map((f) => f.replace(/\.py$/, ''))
    expect(modules.sort()).to.deep.equal(['check', 'evacuate', 'guest'])
    const doc = ansibleTool('ansible-doc')
    for (const m of modules) {
      const r = await runTool(doc, ['-t', 'module', `zmigrate.zkvm.${m}`])
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(r.stderr, m).to.not.match(/WARNING|ERROR/)
      expect(r.stdout).to.include(`> ZMIGRATE.ZKVM.${m.toUpperCase()}`)
      for (const section of ['OPTIONS', 'EXAMPLES:', 'RETURN VALUES:', 'zmigrate_path']) expect(r.stdout, `${m}: ${section}`).to.include(section)
      const json = await runTool(doc, ['-t', 'module', '--json', `zmigrate.zkvm.${m}`])
      const parsed = JSON.parse(json.stdout)[`zmigrate.zkvm.${m}`]
      expect(parsed.doc.attributes.check_mode.support, m).to.equal('full')
      expect(Object.keys(parsed.return).length, m).to.be.at.least(5)
    }
    const r = await runTool(doc, ['-t', 'inventory', 'zmigrate.zkvm.profile'])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stdout).to.include('> ZMIGRATE.ZKVM.PROFILE')
    expect(r.stdout).to.include('keyed_groups')
  })

  describe('the inventory plugin zmigrate.zkvm.profile (zmigrate profile show --json through the built CLI)', () => {
    let dir: string
    before(() => {
      readFileSync(join(REPO, 'dist', 'commands', 'index.js')) // throws without a build: run npm run build
      dir = mkdtempSync(join(tmpdir(), 'zm-inventory-'))
    })
    after(() => rmSync(dir, {recursive: true, force: true}))

    const list = async (inventory: string, env: Record<string, string> = {}) => runTool(ansibleTool('ansible-inventory'), ['-i', inventory, '--list'], {env})

    it("lists profiles/lab.yaml's hosts with their addresses, in the site's group (ansible/inventory/lab.zmigrate.yml)", async () => {
      const r = await list(join(REPO, 'ansible', 'inventory', 'lab.zmigrate.yml'))
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(r.stderr).to.not.match(/WARNING|ERROR/)
      const inv = JSON.parse(r.stdout)
      expect(inv.lab.hosts).to.deep.equal(['zhost-a', 'zhost-b', 'zhost-c'])
      expect(inv._meta.hostvars['zhost-a']).to.deep.include({
        ansible_host: '127.0.0.2',
        zmigrate_host: 'zhost-a',
        zmigrate_site: 'lab',
        zmigrate_transport: 'ssh',
      })
      expect(inv._meta.hostvars['zhost-b']).to.deep.include({ansible_host: '127.0.0.3', zmigrate_migration_uri: 'qemu+ssh://root@127.0.0.3/system'})
      expect(inv._meta.hostvars['zhost-c']).to.deep.include({ansible_host: '127.0.0.4', zmigrate_migration_uri: 'qemu+ssh://root@127.0.0.4/system'})
      expect(inv._meta.hostvars['zhost-a'].zmigrate_profile).to.equal(join(REPO, 'profiles', 'lab.yaml'))
    })

    it('makes each relocation domain a group, merges defaults, and takes constructed options', async () => {
      writeFileSync(
        join(dir, 'dc1.yaml'),
        [
          'version: 1',
          'site: dc1',
          'defaults: {user: zmigrate, port: 2222}',
          'hosts:',
          '  kvmlp01: {address: 192.0.2.21}',
          '  kvmlp02: {address: 192.0.2.22, port: 22}',
          '  kvmlp03: {address: 192.0.2.23}',
          '  here: {transport: local}',
          'relocation-domains:',
          '  east: [kvmlp01, kvmlp02]',
          '  west: [kvmlp03]',
          '',
        ].join('\n'),
      )
      writeFileSync(
        join(dir, 'dc1.zmigrate.yml'),
        [
          'plugin: zmigrate.zkvm.profile',
          'profile: dc1.yaml',
          `zmigrate_path: ${BUILT_CLI}`,
          'group_prefix: zdomain_',
          'ssh_vars: true',
          'keyed_groups: [{key: zmigrate_transport, prefix: transport}]',
          '',
        ].join('\n'),
      )
      const r = await list(join(dir, 'dc1.zmigrate.yml'))
      expect(r.exitCode, r.stderr).to.equal(0)
      const inv = JSON.parse(r.stdout)
      expect(inv.zdomain_east.hosts).to.deep.equal(['kvmlp01', 'kvmlp02'])
      expect(inv.zdomain_west.hosts).to.deep.equal(['kvmlp03'])
      expect(inv.zdomain_dc1.hosts).to.have.members(['kvmlp01', 'kvmlp02', 'kvmlp03', 'here'])
      expect(inv.transport_local.hosts).to.deep.equal(['here'])
      const vars = inv._meta.hostvars
      expect(vars.kvmlp01).to.deep.include({ansible_host: '192.0.2.21', ansible_user: 'zmigrate', ansible_port: 2222, zmigrate_relocation_domains: ['east']})
      expect(vars.kvmlp02.ansible_port).to.equal(22)
      expect(vars.here).to.deep.include({ansible_connection: 'local', zmigrate_transport: 'local'})
    })

    it("a profile zmigrate rejects fails the inventory source with zmigrate's file:line:col message", async () => {
      writeFileSync(join(dir, 'broken.yaml'), 'version: 1\nsite: broken\nhosts:\n  a: {address: 192.0.2.1, colour: red}\n')
      writeFileSync(join(dir, 'broken.zmigrate.yml'), `plugin: zmigrate.zkvm.profile\nprofile: broken.yaml\nzmigrate_path: ${BUILT_CLI}\n`)
      const r = await list(join(dir, 'broken.zmigrate.yml'), {ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true'})
      expect(r.exitCode).to.not.equal(0)
      expect(r.stderr).to.include('zmigrate profile show:')
      expect(r.stderr).to.match(/broken\.yaml:4:\d+/)
    })
  })
})
