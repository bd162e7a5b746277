import {expect} from 'chai'
import {PassThrough} from 'node:stream'
import {createRenderer, progressLine} from '../../src/report/progress.js'
import {rateEtaSeconds} from '../../src/run/job-eta.js'
import type {JobStats} from '../../src/run/jobinfo.js'

function capture() {
  const err = new PassThrough()
  const out = new PassThrough()
  let e = ''
  let o = ''
  err.on('data', (c) => (e += String(c)))
  out.on('data', (c) => (o += String(c)))
  return {err, out, text: () => e, json: () => o}
}

const stats = (processed: number): JobStats =>
  ({type: 'Unbounded', dataTotal: 100 << 20, dataProcessed: processed << 20, dataRemaining: (100 - processed) << 20}) as JobStats

describe('progress of several migrations at once', () => {
  it('on a terminal: one bar per guest in flight, event lines named by guest', () => {
    const c = capture()
    const emit = createRenderer({json: false, tty: true, err: c.err, out: c.out})
    emit({type: 'step-start', step: '03-migrate', kind: 'migrate', description: 'live migration of g1', guest: 'g1'})
    emit({type: 'progress', step: 'migrate', stats: stats(10), guest: 'g1'})
    emit({type: 'progress', step: 'migrate', stats: stats(50), guest: 'g2'})
    emit({type: 'progress', step: 'migrate', stats: stats(20), guest: 'g1'})
    const screen = c.text()
    expect(screen).to.include('[g1] > 03-migrate: live migration of g1\n')
    // the last redraw holds both bars, g1 at 20 %, g2 at 50 %
    const last = screen.slice(screen.lastIndexOf('\u001b[J'))
    expect(last).to.match(/\[g1\] \[#+-+\]\s+20%/)
    expect(last).to.match(/\[g2\] \[#+-+\]\s+50%/)
    emit({type: 'step-done', step: '03-migrate', durationMs: 1200, guest: 'g1'})
    const after = c.text().slice(c.text().lastIndexOf('\u001b[J'))
    expect(after).to.include('[g1]   done in 1.2 s')
    expect(after).to.not.match(/\[g1\] \[#/)
    expect(after).to.match(/\[g2\] \[#/)
  })

  it('with --json: NDJSON events carry the guest', () => {
    const c = capture()
    const emit = createRenderer({json: true, tty: false, err: c.err, out: c.out})
    emit({type: 'progress', step: 'migrate', stats: stats(10), guest: 'g2'})
    expect(JSON.parse(c.json().trim())).to.include({type: 'progress', guest: 'g2'})
  })
})

describe('the live ETA of a migration in progress', () => {
  const GiB = 2 ** 30
  const busy = {type: 'Unbounded', dataTotal: 4 * GiB, dataProcessed: GiB, dataRemaining: 3 * GiB, memoryBps: GiB / 10} as JobStats

  it("the runner's (two samples) when it has one, else the one the job's rate gives; none without a rate", () => {
    expect(progressLine(busy, 95)).to.match(/ETA 1 min 35 s$/)
    expect(progressLine(busy, undefined)).to.match(/ETA 30 s$/)
    expect(progressLine({...busy, memoryBps: undefined}, undefined)).to.not.include('ETA')
  })

  it('the disks (copied first) and the memory each at their own rate', () => {
    expect(rateEtaSeconds({memoryRemaining: 2 * GiB, memoryBps: GiB / 10, diskRemaining: GiB, diskBps: GiB / 20})).to.equal(40)
    expect(rateEtaSeconds({dataRemaining: GiB, memoryBps: GiB / 4})).to.equal(4)
    expect(rateEtaSeconds({diskRemaining: GiB, memoryBps: GiB})).to.equal(undefined)
    expect(rateEtaSeconds({dataRemaining: 0, memoryBps: GiB})).to.equal(undefined)
  })

  it('an NDJSON progress event without the runner’s ETA carries the rate’s; a bar on a terminal shows it', () => {
    const c = capture()
    createRenderer({json: true, tty: false, err: c.err, out: c.out})({type: 'progress', step: 'migrate', stats: busy})
    expect(JSON.parse(c.json().trim()).etaSeconds).to.equal(30)
    const t = capture()
    createRenderer({json: false, tty: true, err: t.err, out: t.out})({type: 'progress', step: 'migrate', stats: busy, etaSeconds: 12})
    expect(t.text()).to.match(/\[#+-+\]\s+25%.*ETA 12 s/)
  })
})
