// The rule harness must not let a crashing rule pass: the engine turns the exception into a
// blocker finding, which a case expecting {severity: 'blocker'} would otherwise accept.
import {expect} from 'chai'
import {evaluateRules, isRuleCrash} from '../../src/rules/engine.js'
import type {Rule} from '../../src/rules/types.js'
import {guest} from '../support/domain-xml.js'
import {checkInvalidCase, checkValidCase, evaluate, makeContext} from '../support/rule-harness.js'

/** A blocker rule with a bug: it reads a property of a disk's missing driver. */
const crashingRule: Rule = {
  id: 'crashing-rule',
  category: 'storage',
  severity: 'blocker',
  summary: 'A rule that throws on every guest with a disk.',
  remedy: 'Fix the rule; this is a test double.',
  source: 'test/rules/harness.test.ts',
  check(ctx) {
    return ctx.guest.domain.disks.map((d) => ({subject: d.target.dev, message: (d.driver as unknown as {cache: {mode: string}}).cache.mode}))
  },
}

const domain = guest(`<disk type='block' device='disk'><source dev='/dev/mapper/vg-data'/><target dev='vda' bus='virtio'/></disk>`)

describe('rule harness', () => {
  it('the engine marks a crash with data.crashed, apart from real blockers', () => {
    const [f] = evaluateRules([crashingRule], makeContext({domain}))
    expect(f).to.deep.include({rule: 'crashing-rule', severity: 'blocker'})
    expect(f.message).to.match(/^rule crashing-rule failed to evaluate: /)
    expect(isRuleCrash(f)).to.equal(true)
    expect(f.data).to.deep.include({crashed: true})
  })

  it('evaluate() rethrows the rule’s own error instead of returning the crash blocker', () => {
    expect(() => evaluate([crashingRule], makeContext({domain}))).to.throw(TypeError, /Cannot read properties of undefined/)
  })

  it('an invalid case expecting a blocker fails when the rule crashes', () => {
    expect(() => checkInvalidCase(crashingRule, {name: 'crash poses as a blocker', domain, findings: [{severity: 'blocker'}]})).to.throw(TypeError)
  })

  it('a valid case fails when the rule crashes', () => {
    expect(() => checkValidCase(crashingRule, {name: 'crash', domain})).to.throw(TypeError)
  })

  it('a rule that does not crash passes through unchanged', () => {
    const fine: Rule = {
      ...crashingRule,
      id: 'fine-rule',
      check: (ctx) => ctx.guest.domain.disks.map((d) => ({subject: `disk ${d.target.dev}`, message: 'reported'})),
    }
    expect(evaluate([fine], makeContext({domain})).map((f) => [f.rule, f.severity, f.subject])).to.deep.equal([['fine-rule', 'blocker', 'disk vda']])
    checkInvalidCase(fine, {name: 'reported', domain, findings: [{severity: 'blocker', subject: 'disk vda'}]})
  })
})
