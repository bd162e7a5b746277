/**
 * bench/evacuate — in the lab, emptying zhost-a (zdemo, zweb, zapp running, each with a data disk
 * that is copied; zidle shut off) two ways, alternately, in one run:
 *   - bare: what an admin's script does today, a sequential loop of `virsh migrate` over the same
 *     guests to the same destinations (those zmigrate's placement chose), each run in the source
 *     host over ssh: pre-create the destination image, `virsh migrate --live --copy-storage-all`
 *     (`--offline` for the shut-off guest). zdemo's host-local device vdb is detached before and
 *     re-attached after by hand, untimed (as bench/migrate does), which favours the loop;
 *   - zmigrate: `zmigrate evacuate zhost-a --to site --yes --json` (site check, placement, the
 *     rolling window; re-plans each guest, journals, detaches and re-attaches, verifies).
 * Prints wall times (medians), zmigrate ÷ loop (target ≤ 0.6), the peak number of migrations at
 * once, and each guest's downtime as libvirt measured it (domjobinfo --completed on the destination
 * for the loop; for zmigrate, its verify step's record of the same figure in the guest's journal).
 * Between runs the guests go home untimed.
 *
 *   npm run bench:evacuate                 (ROUNDS=3; zmigrate with the profile's concurrency)
 *   CAPS="1/1/1 2/2/1 2/2/2 4/4/2" npm run bench:evacuate
 *                                          (zmigrate once per cap set: site/outgoing/incoming)
 */
import {execa} from 'execa'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {bareLiveMigrate} from './bare-virsh.js'
import {IDLE_GUEST, IP, lab, LAB, onHost, REPO, RUNNING_GUESTS, sendHome, type LabHostName, scratchDisk} from '../test/support/lab-cli.js'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CAPS = (process.env.CAPS ?? 'profile').split(/\s+/).filter(Boolean)
const GUESTS = [...RUNNING_GUESTS, IDLE_GUEST]

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2
}
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const virsh = (h: LabHostName, ...args: string[]) => onHost(h, ['virsh', '-c', 'qemu:///system', ...args], 300_000)

async function must(p: Promise<{exitCode: number; stdout: string; stderr: string}>, what: string) {
  const r = await p
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout}`)
  return r
}

async function zmJson(args: string[]): Promise<{ms: number; doc: Record<string, any>}> {
  const t0 = performance.now()
  const r = await execa(process.execPath, [join(REPO, 'bin/run.js'), ...args, '--json'], {reject: false, env: {ZMIGRATE_DATA_DIR: join(LAB, 'bench-journals')}})
  const ms = performance.now() - t0
  const doc = JSON.parse(String(r.stdout).trim().split('\n').at(-1) ?? '{}')
  if (r.exitCode !== 0) throw new Error(`zmigrate ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}\n${String(r.stdout).slice(-1500)}`)
  return {ms, doc}
}

/** libvirt's downtime of the guest's last completed migration, read on the host it arrived at. */
async function downtimeMs(host: LabHostName, guest: string): Promise<number | undefined> {
  const info = await virsh(host, 'domjobinfo', '--domain', guest, '--completed', '--rawstats')
  const d = /^downtime:\s*(\d+)/m.exec(info.stdout)?.[1]
  return d === undefined ? undefined : Number(d)
}

function journalDowntimeMs(file: string): number | undefined {
  const journal = JSON.parse(readFileSync(file, 'utf8')) as {steps: {result?: {downtimeMs?: number}}[]}
  return journal.steps.map((s) => s.result?.downtimeMs).find((d) => typeof d === 'number')
}

/** The sequential loop, guest after guest in zmigrate's order, each to zmigrate's destination for it. */
async function bareLoop(order: {guest: string; to: LabHostName}[]): Promise<{ms: number; downtimes: Record<string, number | undefined>}> {
  await scratchDisk('zhost-a', 'detach')
  const t0 = performance.now()
  for (const {guest, to} of order) {
    const uri = `qemu+ssh://root@${IP[to]}/system`
    if (guest === IDLE_GUEST) {
      await must(virsh('zhost-a', 'migrate', '--offline', '--persistent', '--undefinesource', '--domain', guest, '--desturi', uri), `virsh migrate ${guest}`)
      continue
    }
    const image = `/var/lib/libvirt/images/${guest}-data.img`
    const info = JSON.parse((await must(onHost('zhost-a', ['qemu-img', 'info', '-U', '--output=json', image]), 'qemu-img info')).stdout)
    await must(onHost(to, [`rm -f ${image} && qemu-img create -q -f ${info.format} ${image} ${info['virtual-size']}`]), 'pre-create image')
    await must(bareLiveMigrate('zhost-a', to, guest), `virsh migrate ${guest}`)
  }
  const ms = performance.now() - t0
  const zdemoTo = order.find((o) => o.guest === 'zdemo')?.to ?? 'zhost-b'
  await scratchDisk(zdemoTo, 'attach')
  const downtimes: Record<string, number | undefined> = {}
  for (const {guest, to} of order) if (guest !== IDLE_GUEST) downtimes[guest] = await downtimeMs(to, guest)
  return {ms, downtimes}
}

interface ZmRun {
  ms: number
  peak: number
  downtimes: Record<string, number | undefined>
}

/** 'site/outgoing/incoming' -> the evacuate flags; 'profile' -> none. */
function capsFlags(caps: string): string[] {
  if (caps === 'profile') return []
  const [site, outgoing, incoming] = caps.split('/')
  if (![site, outgoing, incoming].every((n) => /^[1-9]\d*$/.test(n ?? ''))) throw new Error(`CAPS: '${caps}' is not site/outgoing/incoming`)
  return ['--max', site, '--outgoing', outgoing, '--incoming', incoming]
}

async function zmigrate(caps: string): Promise<ZmRun> {
  const flags = capsFlags(caps)
  const {ms, doc} = await zmJson(['evacuate', 'zhost-a', '--to', 'site', '--yes', ...flags])
  const downtimes: Record<string, number | undefined> = {}
  for (const g of doc.guests as {name: string; outcome: string; journal?: string}[]) {
    if (g.outcome !== 'migrated') throw new Error(`${g.name}: ${g.outcome}`)
    // zmigrate's verify step read (and so consumed) libvirt's completed-job stats: its journal has them
    if (g.name !== IDLE_GUEST && g.journal) downtimes[g.name] = journalDowntimeMs(g.journal)
  }
  return {ms, peak: doc.peak as number, downtimes}
}

async function main() {
  const up = await lab('up')
  if (up.exitCode !== 0) throw new Error(`lab/up failed: ${up.stderr}`)
  await sendHome()
  const {doc: dry} = await zmJson(['evacuate', 'zhost-a', '--to', 'site', '--dry-run'])
  const order = (dry.placements as {guest: string; kind: string; destination: LabHostName; order: number}[])
    .filter((p) => p.kind === 'placed')
    .sort((a, b) => a.order - b.order)
    .map((p) => ({guest: p.guest, to: p.destination}))
  if (order.length !== GUESTS.length) throw new Error(`placement placed ${order.length} of ${GUESTS.length} guests`)
  const bare: Awaited<ReturnType<typeof bareLoop>>[] = []
  const zm = new Map<string, ZmRun[]>(CAPS.map((c) => [c, []]))
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await bareLoop(order))
    await sendHome()
    for (const caps of CAPS) {
      zm.get(caps)?.push(await zmigrate(caps))
      await sendHome()
    }
    if (process.env.VERBOSE)
      console.log(
        `  round ${round + 1}: bare ${fmt(bare.at(-1)?.ms ?? NaN)}, ${CAPS.map((c) => `zmigrate ${c} ${fmt(zm.get(c)?.at(-1)?.ms ?? NaN)}`).join(', ')}`,
      )
  }
  const bareMs = median(bare.map((r) => r.ms))
  const downtimeText = (runs: {downtimes: Record<string, number | undefined>}[]) =>
    RUNNING_GUESTS.map((g) => `${g} ${median(runs.flatMap((r) => (r.downtimes[g] === undefined ? [] : [r.downtimes[g] as number]))).toFixed(0)} ms`).join(', ')
  console.log(`guests: ${order.map((o) => `${o.guest} -> ${o.to}`).join(', ')} (${ROUNDS} rounds, medians)`)
  console.log(`bare loop of virsh migrate (sequential, 1 at a time): ${fmt(bareMs)}  [${bare.map((r) => fmt(r.ms)).join(', ')}]`)
  console.log(`  downtime per guest: ${downtimeText(bare)}`)
  for (const [caps, runs] of zm) {
    const ms = median(runs.map((r) => r.ms))
    const ratio = ms / bareMs
    const label = caps === 'profile' ? "the profile's concurrency" : capsFlags(caps).join(' ')
    console.log(
      `zmigrate evacuate (${label}): ${fmt(ms)}  [${runs.map((r) => fmt(r.ms)).join(', ')}], peak ${Math.max(...runs.map((r) => r.peak))} at once; ${ratio.toFixed(2)}× the loop (target ≤ 0.6: ${ratio <= 0.6 ? 'MET' : 'MISSED'})`,
    )
    console.log(`  downtime per guest: ${downtimeText(runs)}`)
  }
}

await main()
