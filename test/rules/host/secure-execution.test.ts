import {secureExecution} from '../../../src/rules/host/secure-execution.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const protectedGuest = guest(disk, {head: "<launchSecurity type='s390-pv'/>"})

ruleTester(secureExecution, {
  valid: [
    {name: 'ordinary guest', domain: guest(disk)},
    {name: 'Secure Execution guest, shut off: offline migration is fine', domain: protectedGuest, state: 'shut off'},
    {name: 'Secure Execution guest, policy mode offline', domain: protectedGuest, migration: {mode: 'offline'}},
  ],
  invalid: [
    {
      name: 'running Secure Execution guest',
      domain: protectedGuest,
      findings: [
        {
          subject: 'guest linux01',
          message: 'runs under IBM Secure Execution (launchSecurity s390-pv); QEMU blocks migration of protected guests, so it cannot move while running',
        },
      ],
    },
    {name: 'paused Secure Execution guest', domain: protectedGuest, state: 'paused', findings: [{message: 'while paused'}]},
    {name: 'no source state: checked as running', domain: protectedGuest, state: 'unknown', findings: [{severity: 'blocker'}]},
  ],
})
