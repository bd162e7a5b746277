import {postcopyUserfaultfd} from '../../../src/rules/host/postcopy-userfaultfd.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const restricted = (host: string) => emptyFacts(host, {sysctl: {unprivilegedUserfaultfd: 0}})

ruleTester(postcopyUserfaultfd, {
  valid: [
    {name: 'post-copy not enabled, restricted destination', domain: guest(disk), destination: restricted('dst')},
    {name: 'post-copy enabled, destination allows userfaultfd', domain: guest(disk), migration: {postcopyAfterSeconds: 60}},
    {
      name: 'only the source is restricted: the source QEMU does not need userfaultfd',
      domain: guest(disk),
      migration: {postcopyAfterSeconds: 60},
      source: restricted('src'),
    },
    {name: 'shut-off guest: no memory to copy', domain: guest(disk), state: 'shut off', migration: {postcopyAfterSeconds: 60}, destination: restricted('dst')},
  ],
  invalid: [
    {
      name: 'postcopy-after with a restricted destination',
      domain: guest(disk),
      migration: {postcopyAfterSeconds: 120},
      destination: restricted('dst'),
      findings: [
        {
          subject: 'host dst',
          message: 'post-copy is enabled (postcopy-after 120s) but dst has vm.unprivileged_userfaultfd = 0',
          data: {unprivilegedUserfaultfd: 0},
        },
      ],
    },
    {
      name: 'timeout-action postcopy with a restricted destination',
      domain: guest(disk),
      migration: {timeoutAction: 'postcopy', timeoutPerGiBSeconds: 30},
      destination: restricted('dst'),
      findings: [{message: '(timeout-action postcopy)'}],
    },
    {
      name: 'sysctl unknown on the destination: warning',
      domain: guest(disk),
      migration: {postcopyAfterSeconds: 60},
      destination: emptyFacts('dst', {sysctl: {}}),
      findings: [{severity: 'warning', message: 'vm.unprivileged_userfaultfd on dst is unknown'}],
    },
  ],
})
