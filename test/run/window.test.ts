import {expect} from 'chai'
import {runWindow, type WindowCaps, type WindowJob} from '../../src/run/window.js'

/** Jobs that take `ms` each and record how many ran at once, site-wide and per host. */
function world(specs: {id: string; from: string; to: string; ms: number; fail?: boolean}[]) {
  const live = {site: 0, out: new Map<string, number>(), in: new Map<string, number>()}
  const seen = {site: 0, out: 0, in: 0}
  const order: string[] = []
  const bump = (m: Map<string, number>, k: string, d: number) => {
    m.set(k, (m.get(k) ?? 0) + d)
    return m.get(k) ?? 0
  }
  const jobs: WindowJob<string>[] = specs.map((s) => ({
    id: s.id,
    from: s.from,
    to: s.to,
    async run() {
      order.push(s.id)
      seen.site = Math.max(seen.site, ++live.site)
      seen.out = Math.max(seen.out, bump(live.out, s.from, 1))
      seen.in = Math.max(seen.in, bump(live.in, s.to, 1))
      await new Promise((r) => setTimeout(r, s.ms))
      live.site--
      bump(live.out, s.from, -1)
      bump(live.in, s.to, -1)
      if (s.fail) throw new Error(`${s.id} failed`)
      return `${s.id} done`
    },
  }))
  return {jobs, seen, order}
}

type Spec = {id: string; from: string; to: string; ms: number; fail?: boolean}
const evacuation = (n: number, ms = 20): Spec[] => Array.from({length: n}, (_, i) => ({id: `g${i}`, from: 'a', to: i % 2 ? 'c' : 'b', ms: ms + (i % 3) * 10}))

describe('the rolling window of migrations', () => {
  it('never exceeds the site, outgoing and incoming caps', async () => {
    for (const caps of [
      {site: 2, outgoing: 2, incoming: 1},
      {site: 3, outgoing: 3, incoming: 2},
      {site: 1, outgoing: 1, incoming: 1},
    ] as WindowCaps[]) {
      const w = world(evacuation(9))
      const run = await runWindow(w.jobs, caps)
      expect(w.seen.site, JSON.stringify(caps)).to.be.at.most(caps.site)
      expect(w.seen.out).to.be.at.most(caps.outgoing)
      expect(w.seen.in).to.be.at.most(caps.incoming)
      expect(run.peak).to.equal(w.seen.site)
      expect(run.results.every((r) => r.started && 'value' in r)).to.equal(true)
    }
  })

  it('keeps the window full: a new migration starts as soon as one ends, not when a batch does', async () => {
    // one slow and three quick moves, two at a time: the quick ones run beside the slow one
    const w = world([
      {id: 'slow', from: 'a', to: 'b', ms: 300},
      {id: 'q1', from: 'a', to: 'c', ms: 40},
      {id: 'q2', from: 'a', to: 'c', ms: 40},
      {id: 'q3', from: 'a', to: 'c', ms: 40},
    ])
    const started = Date.now()
    await runWindow(w.jobs, {site: 2, outgoing: 2, incoming: 2})
    expect(Date.now() - started).to.be.below(300 + 100) // batches of two would take 300 + 40 + …
    expect(w.order).to.deep.equal(['slow', 'q1', 'q2', 'q3'])
  })

  it('passes over a job whose destination is full for one that fits', async () => {
    const w = world([
      {id: 'b1', from: 'a', to: 'b', ms: 100},
      {id: 'b2', from: 'a', to: 'b', ms: 10},
      {id: 'c1', from: 'a', to: 'c', ms: 10},
    ])
    await runWindow(w.jobs, {site: 2, outgoing: 2, incoming: 1})
    expect(w.order).to.deep.equal(['b1', 'c1', 'b2'])
  })

  it('a failing migration does not stop the others', async () => {
    const specs = evacuation(5)
    specs[1].fail = true
    const w = world(specs)
    const run = await runWindow(w.jobs, {site: 2, outgoing: 2, incoming: 2})
    expect(run.results.map((r) => (r.started ? ('error' in r ? 'failed' : 'ok') : 'not started'))).to.deep.equal(['ok', 'failed', 'ok', 'ok', 'ok'])
  })

  it('stopStarting lets those in flight finish and starts no more', async () => {
    const w = world(evacuation(6, 30))
    let ended = 0
    const run = await runWindow(w.jobs, {site: 2, outgoing: 2, incoming: 2}, {onEnd: () => ended++, stopStarting: () => ended >= 1})
    const started = run.results.filter((r) => r.started).length
    expect(started).to.equal(2) // two at first; the first end stops new starts
    expect(run.results.filter((r) => !r.started)).to.have.length(6 - started)
    expect(run.results.filter((r) => r.started).every((r) => 'value' in r)).to.equal(true)
  })

  it('refuses caps that are not positive integers', async () => {
    const e = await runWindow([], {site: 0, outgoing: 1, incoming: 1}).catch((x) => x)
    expect(e).to.be.instanceOf(RangeError)
  })
})
