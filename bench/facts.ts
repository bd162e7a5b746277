/**
 * Median wall time of gatherFacts (one round trip, LocalTransport) on the lpar-src tree with
 * libvirt's test driver holding 1, 50 and 500 guests.
 *   node --import tsx bench/facts.ts [runs]
 * The test driver re-reads its node XML on each of the script's two virsh connections, which is
 * most of the 500-guest figure; a real libvirtd answers from memory.
 */
import {rmSync} from 'node:fs'
import {gatherFacts} from '../src/hosts/facts.js'
import {LocalTransport} from '../src/hosts/local.js'
import {fixtureTree, hostFor, manyGuests, testDriverNode} from '../test/hosts/support.js'

const runs = Number(process.argv[2] ?? 7)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

for (const count of [1, 50, 500]) {
  const node = testDriverNode(manyGuests(count))
  const host = hostFor('lpar-src', fixtureTree('lpar-src'), node.uri)
  const times: number[] = []
  try {
    await gatherFacts(new LocalTransport(host.name), host) // warm-up: page cache, tsx
    for (let i = 0; i < runs; i++) {
      const t = new LocalTransport(host.name)
      const t0 = performance.now()
      const facts = await gatherFacts(t, host)
      times.push(performance.now() - t0)
      if (facts.guests.length !== count || t.roundTrips !== 1)
        throw new Error(`expected ${count} guests in 1 round trip, got ${facts.guests.length} in ${t.roundTrips}`)
    }
  } finally {
    rmSync(node.dir, {recursive: true, force: true})
  }
  console.log(
    `gatherFacts lpar-src, ${String(count).padStart(3)} guests: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}, ${runs} runs)`,
  )
}
