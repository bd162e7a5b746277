import {expect} from 'chai'
import {PassThrough} from 'node:stream'
import {createRenderer} from '../../src/report/progress.js'
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
