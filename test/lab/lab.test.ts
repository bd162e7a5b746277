// End-to-end checks of the three-host lab (lab/up): real sshd, libvirtd and an s390x guest under TCG.
// Needs root and a few minutes the first time on a machine (lab/up installs packages and downloads
// the guest kernel); seconds afterwards. Leaves the lab up with its guests on zhost-a.
import {expect} from 'chai'
import {execa} from 'execa'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {consoleLogPath, labDir, proveSurvival, readHeartbeats, renderReport, type LabHost} from '../../lab/proof.js'
import {holdLab} from '../support/lab-hold.js'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const LAB = labDir()
const IP: Record<LabHost, string> = {a: '127.0.0.2', b: '127.0.0.3', c: '127.0.0.4'}
const IMAGE = '/var/lib/libvirt/images/zdemo-data.img'

/** Run a shell command on a lab host over ssh with the lab's client key, config and known_hosts. */
async function onHost(h: LabHost, command: string, timeoutMs = 60_000): Promise<string> {
  const r = await execa('ssh', ['-F', join(LAB, 'ssh', 'config'), `root@${IP[h]}`, command], {
    reject: false,
    timeout: timeoutMs,
  })
  if (r.exitCode !== 0) {
    throw new Error(`zhost-${h}: ${command}\n  exit ${r.exitCode ?? 'timeout'}: ${String(r.stderr).trim()}`)
  }
  return String(r.stdout).trim()
}

const virsh = (h: LabHost, args: string, timeoutMs?: number) => onHost(h, `virsh -q -c qemu:///system ${args}`, timeoutMs)

async function domstate(h: LabHost, guest = 'zdemo'): Promise<string | undefined> {
  const names = (await virsh(h, 'list --all --name')).split('\n')
  return names.includes(guest) ? virsh(h, `domstate ${guest}`) : undefined
}

/** Where zdemo runs now, if anywhere but zhost-a. */
async function awayFromHome(): Promise<LabHost | undefined> {
  for (const h of ['b', 'c'] as const) if ((await domstate(h).catch(() => undefined)) === 'running') return h
  return undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Pre-create the destination's data disk with the source's format and virtual size (no pool here). */
async function precreateImage(from: LabHost, to: LabHost): Promise<void> {
  const info = JSON.parse(await onHost(from, `qemu-img info -U --output=json ${IMAGE}`)) as {
    format: string
    'virtual-size': number
  }
  await onHost(to, `rm -f ${IMAGE} && qemu-img create -q -f ${info.format} ${IMAGE} ${info['virtual-size']}`)
}

/** Live-migrate zdemo with its storage, run by virsh inside the source host; returns wall ms. */
async function migrate(from: LabHost, to: LabHost, p2p: boolean): Promise<number> {
  await precreateImage(from, to)
  const t0 = Date.now()
  await virsh(from, `migrate --live ${p2p ? '--p2p ' : ''}--persistent --undefinesource --copy-storage-all zdemo qemu+ssh://root@${IP[to]}/system`, 180_000)
  return Date.now() - t0
}

describe('@lab zmigrate lab (lab/up)', function () {
  before(async function () {
    this.timeout(45 * 60_000)
    await holdLab()
    const r = await execa(join(REPO, 'lab', 'up'), [], {all: true, reject: false, timeout: 40 * 60_000})
    if (r.exitCode !== 0) throw new Error(`lab/up failed (exit ${r.exitCode}):\n${r.all}`)
    console.log(`      ${String(r.all).trim().split('\n').at(-1)}`)
    // other tests may have left zdemo elsewhere: these tests start from its home, zhost-a
    const away = await awayFromHome()
    if (away) await migrate(away, 'a', true)
  })

  after(async function () {
    // leave zdemo on zhost-a for whoever comes next, even when a test stopped half-way
    this.timeout(300_000)
    const away = await awayFromHome()
    if (away) await migrate(away, 'a', true)
  })

  describe('@lab hosts', function () {
    it('answers ssh with the lab key on 127.0.0.2, 127.0.0.3 and 127.0.0.4 as zhost-a, zhost-b and zhost-c', async function () {
      this.timeout(60_000)
      expect(await onHost('a', 'hostname')).to.equal('zhost-a')
      expect(await onHost('b', 'hostname')).to.equal('zhost-b')
      expect(await onHost('c', 'hostname')).to.equal('zhost-c')
    })

    it('gives each host its own host UUID in virsh capabilities', async function () {
      this.timeout(60_000)
      const uuid = async (h: LabHost) => /<uuid>([^<]+)<\/uuid>/.exec(await virsh(h, 'capabilities'))?.[1]
      const uuids = [await uuid('a'), await uuid('b'), await uuid('c')]
      for (const u of uuids) expect(u).to.match(/^[0-9a-f-]{36}$/)
      expect(new Set(uuids).size).to.equal(3)
    })

    it("lets each host's root reach every other host with its own key (as libvirt's ssh transport does)", async function () {
      this.timeout(60_000)
      for (const [from, to] of [
        ['a', 'c'],
        ['c', 'b'],
        ['b', 'a'],
      ] as const)
        expect(await onHost(from, `ssh ${IP[to]} hostname`)).to.equal(`zhost-${to}`)
    })
  })

  describe('@lab guests', function () {
    it('zweb and zapp run on zhost-a with their own data disks; zidle is defined there, shut off', async function () {
      this.timeout(60_000)
      for (const g of ['zweb', 'zapp']) {
        expect(await domstate('a', g), g).to.equal('running')
        expect(await virsh('a', `domblklist ${g}`)).to.include(`/var/lib/libvirt/images/${g}-data.img`)
      }
      expect(await domstate('a', 'zidle')).to.equal('shut off')
    })
  })

  describe('@lab zdemo guest', function () {
    it('runs on zhost-a and its heartbeat advances', async function () {
      this.timeout(60_000)
      expect(await domstate('a')).to.equal('running')
      const log = consoleLogPath(LAB, 'a', 'zdemo')
      const first = readHeartbeats(log).lastHeartbeat ?? 0
      let now = first
      for (let i = 0; i < 40 && now < first + 2; i++) {
        await sleep(500)
        now = readHeartbeats(log).lastHeartbeat ?? 0
      }
      expect(now, `heartbeat in ${log}`).to.be.at.least(first + 2)
    })

    it('survives a live migration zhost-a -> zhost-b with --copy-storage-all (lab/proof)', async function () {
      this.timeout(300_000)
      const ms = await migrate('a', 'b', false)
      console.log(`      migration a->b (virsh migrate --live --copy-storage-all): ${(ms / 1000).toFixed(2)} s`)
      expect(await domstate('a')).to.equal(undefined)
      expect(await domstate('b')).to.equal('running')
      const report = await proveSurvival({lab: LAB, guest: 'zdemo', host: 'zhost-b', waitSeconds: 20})
      expect(report.ok, renderReport(report)).to.equal(true)
    })

    it('goes on zhost-b -> zhost-c with --p2p, still alive (lab/proof)', async function () {
      this.timeout(300_000)
      const ms = await migrate('b', 'c', true)
      console.log(`      migration b->c (--p2p, libvirtd on b connects to c): ${(ms / 1000).toFixed(2)} s`)
      expect(await domstate('b')).to.equal(undefined)
      expect(await domstate('c')).to.equal('running')
      const report = await proveSurvival({lab: LAB, guest: 'zdemo', host: 'zhost-c', from: 'zhost-b', waitSeconds: 20})
      expect(report.ok, renderReport(report)).to.equal(true)
    })

    it('comes back zhost-c -> zhost-a with --p2p, still alive (lab/proof)', async function () {
      this.timeout(300_000)
      const ms = await migrate('c', 'a', true)
      console.log(`      migration c->a (--p2p, libvirtd on c connects to a): ${(ms / 1000).toFixed(2)} s`)
      expect(await domstate('c')).to.equal(undefined)
      expect(await domstate('a')).to.equal('running')
      const report = await proveSurvival({lab: LAB, guest: 'zdemo', host: 'zhost-a', waitSeconds: 20})
      expect(report.ok, renderReport(report)).to.equal(true)
    })
  })
})
