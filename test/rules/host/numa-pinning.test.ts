import {numaPinning} from '../../../src/rules/host/numa-pinning.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const numatune = (nodeset: string, mode = 'strict') => `<numatune><memory mode='${mode}' nodeset='${nodeset}'/></numatune>`
const vcpupin = "<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/><emulatorpin cpuset='0-1'/></cputune>"
const nodes = (...ids: number[]) => emptyFacts('dst', {numa: ids.map((id) => ({id, hugepages: []}))})

ruleTester(numaPinning, {
  valid: [{name: 'no pinning', domain: guest(disk)}],
  invalid: [
    {
      name: 'node 0 on a host without NUMA facts (s390x: one node): kept verbatim',
      domain: guest(disk, {head: numatune('0')}),
      findings: [{severity: 'info', subject: 'guest linux01', message: 'pins memory to NUMA nodes 0 (strict); the pinning is kept verbatim on dst'}],
    },
    {
      name: 'node missing on the destination',
      domain: guest(disk, {head: numatune('0-1')}),
      destination: nodes(0),
      findings: [
        {severity: 'blocker', message: 'numatune nodeset 0-1 (mode strict) names NUMA node 1, which dst does not have (it has 0)', data: {missingNodes: [1]}},
      ],
    },
    {
      name: 'several nodes missing, preferred mode too',
      domain: guest(disk, {head: numatune('1-4,^2', 'preferred')}),
      destination: nodes(0, 1),
      findings: [{message: 'names NUMA nodes 3, 4, which'}],
    },
    {
      name: 'all nodes present plus vCPU pinning: info',
      domain: guest(disk, {head: numatune('0-1') + vcpupin}),
      destination: nodes(0, 1),
      findings: [{severity: 'info', message: 'pins memory to NUMA nodes 0-1 (strict) and vCPUs/emulator threads to host CPUs', data: {cpuPinning: true}}],
    },
    {
      name: 'vCPU pinning only',
      domain: guest(disk, {head: vcpupin}),
      findings: [{severity: 'info', message: 'pins vCPUs/emulator threads to host CPUs;'}],
    },
    {
      name: 'nodeset that is not libvirt syntax',
      domain: guest(disk, {head: numatune('0-')}),
      findings: [{severity: 'warning', message: "numatune nodeset '0-' is not valid"}],
    },
    {
      name: 'shut-off guest with a missing node still cannot start there',
      domain: guest(disk, {head: numatune('2')}),
      state: 'shut off',
      destination: nodes(0, 1),
      findings: [{severity: 'blocker'}],
    },
  ],
})
