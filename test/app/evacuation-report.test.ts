import {expect} from 'chai'
import {evacuationExitCode, evacuationReport, guestsToRun} from '../../src/app/move-guests.js'
import {journalFor} from '../../src/app/evacuate.js'
import {evacuationReportSchema} from '../../src/report/evacuation-report.js'
import {renderEvacuationReport} from '../../src/report/evacuation-text.js'
import {evacuationJournalSchema, type EvacuationGuest} from '../../src/run/evacuation-journal.js'
import type {GuestPlacement} from '../../src/site/types.js'

const placements: GuestPlacement[] = [
  {kind: 'placed', guest: 'g1', uuid: '3c3c3c3c-2222-4222-8333-000000000001', source: 'a', destination: 'b', order: 1, why: 'x', warnings: [], refused: []},
  {kind: 'placed', guest: 'g2', uuid: '3c3c3c3c-2222-4222-8333-000000000002', source: 'a', destination: 'c', order: 2, why: 'x', warnings: [], refused: []},
  {
    kind: 'nowhere',
    guest: 'big',
    uuid: '3c3c3c3c-2222-4222-8333-000000000003',
    source: 'a',
    nowhere: [{destination: 'b', reasons: [{code: 'memory', message: 'needs 8 GiB'}]}],
  },
]

function run(states: EvacuationGuest['state'][], opts: {stays?: boolean; stopReason?: string; plan?: boolean} = {}) {
  const j = journalFor(opts.stays === false ? placements.slice(0, 2) : placements, 'a', '/tmp/zm-none')
  if (opts.plan) j.plan = {file: '/srv/a.evacuation.json', fingerprint: 'f'.repeat(64), caps: {site: 2, outgoing: 2, incoming: 1}}
  j.guests.forEach((g, i) => (g.state = states[i]))
  j.status = opts.stopReason ? 'stopped' : 'finished'
  if (opts.stopReason) j.stopReason = opts.stopReason
  return evacuationReport(j, 2)
}

describe('an evacuation outcome and its exit status', () => {
  it('records each placed guest with its home and destination, and the ones with nowhere to go', () => {
    const r = run(['migrated', 'migrated'])
    expect(r.guests.map((g) => [g.name, g.home, g.destination, g.order])).to.deep.equal([
      ['g1', 'a', 'b', 1],
      ['g2', 'a', 'c', 2],
    ])
    expect(r.stays).to.deep.equal([{name: 'big', reasons: ['b: needs 8 GiB']}])
  })

  it('the worst guest decides', () => {
    expect(evacuationExitCode(run(['migrated', 'migrated'], {stays: false}))).to.equal(0)
    expect(evacuationExitCode(run(['migrated', 'migrated']))).to.equal(1) // one stayed
    expect(evacuationExitCode(run(['migrated', 'rolled-back'], {stays: false}))).to.equal(1)
    expect(evacuationExitCode(run(['migrated', 'blocked'], {stays: false}))).to.equal(1)
    expect(evacuationExitCode(run(['interrupted', 'not-attempted'], {stays: false, stopReason: 'interrupted'}))).to.equal(130)
    expect(evacuationExitCode(run(['rollback-incomplete', 'interrupted'], {stays: false}))).to.equal(4)
  })

  it('running an evacuation plan: a guest gone stale makes it 5, over a guest that stayed, under 4 and 130', () => {
    const plan = {plan: true}
    expect(run(['migrated', 'stale'], plan).plan).to.deep.equal({file: '/srv/a.evacuation.json', fingerprint: 'f'.repeat(64)})
    expect(evacuationExitCode(run(['migrated', 'migrated'], {...plan, stays: false}))).to.equal(0)
    expect(evacuationExitCode(run(['migrated', 'stale'], {...plan, stays: false}))).to.equal(5)
    expect(evacuationExitCode(run(['rolled-back', 'stale'], plan))).to.equal(5)
    expect(evacuationExitCode(run(['rollback-incomplete', 'stale'], plan))).to.equal(4)
    expect(evacuationExitCode(run(['stale', 'not-attempted'], {...plan, stopReason: 'interrupted'}))).to.equal(130)
    // without a plan file, a guest that could not be planned at its turn stayed: 1, as before
    expect(evacuationExitCode(run(['migrated', 'stale'], {stays: false}))).to.equal(1)
    expect(run(['migrated', 'stale']).plan).to.equal(undefined)
  })

  it("carries each guest's finish reason, as its journal recorded it, valid against evacuate.json; the text names one that is not completed", () => {
    const j = journalFor(placements.slice(0, 2), 'a', '/tmp/zm-none')
    j.guests[0].state = 'migrated'
    j.guests[0].finishReason = 'completed'
    j.guests[1].state = 'rolled-back'
    j.guests[1].finishReason = 'max-total-exceeded'
    j.status = 'finished'
    const r = evacuationReportSchema.strict().parse(evacuationReport(j, 1))
    expect(r.guests.map((g) => g.finishReason)).to.deep.equal(['completed', 'max-total-exceeded'])
    expect(evacuationJournalSchema.parse({...j, file: undefined}).guests[1].finishReason).to.equal('max-total-exceeded')
    const text = renderEvacuationReport(r)
    expect(text).to.match(/rolled-back +g2 -> c {2}\[max-total-exceeded\]/)
    expect(text).to.not.include('[completed]')
  })
})

describe('what --resume moves', () => {
  it('the guests in flight when it stopped and those never started (pending, or not attempted after a stop), in order; never the finished ones', () => {
    const g3: GuestPlacement = {
      kind: 'placed',
      guest: 'g3',
      uuid: '3c3c3c3c-2222-4222-8333-000000000004',
      source: 'a',
      destination: 'b',
      order: 3,
      why: 'x',
      warnings: [],
      refused: [],
    }
    const j = journalFor([...placements.slice(0, 2), g3], 'a', '/tmp/zm-none')
    const states: EvacuationGuest['state'][] = ['migrated', 'not-attempted', 'interrupted']
    j.guests.forEach((g, i) => (g.state = states[i]))
    expect(guestsToRun(j).map((g) => `${g.name} ${g.state}`)).to.deep.equal(['g2 not-attempted', 'g3 interrupted'])
    for (const done of ['migrated', 'rolled-back', 'rollback-incomplete', 'blocked', 'stale'] as const) {
      j.guests.forEach((g) => (g.state = done))
      expect(guestsToRun(j), done).to.deep.equal([])
    }
  })
})
