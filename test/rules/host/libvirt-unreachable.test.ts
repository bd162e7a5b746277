import {libvirtUnreachable} from '../../../src/rules/host/libvirt-unreachable.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const down = (host: string, error?: string) => emptyFacts(host, {libvirt: {reachable: false, uri: 'qemu:///system', error}})
const socketError = "Failed to connect socket to '/var/run/libvirt/virtqemud-sock': No such file or directory"

ruleTester(libvirtUnreachable, {
  valid: [{name: 'both reachable', domain: guest(disk)}],
  invalid: [
    {
      name: 'destination daemon down',
      domain: guest(disk),
      destination: down('dst', socketError),
      findings: [{subject: 'host dst', message: `cannot reach libvirt on destination dst at qemu:///system: ${socketError}`, data: {role: 'destination'}}],
    },
    {
      name: 'source unreachable without an error text',
      domain: guest(disk),
      source: down('src'),
      findings: [{subject: 'host src', message: /on source src at qemu:\/\/\/system$/}],
    },
    {
      name: 'both unreachable: two findings',
      domain: guest(disk),
      source: down('src'),
      destination: down('dst'),
      findings: [{subject: 'host src'}, {subject: 'host dst'}],
    },
  ],
})
