import {guestState} from '../../../src/rules/host/guest-state.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'

const domain = guest(dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10'))

ruleTester(guestState, {
  valid: [
    {name: 'running, mode auto', domain},
    {name: 'running, mode live', domain, migration: {mode: 'live'}},
    {name: 'running, mode non-live', domain, migration: {mode: 'non-live'}},
  ],
  invalid: [
    {
      name: 'shut off, mode auto: offline migration',
      domain,
      state: 'shut off',
      findings: [{severity: 'info', subject: 'guest linux01', message: 'offline migration, only the definition moves'}],
    },
    {name: 'shut off, mode offline', domain, state: 'shut off', migration: {mode: 'offline'}, findings: [{severity: 'info'}]},
    {
      name: 'shut off but the profile asks for live',
      domain,
      state: 'shut off',
      migration: {mode: 'live'},
      findings: [{severity: 'blocker', message: 'asks for a live migration, which needs a running guest'}],
    },
    {
      name: 'shut off but the profile asks for non-live',
      domain,
      state: 'shut off',
      migration: {mode: 'non-live'},
      findings: [{severity: 'blocker', message: 'non-live'}],
    },
    {name: 'paused: stays paused', domain, state: 'paused', findings: [{severity: 'warning', message: 'arrive paused'}]},
    {name: 'crashed', domain, state: 'crashed', findings: [{severity: 'blocker', message: 'linux01 is crashed on the source', data: {state: 'crashed'}}]},
    {name: 'dying', domain, state: 'dying', findings: [{severity: 'blocker'}]},
    {name: 'in shutdown', domain, state: 'in shutdown', findings: [{severity: 'blocker'}]},
    {name: 'pmsuspended: wake it first', domain, state: 'pmsuspended', findings: [{severity: 'warning', message: 'pmsuspended'}]},
    {
      name: 'running with mode offline: only the definition is copied',
      domain,
      migration: {mode: 'offline'},
      findings: [{severity: 'warning', message: 'keeps running on the source'}],
    },
    {name: 'no source state (--domain-xml)', domain, state: 'unknown', findings: [{severity: 'info', message: 'checked as if it were running'}]},
    {name: 'unexpected state', domain, state: 'nostate', findings: [{severity: 'warning', message: "unexpected state 'nostate'"}]},
  ],
})
