/**
 * Hostile or damaged plan and journal files get a located error, never a crash: a seeded,
 * bounded fuzz over both, and the cases a review found by hand.
 */
import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {readPlan} from '../../src/app/plan-file.js'
import {InputError, ZmigrateError} from '../../src/errors.js'
import {jsonErrorOffset, lineColAt} from '../../src/json-locate.js'
import {assertPlanMatchesProfile, assertStepsIntact} from '../../src/plan/integrity.js'
import {assertFresh} from '../../src/plan/plan-file.js'
import {profileHost} from '../../src/profiles/hosts.js'
import {renderPlan} from '../../src/report/plan-text.js'
import {loadJournal} from '../../src/run/journal.js'
import {migrationReport} from '../../src/run/report.js'
import {prng} from '../support/prng.js'
import {testProfile} from '../support/rule-harness.js'
import {setup} from '../support/runner-setup.js'

const NASTY: unknown[] = [
  null,
  0,
  -1,
  1e308,
  'not a date',
  '',
  '../../../devices/system/cpu/cpu1',
  '-obacking_file=/etc/shadow',
  '/etc/shadow',
  [],
  {},
  true,
  'toString',
  '__proto__',
  {constructor: 1},
  [[[]]],
]

/** Every container and leaf path of a JSON document. */
function paths(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at)
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, Array.isArray(value) ? Number(k) : k], out)
  return out
}

function mutate(doc: unknown, rnd: () => number): string {
  const copy = structuredClone(doc) as Record<string, unknown>
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
  const n = 1 + Math.floor(rnd() * 3)
  for (let i = 0; i < n; i++) {
    const path = pick(paths(copy).filter((p) => p.length > 0))
    const parent = path.slice(0, -1).reduce<any>((o, k) => o?.[k], copy)
    const key = path.at(-1)!
    if (!parent || typeof parent !== 'object') continue
    const op = rnd()
    if (op < 0.3) delete parent[key]
    else if (op < 0.8) parent[key] = structuredClone(pick(NASTY))
    else if (Array.isArray(parent[key])) parent[key].push(structuredClone(parent[key][0] ?? null))
    else parent[key] = String(parent[key]).slice(0, 3)
  }
  const text = JSON.stringify(copy, null, 2)
  return rnd() < 0.15 ? text.slice(0, Math.floor(rnd() * text.length)) : text
}

/** Runs `fn`; an error must be one of zmigrate's own (a located, one-line message), never a TypeError. */
async function typedOnly(what: string, fn: () => Promise<unknown>): Promise<'ok' | 'refused'> {
  try {
    await fn()
    return 'ok'
  } catch (error) {
    if (!(error instanceof ZmigrateError)) throw new Error(`${what}: untyped ${(error as Error)?.name}: ${(error as Error)?.message}`, {cause: error})
    expect(error.message, what).to.not.include('\n')
    return 'refused'
  }
}

describe('hostile or damaged plan and journal files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-hostile-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('a journal with an empty plan is refused with a located error (was a TypeError)', async () => {
    const file = join(dir, 'empty-plan.json')
    writeFileSync(file, '{"formatVersion":1,"status":"succeeded","steps":[],"plan":{}}')
    const e = await loadJournal(file).catch((x) => x)
    expect(e).to.be.instanceOf(InputError)
    expect(e.code).to.equal('E_JOURNAL')
    expect(e.message).to.match(new RegExp(`^${file}: not a valid zmigrate journal`))
  })

  it('a journal whose step records do not belong to its plan is refused', async () => {
    const s = setup()
    const j = structuredClone(s.journal) as any
    j.steps[0].id = '99-elsewhere'
    const file = join(dir, 'foreign-steps.json')
    writeFileSync(file, JSON.stringify(j))
    expect((await loadJournal(file).catch((x) => x)).message).to.match(/steps: the step records do not match/)
  })

  it('2 MB of nested [ is refused in well under a second, with line:col (was 12 s and 1.2 GB)', async function () {
    this.timeout(10_000)
    const file = join(dir, 'nested.json')
    writeFileSync(file, '['.repeat(2_000_000))
    const started = performance.now()
    const e = await readPlan(file).catch((x) => x)
    const ms = performance.now() - started
    expect(e).to.be.instanceOf(InputError)
    expect(e.message).to.match(new RegExp(`^${file}:1:2000001: plan is not valid JSON`))
    expect(ms).to.be.below(2000)
  })

  it('the JSON locator finds the first bad character', () => {
    const cases: [string, number | undefined][] = [
      ['{"a": [1, 2, 3]}', undefined],
      ['{"a": [1, 2,]}', 12],
      ['{"a" 1}', 5],
      ['{"a": tru}', 6],
      ['[1, 2', 5],
      ['"\\x"', 1],
      ['{"a": 1}}', 8],
      ['  {"a": -01}', 10],
      ['{"a": "b\nc"}', 8],
    ]
    for (const [text, offset] of cases) expect(jsonErrorOffset(text), text).to.equal(offset)
    expect(lineColAt('{\n  "a" 1\n}', 8)).to.deep.equal({line: 2, col: 7})
  })

  it('--from toString / --to constructor are unknown hosts, not Object.prototype members', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(() => profileHost(testProfile(), name, '--from'), name).to.throw(/unknown host/)
    }
  })

  it('a seeded fuzz of plan files and journals finds no untyped error', async function () {
    this.timeout(60_000)
    const s = setup()
    const journalDoc = JSON.parse(JSON.stringify((await s.apply()) && s.journal))
    const planDoc = JSON.parse(JSON.stringify(s.plan))
    const profile = testProfile()
    const deadline = Date.now() + 20_000
    const counts = {plans: 0, journals: 0, refused: 0, applied: 0}
    for (let seed = 1; seed <= 600 && Date.now() < deadline; seed++) {
      const rnd = prng(seed)
      const planFile = join(dir, `fuzz-plan-${seed % 8}.json`)
      writeFileSync(planFile, mutate(planDoc, rnd))
      const p = await typedOnly(`plan seed ${seed}`, async () => {
        const plan = await readPlan(planFile)
        renderPlan(plan)
        assertStepsIntact(plan)
        assertPlanMatchesProfile(plan, profile)
        assertFresh(plan, s.plan)
      })
      const journalFile = join(dir, `fuzz-journal-${seed % 8}.json`)
      writeFileSync(journalFile, mutate(journalDoc, rnd))
      const j = await typedOnly(`journal seed ${seed}`, async () => {
        const journal = await loadJournal(journalFile)
        migrationReport(journal)
        assertStepsIntact(journal.plan, 'journal')
        assertPlanMatchesProfile(journal.plan, profile, 'journal')
        // what --resume would do with it, against scripted hosts
        const world = setup()
        await world.apply(journal, {journalRetryDelaysMs: []})
        counts.applied++
      })
      counts.plans++
      counts.journals++
      counts.refused += Number(p === 'refused') + Number(j === 'refused')
    }
    expect(counts.plans).to.be.greaterThan(50)
    expect(counts.refused).to.be.greaterThan(counts.plans) // most mutations must be caught
    expect(counts.applied).to.be.greaterThan(0)
  })
})
