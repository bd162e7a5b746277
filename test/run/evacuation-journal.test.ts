import {expect} from 'chai'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {InputError} from '../../src/errors.js'
import {EvacuationRecorder, loadEvacuationJournal, newEvacuationJournal} from '../../src/run/evacuation-journal.js'

const uuid = (i: number) => `3c3c3c3c-2222-4222-8333-${String(i).padStart(12, '0')}`

describe('the evacuation journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-evac-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('records every guest of concurrent finishes, and reads back what it wrote', async () => {
    const guests = Array.from({length: 12}, (_, i) => ({
      name: `g${i}`,
      uuid: uuid(i),
      home: 'zhost-a',
      source: 'zhost-a',
      destination: i % 2 ? 'zhost-b' : 'zhost-c',
      order: i,
    }))
    const journal = newEvacuationJournal({purpose: 'evacuate', host: 'zhost-a', guests, stays: [{name: 'big', reasons: ['zhost-b: memory']}]}, dir)
    const recorder = new EvacuationRecorder(journal)
    await Promise.all(guests.map((g, i) => recorder.update(g.uuid, {state: i % 3 ? 'migrated' : 'rolled-back', journal: `/j/${g.name}.json`})))
    const read = await loadEvacuationJournal(journal.file)
    expect(read.guests.map((g) => g.state)).to.deep.equal(guests.map((_, i) => (i % 3 ? 'migrated' : 'rolled-back')))
    expect(read.guests.every((g) => g.home === 'zhost-a' && g.journal?.startsWith('/j/'))).to.equal(true)
    expect(read.stays).to.deep.equal([{name: 'big', reasons: ['zhost-b: memory']}])
    expect(readdirSync(dirname(journal.file)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([])
  })

  it('a damaged evacuation journal is a located error', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({formatVersion: 1, kind: 'evacuation', guests: [{uuid: '1'}]}))
    const e = await loadEvacuationJournal(file).catch((x) => x)
    expect(e).to.be.instanceOf(InputError)
    expect(e.message).to.match(/not a valid zmigrate evacuation journal/)
  })

  it('records the evacuation plan file it runs, with its fingerprint and caps, and reads it back', async () => {
    const plan = {file: '/srv/zlpar1.evacuation.json', fingerprint: 'a'.repeat(64), caps: {site: 3, outgoing: 2, incoming: 1}}
    const guests = [{name: 'g', uuid: uuid(1), home: 'h', source: 'h', destination: 'd', order: 1}]
    const journal = newEvacuationJournal({purpose: 'evacuate', host: 'h', guests, stays: [], plan}, dir)
    await new EvacuationRecorder(journal).save()
    expect((await loadEvacuationJournal(journal.file)).plan).to.deep.equal(plan)
    const without = newEvacuationJournal({purpose: 'evacuate', host: 'h', guests, stays: []}, dir)
    await new EvacuationRecorder(without).save()
    expect((await loadEvacuationJournal(without.file)).plan).to.equal(undefined)
    const bad = join(dir, 'bad-plan.json')
    writeFileSync(bad, JSON.stringify({...JSON.parse(readFileSync(journal.file, 'utf8')), plan: {...plan, fingerprint: 'x'}}))
    expect((await loadEvacuationJournal(bad).catch((x) => x)).message).to.match(/plan\.fingerprint: a sha256/)
  })
})
