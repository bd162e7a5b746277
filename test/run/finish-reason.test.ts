import {expect} from 'chai'
import {
  FINISH_REASONS,
  finishReason,
  finishReasonMeaning,
  finishReasonSchema,
  stoppedBySignal,
  type FinishEvidence,
  type FinishReason,
} from '../../src/run/finish-reason.js'
import {isCancelledByUser} from '../../src/run/abort-reason.js'

const failedStep: FinishEvidence = {step: 'failed', sourceAnswered: true, destinationAnswered: true}

const cases: {name: string; evidence: FinishEvidence; reason: FinishReason}[] = [
  {name: 'the run succeeded', evidence: {...failedStep, step: 'succeeded', job: {type: 'Completed'}}, reason: 'completed'},
  {
    name: 'a cancel that came too late: libvirt completed first',
    evidence: {...failedStep, step: 'succeeded', stoppedBy: 'max-total', job: {type: 'Completed'}},
    reason: 'completed',
  },
  {
    name: 'zmigrate cancel',
    evidence: {...failedStep, stoppedBy: 'user', job: {type: 'Cancelled', errmsg: 'operation aborted: migration out job: canceled by client'}},
    reason: 'cancelled-by-user',
  },
  {
    name: 'max-total with on-limit cancel',
    evidence: {...failedStep, stoppedBy: 'max-total', job: {type: 'Cancelled'}},
    reason: 'max-total-exceeded',
  },
  {
    name: 'max-downtime with on-limit cancel',
    evidence: {...failedStep, stoppedBy: 'max-downtime', job: {type: 'Cancelled'}},
    reason: 'max-downtime-exceeded',
  },
  {
    name: "zmigrate's cancel is the reason even when the abort reports an error",
    evidence: {
      ...failedStep,
      stoppedBy: 'max-total',
      job: {type: 'Failed', errmsg: 'operation failed: migration out job: unexpectedly failed'},
    },
    reason: 'max-total-exceeded',
  },
  {name: 'the destination stopped answering', evidence: {...failedStep, destinationAnswered: false, job: {type: 'Failed'}}, reason: 'destination-lost'},
  {
    name: 'the connection between the hosts broke though both answer again',
    evidence: {...failedStep, job: {type: 'Failed', errmsg: 'internal error: connection closed due to keepalive timeout'}},
    reason: 'destination-lost',
  },
  {name: 'the source stopped answering', evidence: {...failedStep, sourceAnswered: false}, reason: 'source-lost'},
  {
    name: 'both stopped answering: the source first (where is the guest?)',
    evidence: {...failedStep, sourceAnswered: false, destinationAnswered: false},
    reason: 'source-lost',
  },
  {
    name: 'a failure after the switch to post-copy, whatever broke it',
    evidence: {...failedStep, destinationAnswered: false, stoppedBy: 'user', postcopyStarted: true},
    reason: 'postcopy-failed',
  },
  {name: 'someone ran virsh domjobabort from another shell', evidence: {...failedStep, job: {type: 'Cancelled'}}, reason: 'cancelled-by-user'},
  {
    name: 'a step failed for its own reasons',
    evidence: {...failedStep, job: {type: 'Failed', errmsg: 'unable to execute QEMU command migrate: ...'}},
    reason: 'failed',
  },
  {name: 'a detach failed before any migration job', evidence: failedStep, reason: 'failed'},
  {name: 'zmigrate stopped before it knew', evidence: {...failedStep, step: 'interrupted', stoppedBy: 'user'}, reason: 'interrupted'},
  {
    name: 'Ctrl-C or SIGTERM (a signal without a cancel request): zmigrate aborted and rolled back',
    evidence: {...failedStep, stoppedBy: 'signal', job: {type: 'Cancelled'}},
    reason: 'interrupted',
  },
  {
    name: "a limit's cancel is the reason even when the destination went away meanwhile",
    evidence: {...failedStep, stoppedBy: 'max-total', destinationAnswered: false},
    reason: 'max-total-exceeded',
  },
]

describe('finish reasons', () => {
  for (const c of cases) it(`${c.reason}: ${c.name}`, () => expect(finishReason(c.evidence)).to.equal(c.reason))

  it('every reason is reachable and explained, and the schema accepts exactly the list', () => {
    expect(new Set(cases.map((c) => c.reason))).to.deep.equal(new Set(FINISH_REASONS))
    for (const r of FINISH_REASONS) {
      expect(finishReasonMeaning[r]).to.be.a('string').with.length.greaterThan(20)
      expect(finishReasonSchema.parse(r)).to.equal(r)
    }
    expect(finishReasonSchema.safeParse('timeout').success).to.equal(false)
  })

  it('a cancel request on the AbortSignal is a person; a plain abort is a signal', () => {
    const cancelled = new AbortController()
    cancelled.abort({kind: 'cancelled-by-user', by: 'root@admin1'})
    const interrupted = new AbortController()
    interrupted.abort()
    expect(stoppedBySignal(cancelled.signal)).to.equal('user')
    expect(stoppedBySignal(interrupted.signal)).to.equal('signal')
    expect(stoppedBySignal(new AbortController().signal)).to.equal(undefined)
    expect(stoppedBySignal(undefined)).to.equal(undefined)
    expect(isCancelledByUser({kind: 'cancelled-by-user', by: 'x'})).to.equal(true)
    for (const r of [undefined, null, 'cancelled-by-user', {kind: 'cancelled-by-user'}, {kind: 'other', by: 'x'}, new Error('x')])
      expect(isCancelledByUser(r)).to.equal(false)
  })

  it('the list runbooks key on (append only: a rename must fail here)', () => {
    expect(FINISH_REASONS).to.deep.equal([
      'completed',
      'cancelled-by-user',
      'max-total-exceeded',
      'max-downtime-exceeded',
      'destination-lost',
      'source-lost',
      'postcopy-failed',
      'failed',
      'interrupted',
    ])
  })
})
