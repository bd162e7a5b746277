// The model's figures, measured dirty rates and finish reasons as the human output says them.
import {expect} from 'chai'
import {renderCheckReport} from '../../src/report/check-text.js'
import {renderMigrationReport} from '../../src/report/migrate-text.js'
import {dirtyRateText, predictionText} from '../../src/report/prediction-text.js'
import type {MigrationReport} from '../../src/run/report.js'

const report: MigrationReport = {
  formatVersion: 1,
  ok: false,
  outcome: 'rolled-back',
  guest: 'zdemo',
  from: 'zhost-a',
  to: 'zhost-b',
  journal: '/j.json',
  finishReason: 'max-total-exceeded',
  limit: {limit: 'max-total', action: 'cancel', detail: 'the migration has run longer than max-total 20 s', elapsedMs: 20_001, sent: false},
  prediction: {
    basis: 'measured-before-migrate',
    dirtyRate: {kind: 'measured', bytesPerSecond: 32 * 2 ** 20, mode: 'dirty-bitmap', seconds: 1, measuredAt: '2025-03-04T09:30:00.000Z'},
    predicted: {outcome: 'cancelled', totalSeconds: 20, iterations: 5, endedBy: 'max-total'},
    actual: {},
  },
  steps: [],
  undo: [],
  manual: [],
}

describe('human output of predictions, dirty rates and finish reasons', () => {
  it('a dirty rate: measured, not measurable, not measured (assumed 0, said so)', () => {
    expect(dirtyRateText({kind: 'measured', bytesPerSecond: 8 * 2 ** 20, mode: 'dirty-bitmap', seconds: 2, measuredAt: 'T'})).to.equal(
      '8 MiB/s (measured T, dirty-bitmap, 2 s)',
    )
    const windows = [2, 36, 4].map((r) => r * 2 ** 20)
    expect(
      dirtyRateText({kind: 'measured', bytesPerSecond: 36 * 2 ** 20, mode: 'page-sampling', seconds: 1, windowBytesPerSecond: windows, measuredAt: 'T'}),
    ).to.equal('36 MiB/s (measured T, page-sampling, highest of 3 windows of 1 s: 2 MiB/s, 36 MiB/s, 4 MiB/s)')
    expect(dirtyRateText({kind: 'not-measurable', reason: 'mode-unsupported', detail: 'no --mode'})).to.equal(
      'not measurable (mode-unsupported: no --mode): assumes 0',
    )
    expect(dirtyRateText({kind: 'not-measured'})).to.match(/^not measured: assumes 0/)
  })

  it('each outcome in words', () => {
    expect(predictionText({outcome: 'converges', totalSeconds: 20.32, iterations: 6, downtimeMs: 160})).to.equal(
      'converges: about 20 s, 6 pre-copy passes, downtime about 160 ms',
    )
    expect(predictionText({outcome: 'cancelled', totalSeconds: 25, endedBy: 'max-downtime'})).to.equal(
      'does not converge: cancelled by max-downtime after 25 s and rolled back',
    )
    expect(predictionText({outcome: 'never'})).to.match(/^never converges/)
    expect(predictionText({outcome: 'postcopy', totalSeconds: 41, downtimeMs: 40, endedBy: 'max-total'})).to.match(
      /^completes in post-copy \(switched at max-total\)/,
    )
  })

  it('a cancelled migration: the headline, the finish reason in words, the limit and the prediction', () => {
    const text = renderMigrationReport(report)
    expect(text).to.include('zdemo: migration cancelled: it exceeded max-total; everything was rolled back — zdemo is on zhost-a as before.')
    expect(text).to.include('finish reason: max-total-exceeded — it took longer than migration.max-total and on-limit cancelled it')
    expect(text).to.include('limit: the migration has run longer than max-total 20 s; on-limit cancel (libvirt refused it: no answer)')
    expect(text).to.include('predicted (with what was measured right before the migration; dirty rate 32 MiB/s')
    expect(renderMigrationReport({...report, finishReason: 'cancelled-by-user', cancelledBy: 'root@admin1', limit: undefined})).to.include(
      'finish reason: cancelled-by-user (by root@admin1)',
    )
  })

  it('check shows a measured dirty rate under its guest', () => {
    const text = renderCheckReport({
      formatVersion: 1,
      ok: true,
      from: 'a',
      to: 'b',
      profile: {site: 's', file: 'f'},
      roundTrips: {},
      guests: [
        {
          name: 'zdemo',
          state: 'running',
          migratable: true,
          counts: {blocker: 0, action: 0, warning: 0, info: 0},
          findings: [],
          dirtyRate: {kind: 'measured', bytesPerSecond: 32 * 2 ** 20, mode: 'dirty-bitmap', seconds: 1, measuredAt: 'T'},
        },
      ],
    })
    expect(text).to.include('zdemo (running): migratable — no findings\n  dirty rate: 32 MiB/s (measured T, dirty-bitmap, 1 s)')
  })
})
