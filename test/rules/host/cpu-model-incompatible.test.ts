import {cpuModelIncompatible} from '../../../src/rules/host/cpu-model-incompatible.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const custom = (model: string) => `<cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>${model}</model></cpu>`
/** host-model as libvirt expands it in the live XML of a running s390x guest. */
const expandedHostModel =
  "<cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>gen16a-base</model><feature policy='require' name='aen'/><feature policy='require' name='ais'/></cpu>"
const passthrough = "<cpu mode='host-passthrough' check='none'/>"
const gen15Host = (features: string[] = []) => ({hostCpu: {model: 'gen15a', vendor: 'IBM', features}})
const gen16Host = (features: string[] = []) => ({hostCpu: {model: 'gen16a', vendor: 'IBM', features}})

ruleTester(cpuModelIncompatible, {
  valid: [
    {name: 'no <cpu> (s390x default host-model)', domain: guest(disk)},
    {name: 'back-level model, identical', domain: guest(disk, {head: custom('gen15a')}), cpuCompare: {result: 'identical'}},
    {name: 'destination is a superset', domain: guest(disk, {head: custom('z14')}), cpuCompare: {result: 'superset'}},
    {name: 'expanded host-model compares as superset', domain: guest(disk, {head: expandedHostModel}), cpuCompare: {result: 'superset'}},
    {name: 'inactive host-model, not compared', domain: guest(disk, {head: "<cpu mode='host-model' check='partial'/>"})},
    {name: 'not compared, model usable on the destination', domain: guest(disk, {head: custom('gen15a')})},
    {
      name: 'not compared, destination usable list unknown',
      domain: guest(disk, {head: custom('gen17a')}),
      destination: emptyFacts('dst', {usableCpuModels: []}),
    },
    {
      name: 'host-passthrough on a shut-off guest: takes the destination CPU at next start',
      domain: guest(disk, {head: passthrough}),
      state: 'shut off',
      source: emptyFacts('src', gen16Host()),
      destination: emptyFacts('dst', gen15Host()),
    },
  ],
  invalid: [
    {
      name: 'incompatible with detail',
      domain: guest(disk, {head: custom('gen16a')}),
      destination: emptyFacts('dst', gen15Host()),
      cpuCompare: {result: 'incompatible', detail: 'Host CPU does not provide required features: nnpa, vxpdeh'},
      findings: [
        {
          subject: 'cpu gen16a',
          message: 'guest CPU gen16a (custom) is incompatible with dst: Host CPU does not provide required features: nnpa, vxpdeh',
          data: {result: 'incompatible'},
        },
      ],
    },
    {
      name: 'incompatible on a shut-off guest: it would not start there',
      domain: guest(disk, {head: custom('gen16a')}),
      state: 'shut off',
      cpuCompare: {result: 'incompatible'},
      findings: [{severity: 'blocker', message: /incompatible with dst$/}],
    },
    {
      name: 'compare failed: warning',
      domain: guest(disk, {head: custom('gen16a')}),
      cpuCompare: {result: 'error', detail: "unsupported configuration: CPU model 'gen16a' is not supported by hypervisor"},
      findings: [{severity: 'warning', message: 'could not compare guest CPU gen16a (custom) on dst: unsupported configuration'}],
    },
    {
      name: 'not compared, model not usable on the destination',
      domain: guest(disk, {head: custom('gen17a')}),
      findings: [{subject: 'cpu gen17a', message: 'gen17a is not usable on dst (usable: gen16a, gen15a, z14, z13)'}],
    },
    {
      name: 'host-passthrough to an older machine',
      domain: guest(disk, {head: passthrough}),
      source: emptyFacts('src', gen16Host()),
      destination: emptyFacts('dst', gen15Host()),
      findings: [
        {
          subject: 'cpu host-passthrough',
          message: "host-passthrough gives the guest src's CPU (gen16a); dst has gen15a",
          data: {sourceModel: 'gen16a', destinationModel: 'gen15a'},
        },
      ],
    },
    {
      name: 'host-passthrough between hosts of the same model: warning',
      domain: guest(disk, {head: passthrough}),
      source: emptyFacts('src', gen16Host(['nnpa', 'vxpdeh'])),
      destination: emptyFacts('dst', gen16Host(['nnpa', 'vxpdeh'])),
      findings: [{severity: 'warning', message: 'both hosts report gen16a'}],
    },
    {
      name: 'host-passthrough, same model but the destination lacks features',
      domain: guest(disk, {head: passthrough}),
      source: emptyFacts('src', gen16Host(['nnpa', 'vxpdeh', 'pai'])),
      destination: emptyFacts('dst', gen16Host(['nnpa'])),
      findings: [{severity: 'blocker', message: 'lacks CPU features src has: vxpdeh, pai'}],
    },
    {
      name: 'maximum mode, destination CPU unknown',
      domain: guest(disk, {head: "<cpu mode='maximum' check='none'/>"}),
      destination: emptyFacts('dst', {hostCpu: undefined}),
      findings: [{subject: 'cpu maximum', message: 'dst has an unknown model'}],
    },
    {
      name: 'host-passthrough ignores a compare result (cannot vouch for it)',
      domain: guest(disk, {head: passthrough}),
      source: emptyFacts('src', gen16Host()),
      destination: emptyFacts('dst', gen16Host()),
      cpuCompare: {result: 'identical'},
      findings: [{severity: 'warning'}],
    },
  ],
})
