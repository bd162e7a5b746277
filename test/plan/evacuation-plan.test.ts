import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {evacuationPlanFor} from '../../src/app/evacuation-plan.js'
import {readPlanDocument, writePlan} from '../../src/app/plan-file.js'
import type {PairEvaluation} from '../../src/app/check-site.js'
import {parseDomainXml} from '../../src/domain/parse.js'
import {InputError, StalePlanError} from '../../src/errors.js'
import {assertEvacuationIntact, evacuationFingerprint, isEvacuationPlanDocument} from '../../src/plan/evacuation-plan.js'
import type {EvacuationPlan} from '../../src/plan/types.js'
import type {GuestPlacement} from '../../src/site/types.js'
import {guestXml} from '../support/domain-xml.js'
import {makeContext, testHost, testProfile} from '../support/rule-harness.js'
import {setup} from '../support/runner-setup.js'

const uuid = (i: number) => `0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9c0${i}`
const profile = testProfile({hosts: {src: testHost('src'), dst: testHost('dst'), dst2: testHost('dst2', {address: '127.0.0.4'})}})

function pairFor(name: string, i: number): PairEvaluation {
  const domain = parseDomainXml(guestXml('', {name}).replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuid(i)}</uuid>`), name)
  const context = {...makeContext({domain}), profile}
  return {guest: context.guest, destination: 'dst', context, findings: [], readiness: {guest: name, destination: 'dst', status: 'ok', blockers: []}}
}

const placed = (guest: string, i: number, order: number): GuestPlacement => ({
  kind: 'placed',
  guest,
  uuid: uuid(i),
  source: 'src',
  destination: 'dst',
  order,
  why: 'the roomiest',
  warnings: [],
  refused: [],
})

/** An evacuation of src: app01 and app02 to dst (app02 placed first), big stays. */
function evacuation(): EvacuationPlan {
  return evacuationPlanFor({
    profile,
    host: 'src',
    destinations: ['dst', 'dst2'],
    caps: {site: 2, outgoing: 2, incoming: 1},
    placements: [
      placed('app01', 1, 2),
      placed('app02', 2, 1),
      {
        kind: 'nowhere',
        guest: 'big',
        uuid: uuid(3),
        source: 'src',
        nowhere: [{destination: 'dst', reasons: [{code: 'memory', message: 'memory: needs 64 GiB'}]}],
      },
    ],
    pairs: [pairFor('app01', 1), pairFor('app02', 2)],
    toolVersion: '0.1.0',
    now: new Date('2026-12-01T22:00:00.000Z'),
  })
}

const refused = (fn: () => void) => {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('not refused')
}

describe('evacuation plan files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-evplan-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('holds each placed guest in start order with its own plan, the guests that stay, the caps, and a fingerprint over all of it', () => {
    const doc = evacuation()
    expect(doc.guests.map((g) => [g.order, g.name, g.destination, g.plan.guest.name, g.plan.destination.host])).to.deep.equal([
      [1, 'app02', 'dst', 'app02', 'dst'],
      [2, 'app01', 'dst', 'app01', 'dst'],
    ])
    expect(doc.guests.every((g) => g.plan.createdAt === doc.createdAt && g.plan.tool.version === '0.1.0')).to.equal(true)
    expect(doc.stays).to.deep.equal([
      {name: 'big', uuid: uuid(3), nowhere: [{destination: 'dst', reasons: [{code: 'memory', message: 'memory: needs 64 GiB'}]}]},
    ])
    expect(doc.fingerprint).to.equal(evacuationFingerprint(doc))
    expect(() => assertEvacuationIntact(doc, profile)).to.not.throw()
  })

  it('round-trips through a file: the same document, the same fingerprint, told apart from a single-guest plan', async () => {
    const file = join(dir, 'evac.json')
    const doc = evacuation()
    await writePlan(file, doc)
    const read = await readPlanDocument(file)
    // the file is the JSON of the document (a field left undefined in memory is not in it)
    expect(read).to.deep.equal({kind: 'evacuation', plan: JSON.parse(JSON.stringify(doc))})
    expect(evacuationFingerprint(read.plan as EvacuationPlan)).to.equal(doc.fingerprint)
    const single = join(dir, 'single.json')
    await writePlan(single, setup().plan)
    expect((await readPlanDocument(single)).kind).to.equal('guest')
    expect(isEvacuationPlanDocument(setup().plan)).to.equal(false)
  })

  it('any edited field breaks the document fingerprint', () => {
    const doc: any = structuredClone(evacuation())
    doc.guests[0].why = 'edited'
    expect(() => assertEvacuationIntact(doc, profile)).to.throw(StalePlanError, /was edited: its content does not match its fingerprint/)
  })

  it('the fingerprint is of the content, not of how the JSON was written (key order, spacing)', () => {
    const doc = evacuation()
    const shuffled = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(doc).reverse())))
    expect(evacuationFingerprint(shuffled)).to.equal(doc.fingerprint)
    expect(evacuationFingerprint({...doc, caps: {...doc.caps, site: 3}})).to.not.equal(doc.fingerprint)
  })

  it('a guest that cannot be planned where it was placed stays, with why', () => {
    const pair = pairFor('app01', 1)
    const doc = evacuationPlanFor({
      profile,
      host: 'src',
      destinations: ['dst'],
      caps: {site: 1, outgoing: 1, incoming: 1},
      placements: [placed('app01', 1, 1)],
      pairs: [
        {...pair, findings: [{rule: 'dest-memory', category: 'host', severity: 'blocker', subject: 'host dst', message: 'no room', remedy: 'free some'}]},
      ],
      toolVersion: '0.1.0',
    })
    expect(doc.guests).to.deep.equal([])
    expect(doc.stays[0].nowhere[0].reasons[0]).to.deep.include({code: 'blocked'})
    expect(doc.stays[0].nowhere[0].reasons[0].message).to.match(/app01: 1 blocker — dest-memory/)
  })

  const edits: [string, (d: any) => void, RegExp][] = [
    [
      "another guest's plan under an entry",
      (d) => ([d.guests[0].plan, d.guests[1].plan] = [d.guests[1].plan, d.guests[0].plan]),
      /the entry app02 .* holds the plan of app01/,
    ],
    [
      'a destination that is not a candidate',
      (d) => ((d.guests[0].destination = 'src'), (d.guests[0].plan.destination.host = 'src')),
      /not one of its candidate destinations/,
    ],
    ['a plan from another host', (d) => (d.guests[0].plan.source.host = 'dst2'), /the plan of app02 moves it from dst2, not from src/],
  ]
  for (const [what, edit, message] of edits) {
    it(`refuses ${what} (exit 5), the document fingerprint recomputed or not`, () => {
      for (const recompute of [false, true]) {
        const doc: any = structuredClone(evacuation())
        edit(doc)
        if (recompute) doc.fingerprint = evacuationFingerprint(doc)
        const e = refused(() => assertEvacuationIntact(doc, profile))
        expect(e).to.be.instanceOf(StalePlanError)
        expect((e as StalePlanError).exitCode).to.equal(5)
        expect(e.message).to.match(recompute ? message : /its content does not match its fingerprint/)
        expect((e as StalePlanError).remedy).to.equal('Do not edit plan files: run zmigrate evacuate src -o FILE again and review the new plan.')
      }
    })
  }

  it('a damaged file is an input error naming the field (exit 2)', async () => {
    const file = join(dir, 'damaged.json')
    const doc: any = evacuation()
    doc.guests[1].plan.steps[0].migrate.destinationUri = 'not a uri'
    writeFileSync(file, JSON.stringify(doc))
    const e = await readPlanDocument(file).catch((x) => x)
    expect(e).to.be.instanceOf(InputError)
    expect(e.exitCode).to.equal(2)
    expect(e.message).to.match(/not a valid zmigrate evacuation plan \(formatVersion 1\): guests\.1\.plan\.steps\.0\.migrate\.destinationUri: a libvirt URI/)
    expect(readFileSync(file, 'utf8')).to.include('not a uri')
  })
})
