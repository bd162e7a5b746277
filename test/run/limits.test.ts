// When a limit is exceeded (src/run/limits.ts), from domjobinfo samples as libvirt gives them, and
// the commands that steer a job (src/run/job-control.ts).
import {expect} from 'chai'
import {jobCommandArgv, inPostcopy} from '../../src/run/job-control.js'
import {expectedDowntimeMs, parseJobInfo, type JobStats} from '../../src/run/jobinfo.js'
import {DowntimeWatch, suspendedPauseDeadlineMs} from '../../src/run/limits.js'

const UUID = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01'
const active = (s: Partial<JobStats>): JobStats => ({type: 'Unbounded', ...s})

describe('limits: max-downtime from the samples', () => {
  it('a first pass with a large expected downtime is normal: QEMU has not switched over yet', () => {
    const w = new DowntimeWatch(300, false)
    for (let i = 0; i < 20; i++) expect(w.sample(active({iteration: 0, downtimeMs: 60_000}))).to.equal(undefined)
  })

  it('exceeded once three passes have not brought the pause it would need down, above the limit', () => {
    const w = new DowntimeWatch(300, false)
    expect(w.sample(active({iteration: 1, downtimeMs: 3200}))).to.equal(undefined)
    expect(w.sample(active({iteration: 1, downtimeMs: 3100}))).to.equal(undefined) // the same pass, sampled again
    expect(w.sample(active({iteration: 2, downtimeMs: 3300}))).to.equal(undefined)
    expect(w.sample(active({iteration: 3, downtimeMs: 3000}))).to.equal(undefined)
    expect(w.sample(active({iteration: 4, downtimeMs: 3250}))).to.match(/about 3250 ms, more than max-downtime 300 ms, and 3 passes/)
  })

  it('passes that go by between two samples count', () => {
    const w = new DowntimeWatch(300, false)
    expect(w.sample(active({iteration: 1, downtimeMs: 3200}))).to.equal(undefined)
    expect(w.sample(active({iteration: 5, downtimeMs: 3200}))).to.match(/4 passes/)
  })

  it('not exceeded while it shrinks by a tenth or more every so often (slow, but converging: max-total is for that)', () => {
    const w = new DowntimeWatch(300, false)
    let d = 3200
    for (let i = 1; i < 40; i++, d *= 0.94) expect(w.sample(active({iteration: i, downtimeMs: d})), `pass ${i}`).to.equal(undefined)
  })

  it('not exceeded when what it would need is within the limit (QEMU will switch over)', () => {
    const w = new DowntimeWatch(5000, false)
    for (let i = 1; i < 10; i++) expect(w.sample(active({iteration: i, downtimeMs: 3200}))).to.equal(undefined)
  })

  it('with auto-converge, a throttle that rose starts the count again', () => {
    const w = new DowntimeWatch(300, true)
    expect(w.sample(active({iteration: 1, downtimeMs: 3200, autoConvergeThrottle: 0}))).to.equal(undefined)
    expect(w.sample(active({iteration: 2, downtimeMs: 3200, autoConvergeThrottle: 20}))).to.equal(undefined)
    expect(w.sample(active({iteration: 3, downtimeMs: 3200, autoConvergeThrottle: 30}))).to.equal(undefined)
    expect(w.sample(active({iteration: 4, downtimeMs: 3200, autoConvergeThrottle: 30}))).to.equal(undefined)
    expect(w.sample(active({iteration: 5, downtimeMs: 3200, autoConvergeThrottle: 30}))).to.equal(undefined)
    expect(w.sample(active({iteration: 6, downtimeMs: 3200, autoConvergeThrottle: 30}))).to.match(/3 passes .*auto-converge throttling it 30 %/)
  })

  it('a job that is not running, or a libvirt without memory_iteration, is not judged', () => {
    const w = new DowntimeWatch(300, false)
    for (let i = 1; i < 10; i++) expect(w.sample({type: 'Completed', iteration: i, downtimeMs: 3200})).to.equal(undefined)
    for (let i = 1; i < 10; i++) expect(w.sample(active({downtimeMs: 3200}))).to.equal(undefined)
  })

  it("the expected downtime: libvirt's (the raw `downtime` of an active job, or the labelled form), else memory remaining / bandwidth", () => {
    expect(expectedDowntimeMs(parseJobInfo('type: 2\ndowntime: 1234\nmemory_iteration: 3\n'))).to.equal(1234)
    expect(expectedDowntimeMs(parseJobInfo('Job type:         Unbounded\nExpected downtime: 812          ms\n'))).to.equal(812)
    expect(expectedDowntimeMs(active({memoryRemaining: 64 * 2 ** 20, memoryBps: 32 * 2 ** 20}))).to.equal(2000)
    expect(expectedDowntimeMs(parseJobInfo('type: 3\ndowntime: 27\n'))).to.equal(undefined) // completed: the real one
    expect(parseJobInfo('type: 2\nauto_converge_throttle: 40\n').autoConvergeThrottle).to.equal(40)
  })

  it("virsh's --timeout-suspend pause may last max-downtime, when on-limit cancels", () => {
    expect(suspendedPauseDeadlineMs({timeoutSeconds: 20, timeoutAction: 'suspend'}, {maxDowntimeMs: 5000, onLimit: 'cancel'})).to.equal(25_000)
    expect(suspendedPauseDeadlineMs({timeoutSeconds: 20, timeoutAction: 'suspend'}, {maxDowntimeMs: 5000, onLimit: 'suspend'})).to.equal(undefined)
    expect(suspendedPauseDeadlineMs({timeoutSeconds: 20, timeoutAction: 'postcopy'}, {maxDowntimeMs: 5000, onLimit: 'cancel'})).to.equal(undefined)
    expect(suspendedPauseDeadlineMs({timeoutSeconds: 20, timeoutAction: 'suspend'}, {maxTotalSeconds: 60, onLimit: 'cancel'})).to.equal(undefined)
  })
})

describe('job control: the commands that steer a migration', () => {
  it('name the guest by UUID', () => {
    expect(jobCommandArgv('domjobabort', UUID)).to.deep.equal(['domjobabort', '--domain', UUID])
    expect(jobCommandArgv('migrate-postcopy', UUID)).to.deep.equal(['migrate-postcopy', '--domain', UUID])
    expect(jobCommandArgv('suspend', UUID)).to.deep.equal(['suspend', '--domain', UUID])
  })
  for (const bad of ['linux01', '1', `${UUID} --force`, '--all'])
    it(`refuse ${JSON.stringify(bad)}`, () => expect(() => jobCommandArgv('domjobabort', bad)).to.throw(TypeError))
  it('refuse a command that is not one of them', () => expect(() => jobCommandArgv('destroy' as 'suspend', UUID)).to.throw(TypeError))
  it("tell post-copy from libvirt's state reason", () => {
    expect(inPostcopy('paused (post-copy failed)')).to.equal(true)
    expect(inPostcopy('paused (post-copy)')).to.equal(true)
    expect(inPostcopy('paused (user)')).to.equal(false)
    expect(inPostcopy(undefined)).to.equal(false)
  })
})
