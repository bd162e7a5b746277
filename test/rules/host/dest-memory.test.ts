import {parseDomainXml} from '../../../src/domain/parse.js'
import {destMemory} from '../../../src/rules/host/dest-memory.js'
import {dasdDisk, guest, guestXml} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const GiB = 1024 * 1024
const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const hugepages = "<memoryBacking><hugepages><page size='1024' unit='KiB'/></hugepages></memoryBacking>"
/** 16 GiB maximum, ballooned down to 4 GiB. */
const ballooned = parseDomainXml(
  guestXml(disk, {memoryMiB: 16384}).replace("<currentMemory unit='MiB'>16384</currentMemory>", "<currentMemory unit='MiB'>4096</currentMemory>"),
  'test',
)
const tight = (availableGiB: number) => emptyFacts('dst', {memory: {totalKiB: 64 * GiB, freeKiB: availableGiB * GiB, availableKiB: availableGiB * GiB}})

ruleTester(destMemory, {
  valid: [
    {name: '4 GiB guest, 50 GiB available', domain: guest(disk)},
    {name: 'exactly enough', domain: guest(disk, {memoryMiB: 8192}), destination: tight(8)},
    {name: 'no MemAvailable: MemFree is enough', domain: guest(disk), destination: emptyFacts('dst', {memory: {freeKiB: 6 * GiB}})},
    {name: 'ballooned guest: current memory counts, not the maximum', domain: ballooned, destination: tight(6)},
    {name: 'hugepage-backed guest is left to hugepages-unavailable', domain: guest(disk, {memoryMiB: 8192, head: hugepages}), destination: tight(1)},
  ],
  invalid: [
    {
      name: 'running guest larger than MemAvailable',
      domain: guest(disk, {memoryMiB: 8192}),
      destination: emptyFacts('dst', {memory: {totalKiB: 16 * GiB, freeKiB: 3 * GiB, availableKiB: 6.5 * GiB}}),
      findings: [{subject: 'host dst', message: 'guest linux01 needs 8 GiB but dst has 6.5 GiB available', data: {neededKiB: 8 * GiB, measure: 'available'}}],
    },
    {
      name: 'only MemFree known, too little',
      domain: guest(disk),
      destination: emptyFacts('dst', {memory: {freeKiB: 512 * 1024}}),
      findings: [{message: 'needs 4 GiB but dst has 512 MiB free'}],
    },
    {
      name: 'shut-off guest: offline migration is info only',
      domain: guest(disk, {memoryMiB: 8192}),
      state: 'shut off',
      destination: tight(2),
      findings: [{severity: 'info', message: /2 GiB available; offline migration/}],
    },
    {
      name: 'policy mode offline: info only',
      domain: guest(disk, {memoryMiB: 8192}),
      migration: {mode: 'offline'},
      destination: tight(2),
      findings: [{severity: 'info'}],
    },
    {
      name: 'destination memory unknown: warning',
      domain: guest(disk),
      destination: emptyFacts('dst', {memory: {}}),
      findings: [{severity: 'warning', message: 'could not read the memory of dst'}],
    },
    {
      name: 'paused guest counts like a running one',
      domain: guest(disk, {memoryMiB: 8192}),
      state: 'paused',
      destination: tight(4),
      findings: [{severity: 'blocker'}],
    },
  ],
})
