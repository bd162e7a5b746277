// A measured dirty rate read back from a check report, plan file or journal (src/hosts/measure-schema.ts),
// which may have been edited: its windows and their highest must agree.
import {expect} from 'chai'
import {dirtyRateSchema} from '../../src/hosts/measure-schema.js'

const MiB = 1024 * 1024
const rate = {kind: 'measured', bytesPerSecond: 36 * MiB, mode: 'page-sampling', seconds: 1, measuredAt: '2026-12-02T06:00:00.000Z'}

describe('a measured dirty rate as files carry it', () => {
  it('one window, or several with the highest as the rate', () => {
    expect(dirtyRateSchema.safeParse(rate).success).to.equal(true)
    expect(dirtyRateSchema.safeParse({...rate, windowBytesPerSecond: [2 * MiB, 36 * MiB, 4 * MiB]}).success).to.equal(true)
  })

  it('refuses a rate that is not the highest window, a single-window list, more than ten windows', () => {
    const refused = (windowBytesPerSecond: number[]) => dirtyRateSchema.safeParse({...rate, windowBytesPerSecond})
    const lower = refused([2 * MiB, 40 * MiB])
    expect(lower.success).to.equal(false)
    expect(lower.error?.issues[0]).to.include({message: 'bytesPerSecond is the highest of windowBytesPerSecond'})
    expect(lower.error?.issues[0].path).to.deep.equal(['bytesPerSecond'])
    expect(refused([36 * MiB]).success).to.equal(false)
    expect(refused(Array.from({length: 11}, () => 36 * MiB)).success).to.equal(false)
  })
})
