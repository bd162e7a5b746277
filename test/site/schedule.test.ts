import {expect} from 'chai'
import {bandwidthShare, startable, type MigrationSlot} from '../../src/site/schedule.js'

const slot = (guest: string, source: string, destination: string): MigrationSlot => ({guest, source, destination})
const DEFAULTS = {site: 2, outgoing: 2, incoming: 1}

describe('site schedule: which migrations start now', () => {
  const cases: {name: string; queue: MigrationSlot[]; running: MigrationSlot[]; limits?: typeof DEFAULTS; start: string[]}[] = [
    {
      name: 'nothing running: up to the site limit, one per destination',
      queue: [slot('g1', 'a', 'b'), slot('g2', 'a', 'b'), slot('g3', 'a', 'c')],
      running: [],
      start: ['g1', 'g3'],
    },
    {name: 'the site limit counts the running ones', queue: [slot('g2', 'a', 'c')], running: [slot('g1', 'x', 'y'), slot('g0', 'x', 'z')], start: []},
    {
      name: 'a full destination does not hold back a later guest for another one (rolling window)',
      queue: [slot('g2', 'a', 'b'), slot('g3', 'a', 'c')],
      running: [slot('g1', 'a', 'b')],
      start: ['g3'],
    },
    {
      name: 'the outgoing limit of the source',
      queue: [slot('g3', 'a', 'd')],
      running: [slot('g1', 'a', 'b'), slot('g2', 'a', 'c')],
      limits: {site: 4, outgoing: 2, incoming: 1},
      start: [],
    },
    {
      name: 'other sources still start under the same site limit',
      queue: [slot('g3', 'a', 'd'), slot('g4', 'e', 'f')],
      running: [slot('g1', 'a', 'b'), slot('g2', 'a', 'c')],
      limits: {site: 4, outgoing: 2, incoming: 1},
      start: ['g4'],
    },
    {
      name: 'incoming above one lets two arrive at one host',
      queue: [slot('g1', 'a', 'b'), slot('g2', 'c', 'b'), slot('g3', 'a', 'b')],
      running: [],
      limits: {site: 3, outgoing: 1, incoming: 2},
      start: ['g1', 'g2'],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(startable(c.queue, c.running, c.limits ?? DEFAULTS).map((s) => s.guest)).to.deep.equal(c.start)
    })
  }
})

describe('site schedule: bandwidth per migration', () => {
  const cases: [name: string, policy: {bandwidthMiB?: number; totalBandwidthMiB?: number}, running: number, share: number | undefined][] = [
    ['no limits: none', {}, 3, undefined],
    ['only a per-migration cap: that cap', {bandwidthMiB: 500}, 3, 500],
    ['a total shared equally', {totalBandwidthMiB: 1000}, 3, 333],
    ['the share never exceeds the per-migration cap', {bandwidthMiB: 200, totalBandwidthMiB: 1000}, 2, 200],
    ['one migration gets the whole total', {totalBandwidthMiB: 1000}, 1, 1000],
    ['never 0 (libvirt would read it as no cap)', {totalBandwidthMiB: 1}, 3, 1],
    ['none running yet counts as one', {totalBandwidthMiB: 800}, 0, 800],
  ]
  for (const [name, policy, running, share] of cases) {
    it(name, () => expect(bandwidthShare(policy, running)).to.equal(share))
  }
})
