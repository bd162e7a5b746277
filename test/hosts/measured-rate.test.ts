// A measured dirty rate as the model and the reports take it (src/hosts/measured-rate.ts).
import {expect} from 'chai'
import {howMeasured, modelRates} from '../../src/hosts/measured-rate.js'

const MiB = 1024 * 1024
const one = {kind: 'measured', bytesPerSecond: 8 * MiB, mode: 'dirty-bitmap', seconds: 2, measuredAt: '2026-12-02T06:00:00.000Z'} as const
const three = {...one, bytesPerSecond: 36 * MiB, seconds: 1, windowBytesPerSecond: [2 * MiB, 36 * MiB, 4 * MiB]}

describe('a measured dirty rate, read', () => {
  it('the model takes the highest window, and the average of several', () => {
    expect(modelRates(one)).to.deep.equal({dirtyBytesPerSecond: 8 * MiB})
    expect(modelRates(three)).to.deep.equal({dirtyBytesPerSecond: 36 * MiB, averageDirtyBytesPerSecond: 14 * MiB})
  })

  it('how it was measured: the mode and the window, or every window of which it is the highest', () => {
    expect(howMeasured(one)).to.equal('dirty-bitmap, 2 s')
    expect(howMeasured(three)).to.equal('dirty-bitmap, highest of 3 windows of 1 s: 2 MiB/s, 36 MiB/s, 4 MiB/s')
  })
})
