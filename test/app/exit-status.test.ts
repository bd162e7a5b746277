import {expect} from 'chai'
import {checkExitCode, hostMigrationExitCode, migrationExitCode} from '../../src/app/exit-status.js'
import {ExitCode} from '../../src/exit-codes.js'
import type {GuestOutcome} from '../../src/report/host-migration-report.js'
import {hostMigrationReportSchema} from '../../src/report/host-migration-report.js'
import {migrationReportSchema} from '../../src/run/report.js'

type Outcome = GuestOutcome['outcome']

describe('exit status: each outcome owns its code (runbooks key on these)', () => {
  it('check: 0 without a blocker, 1 with one', () => {
    expect(checkExitCode({ok: true})).to.equal(0)
    expect(checkExitCode({ok: false})).to.equal(1)
  })

  describe('migrate GUEST / --plan / --resume', () => {
    const cases: [Parameters<typeof migrationExitCode>[0], number][] = [
      ['migrated', 0],
      ['rolled-back', 1],
      ['rollback-incomplete', 4],
      ['interrupted', 130],
    ]
    for (const [outcome, code] of cases) it(`${outcome} -> ${code}`, () => expect(migrationExitCode(outcome)).to.equal(code))

    it('every outcome the report schema allows has a code', () => {
      for (const outcome of migrationReportSchema.shape.outcome.options) expect(Object.values(ExitCode)).to.include(migrationExitCode(outcome))
      expect(cases.map(([o]) => o).sort()).to.deep.equal([...migrationReportSchema.shape.outcome.options].sort())
    })
  })

  describe('migrate --all: the worst guest decides', () => {
    const cases: {name: string; outcomes: Outcome[]; code: number; skippedOnSignal?: boolean}[] = [
      {name: 'all migrated', outcomes: ['migrated', 'migrated'], code: 0},
      {name: 'no guest on the host', outcomes: [], code: 0},
      {name: 'a guest blocked, the others migrated', outcomes: ['migrated', 'blocked'], code: 1},
      {name: 'a guest rolled back', outcomes: ['rolled-back', 'migrated'], code: 1},
      {name: 'every guest blocked (nothing could move)', outcomes: ['blocked', 'blocked'], code: 1},
      {name: 'interrupted, the rest not attempted', outcomes: ['migrated', 'interrupted', 'not-attempted', 'blocked'], code: 130},
      {name: 'signal between two guests', outcomes: ['migrated', 'not-attempted'], code: 130, skippedOnSignal: true},
      {name: 'rollback incomplete, the rest not attempted', outcomes: ['rollback-incomplete', 'not-attempted'], code: 4},
      {name: 'rollback incomplete outranks interrupted and blocked', outcomes: ['blocked', 'rollback-incomplete', 'interrupted'], code: 4},
      {name: 'interrupted outranks rolled back', outcomes: ['rolled-back', 'interrupted'], code: 130},
    ]
    for (const c of cases) it(`${c.name}: ${c.code}`, () => expect(hostMigrationExitCode(c.outcomes, 'ran', c.skippedOnSignal)).to.equal(c.code))

    it('dry run and cancel change nothing: 0, whatever is blocked', () => {
      for (const ending of ['dry-run', 'cancelled'] as const) {
        expect(hostMigrationExitCode(['not-attempted', 'blocked'], ending)).to.equal(0)
        expect(hostMigrationExitCode(['blocked'], ending)).to.equal(0)
      }
    })

    it('every guest outcome of the --all schema is covered', () => {
      const covered = new Set(cases.flatMap((c) => c.outcomes))
      for (const o of hostMigrationReportSchema.shape.guests.element.shape.outcome.options) expect([...covered], o).to.include(o)
    })
  })
})
