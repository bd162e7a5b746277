import {expect} from 'chai'
import {getEventListeners} from 'node:events'
import {sleep} from '../../src/run/wait.js'

describe('waiting between polls', () => {
  it('leaves no abort listener behind: many polls on one signal raise no MaxListenersExceededWarning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      const controller = new AbortController()
      for (let i = 0; i < 25; i++) await sleep(1, controller.signal)
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0)
      await new Promise((r) => setImmediate(r))
      expect(warnings).to.not.include('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('an abort ends the wait at once', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 10)
    await sleep(10_000, controller.signal)
    expect(Date.now() - started).to.be.below(1000)
  })
})
