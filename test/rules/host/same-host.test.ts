import {sameHost} from '../../../src/rules/host/same-host.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester, testHost} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const SMBIOS_UUID = '03000200-0400-0500-0006-000700080009'

ruleTester(sameHost, {
  valid: [
    {name: 'two different hosts', domain: guest(disk)},
    {
      name: 'same address, different SSH ports (two lab containers)',
      domain: guest(disk),
      profile: {hosts: {src: testHost('src', {address: '127.0.0.1', port: 2201}), dst: testHost('dst', {address: '127.0.0.1', port: 2202})}},
    },
  ],
  invalid: [
    {
      name: 'destination is the source profile host',
      domain: guest(disk),
      profile: {hosts: {src: testHost('zhost-a'), dst: testHost('zhost-a', {address: 'zhost-a.example.com'})}},
      findings: [{subject: 'host zhost-a', message: 'both are profile host zhost-a'}],
    },
    {
      name: 'two profile entries for one address',
      domain: guest(disk),
      profile: {hosts: {src: testHost('src', {address: 'KVMLP01.example.com'}), dst: testHost('dst', {address: 'kvmlp01.example.com'})}},
      findings: [{message: 'src and dst both connect to kvmlp01.example.com'}],
    },
    {
      name: 'both local',
      domain: guest(disk),
      profile: {hosts: {src: testHost('src', {transport: 'local', address: 'localhost'}), dst: testHost('dst', {transport: 'local', address: 'localhost'})}},
      findings: [{severity: 'blocker'}],
    },
    {
      name: 'different machines with the same SMBIOS UUID',
      domain: guest(disk),
      source: emptyFacts('src', {hostUuid: SMBIOS_UUID}),
      destination: emptyFacts('dst', {hostUuid: SMBIOS_UUID.toUpperCase()}),
      findings: [{message: `same libvirt host UUID ${SMBIOS_UUID.toUpperCase()}`, data: {reason: 'host-uuid'}}],
    },
    {
      name: 'same hostname only: warning',
      domain: guest(disk),
      source: emptyFacts('src', {hostname: 'localhost.localdomain'}),
      destination: emptyFacts('dst', {hostname: 'localhost.localdomain'}),
      findings: [{severity: 'warning', message: 'same hostname localhost.localdomain'}],
    },
  ],
})
