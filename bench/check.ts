/**
 * bench/check — wall time of `zmigrate check --all` over real SSH on loopback (two OpenSSH sshd
 * started here) against recorded host trees, for 1, 50 and 500 guests, including process start,
 * and the SSH round trips per host. Targets (issue #2): 1 guest < 1.5 s; 500 guests within 2x 50.
 *
 *   npm run bench:check            (builds first; RUNS=7 by default)
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'
import {startSshd} from '../test/support/sshd.js'

const REPO = resolve(fileURLToPath(import.meta.url), '../..')
const RUNS = Number(process.env.RUNS ?? 7)
const COUNTS = [1, 50, 500]

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

async function main() {
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
        let out: string
        try {
          out = execFileSync(
            process.execPath,
            [join(REPO, 'bin/run.js'), 'check', '--all', '--from', 'zlpar1', '--to', 'zlpar2', '--profile', profile, '--json'],
            {encoding: 'utf8', maxBuffer: 256 << 20},
          )
        } catch (error) {
          out = String((error as {stdout?: string}).stdout) // exit 1: blockers found, as expected
        }
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

await main()
