import {destCpus} from '../../../src/rules/host/dest-cpus.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')

ruleTester(destCpus, {
  valid: [
    {name: '2 vCPUs, 16 online CPUs', domain: guest(disk)},
    {name: 'as many vCPUs as online CPUs', domain: guest(disk, {vcpus: 8}), destination: emptyFacts('dst', {cpus: {online: 8}})},
    {name: 'online CPU count unknown', domain: guest(disk, {vcpus: 64}), destination: emptyFacts('dst', {cpus: {}})},
  ],
  invalid: [
    {
      name: 'more vCPUs than online CPUs: overcommit warning',
      domain: guest(disk, {vcpus: 12}),
      destination: emptyFacts('dst', {cpus: {online: 8}}),
      findings: [{severity: 'warning', subject: 'host dst', message: 'guest linux01 has 12 vCPUs but dst has 8 online CPUs', data: {vcpus: 12, onlineCpus: 8}}],
    },
    {
      name: 'shut-off guest still warned: it will run overcommitted when started there',
      domain: guest(disk, {vcpus: 4}),
      state: 'shut off',
      destination: emptyFacts('dst', {cpus: {online: 2}}),
      findings: [{severity: 'warning'}],
    },
  ],
})
