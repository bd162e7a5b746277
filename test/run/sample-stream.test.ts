import {expect} from 'chai'
import {SampleStream} from '../../src/run/sample-stream.js'

const SEP = '::zm-sample::'

describe('progress sampler stream', () => {
  it('cuts samples at the separator, also when it arrives split over chunks', () => {
    const s = new SampleStream(SEP)
    expect(s.push('Job type: 2\n::zm-')).to.deep.equal({samples: [], dropped: false})
    expect(s.push('sample::\nJob type: 3\n::zm-sample::\nJob ')).to.deep.equal({samples: ['Job type: 2\n', '\nJob type: 3\n'], dropped: false})
    const done: string[] = []
    for (const c of 'type: 0\n::zm-sample::') done.push(...s.push(c).samples)
    expect(done).to.deep.equal(['\nJob type: 0\n'])
  })

  it('drops an unfinished sample past the bound, and finds the next one whole', () => {
    const s = new SampleStream(SEP, 1024 * 1024)
    let dropped = 0
    for (let i = 0; i < 48; i++) if (s.push('x'.repeat(65_536)).dropped) dropped++
    expect(dropped).to.be.at.least(2)
    // the separator straddles the chunk after a drop
    s.push('x'.repeat(65_536 - 6) + 'y\n::zm')
    const {samples} = s.push('-sample::Job type: 0\n' + SEP)
    expect(samples).to.have.length(2)
    expect(samples[0].length).to.be.at.most(1024 * 1024 + 65_536)
    expect(samples[0].endsWith('xy\n')).to.equal(true)
    expect(samples[1]).to.equal('Job type: 0\n')
  })

  it('takes a host sending one byte at a time in linear time', () => {
    const s = new SampleStream(SEP)
    const started = performance.now()
    let samples = 0
    for (let i = 0; i < 300_000; i++) samples += s.push(i % 100_000 === 99_999 ? `\n${SEP}` : ' ').samples.length
    expect(samples).to.equal(3)
    expect(performance.now() - started).to.be.below(1000)
  })
})
