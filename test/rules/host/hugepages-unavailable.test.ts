import {hugepagesUnavailable} from '../../../src/rules/host/hugepages-unavailable.js'
import {dasdDisk, guest} from '../../support/domain-xml.js'
import {emptyFacts, ruleTester} from '../../support/rule-harness.js'

const disk = dasdDisk('/dev/disk/by-id/ccw-IBM.75000000092461.e900.10')
const MiB = 1024
const GiBPage = 1024 * 1024
/** s390x huge pages are 1 MiB (EDAT-1); 2 GiB pages on machines with EDAT-2. */
const pages1M = "<memoryBacking><hugepages><page size='1024' unit='KiB'/></hugepages></memoryBacking>"
const pagesDefault = '<memoryBacking><hugepages/></memoryBacking>'
const pages2G = "<memoryBacking><hugepages><page size='2' unit='G'/></hugepages></memoryBacking>"
const pool1M = (free: number, total = free) => emptyFacts('dst', {hugepages: [{sizeKiB: MiB, total, free}]})

ruleTester(hugepagesUnavailable, {
  valid: [
    {name: 'no memory backing', domain: guest(disk), destination: pool1M(0)},
    {name: '4 GiB guest, 5000 free 1 MiB pages', domain: guest(disk, {head: pages1M}), destination: pool1M(5000, 8192)},
    {name: 'default page size, exactly enough', domain: guest(disk, {head: pagesDefault}), destination: pool1M(4096)},
    {
      name: 'bound to host node 0, which has enough',
      domain: guest(disk, {head: pages1M + "<numatune><memory mode='strict' nodeset='0'/></numatune>"}),
      destination: emptyFacts('dst', {
        hugepages: [{sizeKiB: MiB, total: 6000, free: 4200}],
        numa: [
          {id: 0, hugepages: [{sizeKiB: MiB, total: 5000, free: 4100}]},
          {id: 1, hugepages: [{sizeKiB: MiB, total: 1000, free: 100}]},
        ],
      }),
    },
  ],
  invalid: [
    {
      name: 'too few free 1 MiB pages',
      domain: guest(disk, {head: pages1M}),
      destination: pool1M(1000, 2048),
      findings: [
        {
          subject: 'host dst',
          message: 'guest linux01 needs 4096 free 1 MiB huge pages for 4 GiB; dst has 1000 free of 2048',
          data: {neededPages: 4096, freePages: 1000},
        },
      ],
    },
    {
      name: 'no pool of that size',
      domain: guest(disk, {head: pages1M}),
      destination: emptyFacts('dst', {hugepages: [{sizeKiB: 2 * GiBPage, total: 4, free: 4}]}),
      findings: [{message: 'dst has 0 free of 0 (no 1 MiB pool)'}],
    },
    {
      name: 'default size resolves to the destination only pool size',
      domain: guest(disk, {memoryMiB: 8192, head: pagesDefault}),
      destination: emptyFacts('dst', {hugepages: [{sizeKiB: 2 * GiBPage, total: 2, free: 2}]}),
      findings: [{message: 'needs 4 free 2 GiB huge pages for 8 GiB; dst has 2 free of 2'}],
    },
    {
      name: '2 GiB pages',
      domain: guest(disk, {memoryMiB: 8192, head: pages2G}),
      destination: emptyFacts('dst', {
        hugepages: [
          {sizeKiB: MiB, total: 10000, free: 10000},
          {sizeKiB: 2 * GiBPage, total: 4, free: 3},
        ],
      }),
      findings: [{message: 'needs 4 free 2 GiB huge pages', data: {pageSizeKiB: 2 * GiBPage, freePages: 3}}],
    },
    {
      name: 'bound to host node 1: only its pages count',
      domain: guest(disk, {head: pages1M + "<numatune><memory mode='strict' nodeset='1'/></numatune>"}),
      destination: emptyFacts('dst', {
        hugepages: [{sizeKiB: MiB, total: 6000, free: 5100}],
        numa: [
          {id: 0, hugepages: [{sizeKiB: MiB, total: 5000, free: 5000}]},
          {id: 1, hugepages: [{sizeKiB: MiB, total: 1000, free: 100}]},
        ],
      }),
      findings: [{message: 'dst has 100 free of 1000 on NUMA node 1 (100 free)', data: {nodes: [1]}}],
    },
    {
      name: 'guest NUMA cells with different page sizes',
      domain: guest(disk, {
        head:
          "<cpu mode='custom' match='exact'><model fallback='forbid'>gen16a</model><numa><cell id='0' cpus='0' memory='2048' unit='MiB'/><cell id='1' cpus='1' memory='2048' unit='MiB'/></numa></cpu>" +
          "<memoryBacking><hugepages><page size='2' unit='G' nodeset='1'/><page size='1' unit='M'/></hugepages></memoryBacking>",
      }),
      destination: emptyFacts('dst', {
        hugepages: [
          {sizeKiB: MiB, total: 1024, free: 1024},
          {sizeKiB: 2 * GiBPage, total: 1, free: 1},
        ],
      }),
      findings: [{message: 'needs 2048 free 1 MiB huge pages for 2 GiB; dst has 1024 free of 1024'}],
    },
    {
      name: 'offline migration, pool big enough but busy now: info',
      domain: guest(disk, {head: pages1M}),
      state: 'shut off',
      destination: pool1M(100, 8192),
      findings: [{severity: 'info', message: 'offline migration: the pages are needed when the guest is started there'}],
    },
    {
      name: 'offline migration, pool too small in total: warning',
      domain: guest(disk, {head: pages1M}),
      migration: {mode: 'offline'},
      destination: pool1M(100, 1024),
      findings: [{severity: 'warning', message: 'the pool is too small for the guest to start there'}],
    },
  ],
})
