import {expect} from 'chai'
import {etaSeconds, parseJobInfo} from '../../src/run/jobinfo.js'

// `virsh domjobinfo zdemo --completed --rawstats` on the destination, libvirt 9.0 (the lab)
const completedRaw = `Job type: 3

operation: 4
time_elapsed: 622
time_elapsed_net: 619
downtime: 47
downtime_net: 44
setup_time: 1
data_total: 268435456
data_processed: 43603953
data_remaining: 0
memory_bps: 198750131
memory_dirty_rate: 0
memory_iteration: 3
memory_page_size: 4096
`

// the labelled form (shared/reference/lab README, sampled during a migration)
const runningHuman = `Job type:         Unbounded
Operation:        Outgoing migration
Time elapsed:     458          ms
Data processed:   1.001 GiB
Data remaining:   256.000 MiB
Data total:       1.250 GiB
Memory bandwidth: 19.480 MiB/s
Iteration:        2
Expected downtime: 17           ms
`

describe('domjobinfo parsing', () => {
  it('reads raw stats as virsh 9 prints them', () => {
    const s = parseJobInfo(completedRaw)
    expect(s).to.include({
      type: 'Completed',
      elapsedMs: 622,
      downtimeMs: 47,
      dataTotal: 268435456,
      dataRemaining: 0,
      iteration: 3,
      memoryBps: 198750131,
      pageSize: 4096,
    })
  })
  it('reads the labelled form with units', () => {
    const s = parseJobInfo(runningHuman)
    expect(s.type).to.equal('Unbounded')
    expect(s.dataRemaining).to.equal(256 * 1024 * 1024)
    expect(s.dataTotal).to.equal(Math.round(1.25 * 1024 ** 3))
    expect(s.iteration).to.equal(2)
    expect(s.expectedDowntimeMs).to.equal(17)
  })
  it('no job', () => expect(parseJobInfo('Job type:         None        \n').type).to.equal('None'))
  it('ignores names that only exist on Object.prototype', () => {
    expect(parseJobInfo('constructor: 5\n__proto__: 6\ntoString: 7\ntime_elapsed: 8\n')).to.deep.equal({elapsedMs: 8})
  })

  // A host prints what it likes while a migration runs; the old line patterns backtracked
  // quadratically on these (1.4 s for the blanks, far longer for the long line).
  for (const [what, line] of [
    ['a line of 20,000 spaces', ' '.repeat(20_000)],
    ['a 200,000-char garbage line', 'time_elapsed:' + ' \t'.repeat(99_990) + 'x\r'],
  ] as const) {
    it(`parses ${what} in linear time`, () => {
      const started = performance.now()
      const stats = parseJobInfo(`Job type: Unbounded\n${line}\ndata_processed: 5\n`)
      expect(performance.now() - started).to.be.below(100)
      expect(stats).to.include({type: 'Unbounded', dataProcessed: 5})
    })
  }

  it('estimates time to completion from two samples', () => {
    expect(etaSeconds({dataRemaining: 200}, {dataRemaining: 100}, 1000)).to.equal(1)
    expect(etaSeconds({dataRemaining: 100}, {dataRemaining: 150}, 1000)).to.equal(undefined)
  })
})
