// lab/proof.ts on recorded shapes of the guest's console and disk: no lab needed.
import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  consoleLogPath,
  heartbeatRuns,
  judgeSurvival,
  parseConsole,
  previousHost,
  readHeartbeats,
  readRecords,
  type DiskRecord,
  type Heartbeats,
} from '../../lab/proof.js'

const BOOT = '02771dc8-a0c9-46bd-8071-09aa64414006'
const console_ = (...lines: string[]) => lines.map((l) => `${l}\r\n`).join('')
const hbs = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `HB ${from + i}`)
const heartbeats = (text: string): Heartbeats => {
  const events = parseConsole(text)
  const runs = heartbeatRuns(events)
  const boots = events.flatMap((e) => (e.kind === 'boot' ? [e.bootId] : []))
  return {events, runs, lastHeartbeat: runs.at(-1)?.last, lastBootId: boots.at(-1)}
}
const records = (to: number, bootId = BOOT): DiskRecord[] => Array.from({length: to}, (_, i) => ({sector: i + 1, n: i + 1, bootId}))

// zhost-a booted the guest and ran HB 1..20; zhost-b took over at HB 21
const SOURCE = console_('KASLR disabled: CPU has no PRNG', `ZGUEST BOOTED ${BOOT}`, 'ZDISK data=/dev/vda records=65535', 'DEV vdb present', ...hbs(1, 20))
const DEST = console_(...hbs(21, 25))

describe('lab/proof console parsing', function () {
  it('reads boots, heartbeats and device changes from a CRLF console log with kernel noise', function () {
    const events = parseConsole(
      console_(`ZGUEST BOOTED ${BOOT}`, 'DEV vdb present', 'HB 1', '[  12.3] virtio_blk virtio2: [vdb] 32768 512-byte', 'HB 2', 'DEV vdb absent'),
    )
    expect(events).to.deep.equal([
      {kind: 'boot', bootId: BOOT},
      {kind: 'dev', dev: 'vdb', present: true},
      {kind: 'hb', n: 1},
      {kind: 'hb', n: 2},
      {kind: 'dev', dev: 'vdb', present: false},
    ])
  })

  it('splits heartbeat runs where the guest left the host and came back, or rebooted', function () {
    const runs = heartbeatRuns(parseConsole(console_(`ZGUEST BOOTED ${BOOT}`, ...hbs(1, 10), ...hbs(31, 33), 'ZGUEST BOOTED x', ...hbs(1, 2))))
    expect(runs).to.deep.equal([
      {first: 1, last: 10, bootId: BOOT},
      {first: 31, last: 33},
      {first: 1, last: 2, bootId: 'x'},
    ])
  })

  it('treats a missing console log as one without heartbeats', function () {
    expect(readHeartbeats('/nonexistent/zdemo-console.log').lastHeartbeat).to.equal(undefined)
  })
})

describe('lab/proof disk records', function () {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'zlab-proof-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('reads records from sector 1 up to the first sector without one', function () {
    const img = Buffer.alloc(512 * 300)
    for (const n of [1, 2, 3, 5]) img.write(`ZREC ${n} ${BOOT}\n`, 512 * n, 'latin1')
    const file = join(dir, 'zdemo-data.img')
    writeFileSync(file, img)
    expect(readRecords(file).map((r) => r.n)).to.deep.equal([1, 2, 3])
    expect(readRecords(file, 2)).to.have.length(2)
    expect(readRecords(join(dir, 'missing.img'))).to.deep.equal([])
  })
})

describe('lab/proof verdict', function () {
  const judge = (dst: string, recs: DiskRecord[], src = SOURCE) =>
    judgeSurvival({guest: 'zdemo', source: 'a', destination: 'b', src: heartbeats(src), dst: heartbeats(dst), records: recs})

  it('proves a migration where the heartbeat went on and every record is on the destination disk', function () {
    const r = judge(DEST, records(25))
    expect(r.problems).to.deep.equal([])
    expect(r).to.include({ok: true, sourceLast: 20, destinationFirst: 21, destinationLast: 25, recordsInOrder: 25, bootId: BOOT})
  })

  it('accepts a heartbeat printed on both sides around the switch-over (margin)', function () {
    expect(judge(console_(...hbs(20, 25)), records(25)).ok).to.equal(true)
  })

  it('fails when the guest booted again on the destination', function () {
    const r = judge(console_('ZGUEST BOOTED 11111111-0000-0000-0000-000000000000', ...hbs(1, 3)), records(25))
    expect(r.ok).to.equal(false)
    expect(r.rebootedOnDestination).to.equal(true)
  })

  it('fails when the destination shows no newer heartbeat than the source (guest not there)', function () {
    expect(judge('', records(20)).problems.join()).to.match(/not running there/)
    expect(judge(console_(...hbs(5, 9)), records(20)).problems.join()).to.match(/not past/)
  })

  it('fails when a record is missing, out of order or from another boot', function () {
    const missing = records(25).filter((r) => r.n !== 7)
    expect(judge(DEST, missing).problems.join()).to.match(/only 1\.\.6 are in order/)
    const stale = records(25).map((r) => (r.n === 9 ? {...r, bootId: 'old-boot'} : r))
    expect(judge(DEST, stale).problems.join()).to.match(/sector 9 holds "ZREC 9 old-boot"/)
    expect(judge(DEST, records(22)).ok).to.equal(false)
  })
})

describe('lab proof: boot tags on heartbeats', () => {
  it("does not join an earlier boot's heartbeats with the next boot's when the numbers follow on", () => {
    // zhost-b saw boot 1111aaaa up to HB 28; the guest was restarted on zhost-a (that boot line is in
    // a's log only) and arrived on b at HB 29 of boot 2222bbbb
    const runs = heartbeatRuns(parseConsole('HB 26 1111aaaa\nHB 27 1111aaaa\nHB 28 1111aaaa\nHB 29 2222bbbb\nHB 30 2222bbbb\n'))
    expect(runs.map((r) => [r.first, r.last, r.boot])).to.deep.equal([
      [26, 28, '1111aaaa'],
      [29, 30, '2222bbbb'],
    ])
  })
  it('a destination heartbeat of another boot is not survival', () => {
    const src = {events: [], runs: [{first: 1, last: 28, boot: '2222bbbb'}], lastHeartbeat: 28}
    const dst = {events: [], runs: [{first: 29, last: 31, boot: '3333cccc'}], lastHeartbeat: 31}
    const r = judgeSurvival({guest: 'zdemo', source: 'a', destination: 'b', src, dst, records: []})
    expect(r.rebootedOnDestination).to.equal(true)
    expect(r.problems.join(' ')).to.match(/another boot/)
  })

  it('the records are judged against the boot the heartbeats name, not an older boot line left in the source log', () => {
    // zhost-a's log: boot 1111aaaa booted there long ago; the guest was restarted on zhost-b as 2222bbbb (its line is in b's log)
    const OLD = '1111aaaa-0000-4000-8000-000000000001'
    const NEW = '2222bbbb-0000-4000-8000-000000000002'
    const src = heartbeats(console_(`ZGUEST BOOTED ${OLD}`, 'HB 1 1111aaaa', 'HB 2 1111aaaa', 'HB 7 2222bbbb', 'HB 8 2222bbbb'))
    const dst = heartbeats(console_(`ZGUEST BOOTED ${NEW}`, 'HB 1 2222bbbb', 'HB 6 2222bbbb', 'HB 9 2222bbbb', 'HB 10 2222bbbb'))
    const r = judgeSurvival({guest: 'zdemo', source: 'a', destination: 'c', src, dst, records: records(10, NEW)})
    expect([r.ok, r.bootId], r.problems.join('; ')).to.deep.equal([true, NEW])
  })

  it('a guest that booted on a third host (a -> b -> c): its boot is the one its heartbeats and its records name, not the source’s last boot line', () => {
    const OLD = '1111aaaa-0000-4000-8000-000000000001'
    const NEW = '2222bbbb-0000-4000-8000-000000000002'
    // zhost-b's log ends with boot 1111aaaa's line; 2222bbbb booted on zhost-a, came to b, then to c
    const src = heartbeats(console_(`ZGUEST BOOTED ${OLD}`, 'HB 1 1111aaaa', 'HB 40 2222bbbb', 'HB 41 2222bbbb'))
    const dst = heartbeats(console_('HB 42 2222bbbb', 'HB 43 2222bbbb'))
    const r = judgeSurvival({guest: 'zdemo', source: 'b', destination: 'c', src, dst, records: records(43, NEW)})
    expect([r.ok, r.bootId], r.problems.join('; ')).to.deep.equal([true, NEW])
    // records of another boot only: that boot's heartbeats have no records on the disk
    const stale = judgeSurvival({guest: 'zdemo', source: 'b', destination: 'c', src, dst, records: records(43, OLD)})
    expect(stale.ok).to.equal(false)
    expect(stale.bootId).to.equal('2222bbbb')
  })

  it('the host the guest came from is one that shows the same boot, even when another shows higher heartbeats of an older boot', () => {
    const lab = mkdtempSync(join(tmpdir(), 'zm-proof-'))
    try {
      const write = (h: 'a' | 'b' | 'c', text: string) => {
        mkdirSync(join(lab, h, 'log', 'qemu'), {recursive: true})
        writeFileSync(consoleLogPath(lab, h, 'zdemo'), text)
      }
      write('c', console_('HB 300 1111aaaa', 'HB 309 1111aaaa'))
      write('a', console_('HB 120 2222bbbb', 'HB 128 2222bbbb'))
      write('b', console_('HB 129 2222bbbb', 'HB 131 2222bbbb'))
      expect(previousHost(lab, 'zdemo', 'b')).to.equal('a')
      // no other host shows the destination's boot: the latest heartbeat of all, as before
      write('b', console_('HB 1 3333cccc'))
      expect(previousHost(lab, 'zdemo', 'b')).to.equal('c')
    } finally {
      rmSync(lab, {recursive: true, force: true})
    }
  })
})
