/**
 * bench/check — wall time of `zmigrate check --all` over real SSH on loopback (OpenSSH sshd started
 * here) against recorded host trees, including process start, and the SSH round trips per host:
 * - one destination, for 1, 50 and 500 guests. Targets (issue #2): 1 guest < 1.5 s; 500 guests
 *   within 2x 50.
 * - the site: 20 hosts of 50 guests each (one sshd per host), the readiness matrix of every guest
 *   of one host against the 19 others (`--to site`). Target: < 3 s, and the round trips per host
 *   those of a one-destination check (2).
 *
 *   npm run bench:check            (builds first; RUNS=7 by default; CASES=pair or CASES=site for one)
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'
import {startSshd} from '../test/support/sshd.js'

const REPO = resolve(fileURLToPath(import.meta.url), '../..')
const RUNS = Number(process.env.RUNS ?? 7)
const COUNTS = [1, 50, 500]
const CASES = (process.env.CASES ?? 'pair,site').split(',')
const SITE_HOSTS = 20
const SITE_GUESTS = 50

// a realistic KVM-on-Z guest: DASD by-id, a qcow2 image, vfio-ccw, macvtap on an OSA port
const guestXml = (i: number) => `<domain type='test'>
  <name>linux${String(i).padStart(3, '0')}</name>
  <uuid>3c3c3c3c-0000-4000-8000-${i.toString(16).padStart(12, '0')}</uuid>
  <memory unit='MiB'>2048</memory><vcpu>2</vcpu>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
    <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/disk/by-id/ccw-IBM.75000000092461.e900.10'/><target dev='vda' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x7500'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/libvirt/images/linux${i}.qcow2'/><target dev='vdb' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/></disk>
    <hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='90c6c135-ad44-41d0-b1b7-bae47de48627'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x00a1'/></hostdev>
    <interface type='direct'><source dev='enc1a00' mode='bridge'/><model type='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0003'/></interface>
  </devices>
</domain>`

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** Runs the CLI; exit 1 (blockers found) is an expected outcome, its JSON is on stdout all the same. */
function zmigrate(args: string[]): string {
  try {
    return execFileSync(process.execPath, [join(REPO, 'bin/run.js'), ...args], {encoding: 'utf8', maxBuffer: 256 << 20})
  } catch (error) {
    return String((error as {stdout?: string}).stdout)
  }
}

async function main() {
  if (CASES.includes('pair')) await pairCase()
  if (CASES.includes('site')) await siteCase()
}

async function pairCase() {
  const dir = mkdtempSync(join(tmpdir(), 'zm-bench-check-'))
  const [src, dst] = await Promise.all([startSshd(), startSshd()])
  try {
    writeFileSync(join(dir, 'known_hosts'), readFileSync(src.knownHostsPath, 'utf8') + readFileSync(dst.knownHostsPath, 'utf8'))
    const results: {n: number; ms: number; roundTrips: Record<string, number>}[] = []
    for (const n of COUNTS) {
      const node = join(dir, `node-${n}.xml`)
      writeFileSync(node, `<node>\n${Array.from({length: n}, (_, i) => guestXml(i)).join('\n')}\n</node>\n`)
      const profile = join(dir, `site-${n}.yaml`)
      const host = (port: number, key: string, tree: string, uri: string) => ({
        address: '127.0.0.1',
        port,
        identity: key,
        'known-hosts': join(dir, 'known_hosts'),
        root: join(REPO, 'test/fixtures/hosts', tree),
        'libvirt-uri': uri,
      })
      writeFileSync(
        profile,
        stringify({
          site: 'bench',
          defaults: {user: 'root', agent: false},
          hosts: {zlpar1: host(src.port, src.clientKey, 'lpar-src', `test://${node}`), zlpar2: host(dst.port, dst.clientKey, 'lpar-dst', 'test:///default')},
        }),
      )
      const times: number[] = []
      let roundTrips: Record<string, number> = {}
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now()
        const out = zmigrate(['check', '--all', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'])
        times.push(performance.now() - t0)
        const report = JSON.parse(out)
        if (report.guests?.length !== n) throw new Error(`expected ${n} guests, got ${report.guests?.length}: ${out.slice(0, 300)}`)
        roundTrips = report.roundTrips
      }
      results.push({n, ms: median(times), roundTrips})
      console.log(
        `check --all, ${String(n).padStart(3)} guests: median ${(median(times) / 1000).toFixed(2)} s over ${RUNS} runs (min ${(Math.min(...times) / 1000).toFixed(2)}, max ${(Math.max(...times) / 1000).toFixed(2)}); SSH round trips per host ${JSON.stringify(roundTrips)}`,
      )
    }
    const one = results[0].ms
    const ratio = results[2].ms / results[1].ms
    console.log(`target 1 guest < 1.5 s (incl. process start): ${(one / 1000).toFixed(2)} s ${one < 1500 ? 'MET' : 'MISSED'}`)
    console.log(`target 500 guests within 2x 50 guests: ${ratio.toFixed(2)}x ${ratio <= 2 ? 'MET' : 'MISSED'}`)
  } finally {
    await Promise.all([src.stop(), dst.stop()])
    rmSync(dir, {recursive: true, force: true})
  }
}

// A site's guest: its DASD by bus-ID (one of the four the recorded trees know), a qcow2 image (in a
// directory each host has), macvtap on an OSA port; one source guest in ten has the vfio-ccw device.
const siteGuestXml = (host: number, i: number, images: string) => `<domain type='test'>
  <name>z${String(host).padStart(2, '0')}-linux${String(i).padStart(3, '0')}</name>
  <uuid>5e5e5e5e-${host.toString(16).padStart(4, '0')}-4000-8000-${i.toString(16).padStart(12, '0')}</uuid>
  <memory unit='MiB'>2048</memory><currentMemory unit='MiB'>1024</currentMemory><vcpu>2</vcpu>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
    <disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/>
      <source dev='/dev/disk/by-path/ccw-0.0.750${i % 4}'/><target dev='vda' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x750${i % 4}'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>
      <source file='${images}/z${host}-linux${i}.qcow2'/><target dev='vdb' bus='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/></disk>${
        host === 1 && i % 10 === 0
          ? `
    <hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='90c6c135-ad44-41d0-b1b7-bae47de48627'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x00a1'/></hostdev>`
          : ''
      }
    <interface type='direct'><source dev='enc1a00' mode='bridge'/><model type='virtio'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0003'/></interface>
  </devices>
</domain>`

/** 20 hosts (recorded trees in turn: the source's twin, the differing destination, a bare LPAR), 50 guests each. */
async function siteCase() {
  const dir = mkdtempSync(join(tmpdir(), 'zm-bench-site-'))
  // The sessions get a HOME without shell start-up files unless LOGIN_RC=keep: bash sources ~/.bashrc for
  // commands run by sshd, and a developer's (pyenv init, …) costs more per command than zmigrate's scripts.
  const home = join(dir, 'home')
  mkdirSync(home)
  const extraConfig = process.env.LOGIN_RC === 'keep' ? [] : [`SetEnv HOME=${home}`]
  process.setMaxListeners(SITE_HOSTS + 10) // each sshd harness hooks process exit
  const sshds = await Promise.all(Array.from({length: SITE_HOSTS}, () => startSshd({extraConfig})))
  try {
    writeFileSync(join(dir, 'known_hosts'), sshds.map((s) => readFileSync(s.knownHostsPath, 'utf8')).join(''))
    const images = join(dir, 'images')
    mkdirSync(images)
    const trees = ['lpar-src', 'lpar-dst', 'bare-lpar']
    const hosts = Object.fromEntries(
      sshds.map((s, h) => {
        const node = join(dir, `node-${h + 1}.xml`)
        writeFileSync(node, `<node>\n${Array.from({length: SITE_GUESTS}, (_, i) => siteGuestXml(h + 1, i, images)).join('\n')}\n</node>\n`)
        const tree = h === 0 ? 'lpar-src' : trees[h % trees.length]
        const root = join(REPO, 'test/fixtures/hosts', tree)
        return [
          `zlpar${String(h + 1).padStart(2, '0')}`,
          {address: '127.0.0.1', port: s.port, identity: s.clientKey, 'known-hosts': join(dir, 'known_hosts'), root, 'libvirt-uri': `test://${node}`},
        ]
      }),
    )
    const profile = join(dir, 'site.yaml')
    // libvirt's test driver offers no s390x guests: without this every pair would be blocked by arch-mismatch alone
    const rules = {'arch-mismatch': {enabled: false, reason: "bench: libvirt's test driver offers no s390x guests"}}
    writeFileSync(profile, stringify({site: 'bench-site', defaults: {user: 'root', agent: false}, hosts, rules}))
    const args = ['check', '--all', '--from', 'zlpar01', '--to', 'site', '--profile', profile]
    // a one-destination check of the same guests: the round trips each host must still see
    const one = JSON.parse(zmigrate(['check', '--all', '--from', 'zlpar01', '--to', 'zlpar02', '--profile', profile, '--json'])).roundTrips as Record<
      string,
      number
    >
    zmigrate(args) // warm-up (page cache, each sshd's first login), not counted
    console.log(
      `site: ${SITE_HOSTS} hosts x ${SITE_GUESTS} guests, one sshd each; login shell rc ${extraConfig.length > 0 ? 'skipped (LOGIN_RC=keep keeps it)' : 'kept'}`,
    )
    for (const [label, extra] of [
      ['--json', ['--json']],
      ['matrix (human)', []],
    ] as const) {
      const times: number[] = []
      let report: {guests: {movable: boolean; pairs: {status: string}[]}[]; roundTrips: Record<string, number>} | undefined
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now()
        const out = zmigrate([...args, ...extra])
        times.push(performance.now() - t0)
        if (extra.length > 0) report = JSON.parse(out)
        else if (!out.includes('Result: ')) throw new Error(`no result line: ${out.slice(0, 300)}`)
      }
      if (report) {
        const pairs = report.guests.flatMap((g) => g.pairs)
        if (report.guests.length !== SITE_GUESTS || pairs.length !== SITE_GUESTS * (SITE_HOSTS - 1))
          throw new Error(`expected ${SITE_GUESTS} guests x ${SITE_HOSTS - 1} destinations, got ${pairs.length} pairs`)
        const by = (s: string) => pairs.filter((p) => p.status === s).length
        const trips = new Set(Object.values(report.roundTrips))
        const unchanged =
          Object.keys(report.roundTrips).length === SITE_HOSTS && Object.values(report.roundTrips).every((n) => n === one.zlpar01 && n === one.zlpar02)
        console.log(
          `check --all --to site, ${SITE_GUESTS} guests x ${SITE_HOSTS - 1} destinations (${pairs.length} pairs: ${by('ok')} ok, ${by('actions')} actions, ${by('blocked')} blocked; ${report.guests.filter((g) => g.movable).length} guests movable)`,
        )
        console.log(
          `  SSH round trips per host: ${[...trips].join(', ')} on each of ${Object.keys(report.roundTrips).length} hosts; one-destination check: ${JSON.stringify(one)}`,
        )
        console.log(`  target round trips per host those of a one-destination check: ${unchanged ? 'MET' : 'MISSED'}`)
      }
      const m = median(times)
      console.log(
        `  ${label}: median ${seconds(m)} over ${RUNS} runs (min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))}); target < 3 s: ${m < 3000 ? 'MET' : 'MISSED'}`,
      )
    }
  } finally {
    await Promise.all(sshds.map((s) => s.stop()))
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
