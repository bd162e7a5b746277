// End-to-end: the real zmigrate CLI against the real two-host lab (libvirtd, sshd, s390x guest
// under TCG). Each test leaves zdemo running, with its vdb, on one host; the next test starts
// from wherever it is. Faults are injected with lab/fault and healed in afterEach.
import {expect} from 'chai'
import {execa} from 'execa'
import {readFileSync} from 'node:fs'
import {planSchema} from '../../src/plan/schema.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {hostMigrationReportSchema} from '../../src/report/host-migration-report.js'
import {consoleLogPath, hostOf, readHeartbeats} from '../../lab/proof.js'
import {
  guestState,
  hasDisk,
  IP,
  lab,
  labProfile,
  onHost,
  other,
  scratchDisk,
  sendHome,
  startCli,
  whereIs,
  zm,
  LAB,
  type LabHostName,
  proveAlive,
} from '../support/lab-cli.js'
import {useLab} from '../support/lab-suite.js'

const prove = (on: LabHostName) => proveAlive(on, {waitSeconds: 5})

/**
 * zoff: a shut-off copy of zdemo's definition (its own name, UUID and MAC; the detached scratch
 * device kept) without zdemo's host-local data disk — a shut-off guest migrates offline, which
 * moves no disk, so zmigrate would block one with a local disk (local-disk-copy).
 */
function shutOffCopy(zdemoXml: string): string {
  return zdemoXml
    .replace(/<name>zdemo<\/name>/, '<name>zoff</name>')
    .replace(/<uuid>[^<]*<\/uuid>/, '')
    .replace(/zdemo-console\.log/, 'zoff-console.log')
    .replace(/<mac address='[^']*'\/>/, '')
    .replace(/<disk\b(?:(?!<\/disk>)[\s\S])*zdemo-data\.img(?:(?!<\/disk>)[\s\S])*<\/disk>/, '')
}

describe('@lab zmigrate migrate on the lab', function () {
  this.timeout(10 * 60_000)
  let from: LabHostName

  useLab()

  beforeEach(async function () {
    from = (await whereIs()) ?? 'zhost-a'
    expect(await guestState(from)).to.equal('running')
  })

  afterEach(async function () {
    this.timeout(120_000)
    for (const h of ['zhost-a', 'zhost-b']) await lab('fault', 'heal', h)
  })

  after(async function () {
    // leave the lab guests at home on zhost-a, as lab/up made them, for whoever comes next
    this.timeout(300_000)
    await sendHome()
  })

  it('check reports the lab guest as migratable with its actions (exit 0)', async () => {
    const r = await zm(['check', 'zdemo', '--from', from, '--to', other(from), '--json'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const report = JSON.parse(r.stdout)
    expect(report.ok).to.equal(true)
    const rules = report.guests[0].findings.map((f: {rule: string; severity: string}) => `${f.rule}:${f.severity}`)
    expect(rules).to.include.members(['local-disk-copy:action', 'profile-detach-device:action'])
  })

  it('live migration with disk copy and a detached-and-re-attached device; heartbeat and records survive', async () => {
    const to = other(from)
    const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json'])
    expect(r.exitCode, r.stderr + r.stdout.slice(-2000)).to.equal(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const report = migrationReportSchema.strict().parse(lines.at(-1))
    expect(report.outcome).to.equal('migrated')
    // create-image first when the destination has no image of its own yet (a fresh lab)
    expect(report.steps.map((s: {kind: string}) => s.kind).filter((k: string) => k !== 'create-image')).to.deep.equal([
      'detach-device',
      'migrate',
      'attach-device',
      'verify',
    ])
    expect(lines.some((e) => e.type === 'step-start' && e.kind === 'migrate')).to.equal(true)
    expect(report.downtimeMs).to.be.a('number')
    // where the time before the first step went: the connections are part of the preflight
    const t = report.timings!
    expect(t.startupMs).to.be.greaterThan(0)
    expect(t.connectMs).to.be.greaterThan(0).and.at.most(t.preflightMs)
    expect(await guestState(to)).to.equal('running')
    expect(await guestState(from)).to.equal('absent')
    expect(await hasDisk(to, 'vdb')).to.equal(true)
    // the copy's source stays (source-images: keep) and the report says so
    expect(report.sourceImages).to.deep.equal([
      {
        host: from,
        path: '/var/lib/libvirt/images/zdemo-data.img',
        sizeBytes: 64 * 1024 * 1024,
        state: 'left',
        reason: 'the profile keeps source images (migration.source-images: keep)',
      },
    ])
    await prove(to)
    // the guest itself saw its scratch disk go (on the source) and come back (on the destination)
    const devEvents = (h: LabHostName) => readHeartbeats(consoleLogPath(LAB, hostOf(h), 'zdemo')).events.filter((e) => e.kind === 'dev')
    // (the guest polls once a second, so it may notice the absence only after it arrived, and
    // report the re-attached disk a second after the attach)
    for (let i = 0; i < 50 && !(devEvents(to).at(-1) as {present?: boolean} | undefined)?.present; i++) await new Promise((r) => setTimeout(r, 200))
    const around = [...devEvents(from).slice(-1), ...devEvents(to).slice(-2)]
    expect(
      around.some((e) => e.kind === 'dev' && e.dev === 'vdb' && !e.present),
      JSON.stringify(around),
    ).to.equal(true)
    expect(around.at(-1)).to.deep.include({dev: 'vdb', present: true})
  })

  it('source-images: remove deletes the copied image on the source after verification, and only it', async () => {
    const to = other(from)
    const profile = labProfile((d) => (d.migration = {...d.migration, 'source-images': 'remove'}))
    const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
    expect(r.exitCode, r.stderr + r.stdout.slice(-2000)).to.equal(0)
    const report = migrationReportSchema.strict().parse(JSON.parse(r.stdout.trim().split('\n').at(-1)!))
    expect(report.steps.map((s) => s.kind).slice(-2)).to.deep.equal(['verify', 'remove-copied-image'])
    expect(report.sourceImages?.[0]).to.include({host: from, path: '/var/lib/libvirt/images/zdemo-data.img', state: 'removed'})
    expect((await onHost(from, ['test', '-e', '/var/lib/libvirt/images/zdemo-data.img'])).exitCode).to.equal(1)
    expect((await onHost(from, ['test', '-e', '/var/lib/libvirt/scratch/zdemo-scratch.img'])).exitCode).to.equal(0)
    await prove(to)
  })

  it('p2p migration (the source libvirtd connects to the destination)', async () => {
    const to = other(from)
    const profile = labProfile((d) => (d.migration = {...d.migration, transport: 'p2p'}))
    const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--profile', profile])
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(r.stdout).to.match(/migrated from .* and verified/)
    await prove(to)
  })

  it('plan then apply: a stale plan is refused (exit 5) and nothing changes', async () => {
    const to = other(from)
    const planFile = `${LAB}/e2e-stale.plan.json`
    expect((await zm(['plan', 'zdemo', '--from', from, '--to', to, '-o', planFile])).exitCode).to.equal(0)
    planSchema.strict().parse(JSON.parse(readFileSync(planFile, 'utf8')))
    // the world changes: the guest loses its scratch disk (and so a finding and a step)
    expect((await onHost(from, ['virsh', '-c', 'qemu:///system', 'detach-disk', 'zdemo', 'vdb', '--live', '--config'])).exitCode).to.equal(0)
    try {
      const r = await zm(['migrate', '--plan', planFile])
      expect(r.exitCode, r.stderr).to.equal(5)
      expect(r.stderr).to.match(/stale/)
      expect(await guestState(from)).to.equal('running')
    } finally {
      // as lab/guest/zdemo.xml has it, serial included (the guest finds its scratch device by serial)
      await scratchDisk(from, 'attach')
    }
    expect(await hasDisk(from, 'vdb')).to.equal(true)
  })

  it('fault: destination libvirtd killed mid-migration → rolled back, guest runs on the source with its devices (exit 1)', async () => {
    const to = other(from)
    // slow the copy down so the fault lands while data moves
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
    let injected = false
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      if (!injected && /"type":"progress"/.test(chunk)) {
        injected = true
        void lab('fault', 'kill-libvirtd', to)
      }
    })
    const r = await child
    expect(injected, 'a progress event arrived before the end').to.equal(true)
    expect(r.exitCode, String(r.stderr)).to.equal(1)
    const report = JSON.parse(String(r.stdout).trim().split('\n').at(-1)!)
    expect(report.outcome).to.equal('rolled-back')
    expect(report.steps.find((s: {kind: string}) => s.kind === 'migrate').state).to.equal('failed')
    expect(report.undo.every((u: {state: string}) => u.state === 'done' || u.state === 'not-needed')).to.equal(true)
    expect(await guestState(from)).to.equal('running')
    expect(await hasDisk(from, 'vdb')).to.equal(true)
    await prove(from)
  })

  it('fault: destination disk fills up during the copy → rolled back, image removed, exit 1', async () => {
    const to = other(from)
    const images = '/var/lib/libvirt/images'
    // the destination's image directory becomes a small file system with room for the image (64 MiB,
    // so the preflight passes); once data flows, something else fills it
    expect((await onHost(to, ['mount', '-t', 'tmpfs', '-o', 'size=80m', 'zm-e2e-small', images])).exitCode).to.equal(0)
    try {
      const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
      const child = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
      let injected: Promise<unknown> | undefined
      child.stdout!.setEncoding('utf8')
      child.stdout!.on('data', (chunk: string) => {
        if (!injected && /"type":"progress"/.test(chunk)) injected = onHost(to, ['fallocate', '-l', '70m', `${images}/zm-e2e-filler`])
      })
      const r = await child
      expect(injected, 'a progress event arrived before the end').to.not.equal(undefined)
      expect((await injected) as {exitCode: number}).to.include({exitCode: 0})
      expect(r.exitCode, String(r.stderr)).to.equal(1)
      const report = JSON.parse(String(r.stdout).trim().split('\n').at(-1)!)
      expect(report.outcome).to.equal('rolled-back')
      expect(report.steps.find((s: {kind: string}) => s.kind === 'migrate').error).to.match(/No space left on device/)
      expect(report.undo.map((u: {description: string}) => u.description).join('; ')).to.match(/remove .*zdemo-data.img/)
      expect((await onHost(to, ['test', '-e', `${images}/zdemo-data.img`])).exitCode, 'the image zmigrate created is gone').to.equal(1)
      expect(await guestState(from)).to.equal('running')
      expect(await hasDisk(from, 'vdb')).to.equal(true)
      await prove(from)
    } finally {
      await onHost(to, ['umount', images])
    }
  })

  it('fault: destination sshd down → exit 3 before anything changes', async () => {
    const to = other(from)
    await lab('fault', 'stop-sshd', to)
    const started = Date.now()
    const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes'])
    expect(r.exitCode, r.stderr).to.equal(3)
    expect(r.stderr).to.match(new RegExp(`${to}.*(refused|unreachable)`, 'i'))
    expect(Date.now() - started).to.be.below(30_000)
    expect(await guestState(from)).to.equal('running')
    expect(await hasDisk(from, 'vdb')).to.equal(true)
  })

  it('fault: destination host key changed → refused (exit 3), nothing changes', async () => {
    const to = other(from)
    await lab('fault', 'rotate-hostkey', to)
    const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json'])
    expect(r.exitCode).to.equal(3)
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).error.code).to.equal('E_HOSTKEY_CHANGED')
    expect(await guestState(from)).to.equal('running')
  })

  it('offline migration of a shut-off guest moves its definition (with the re-attached device)', async () => {
    const to = other(from)
    const xml = (await onHost(from, ['virsh', '-c', 'qemu:///system', 'dumpxml', '--inactive', 'zdemo'])).stdout
    const zoff = shutOffCopy(xml)
    const define = await execa('ssh', ['-F', `${LAB}/ssh/config`, `root@${IP[from]}`, 'virsh -c qemu:///system define /dev/stdin'], {
      input: zoff,
      reject: false,
    })
    expect(define.exitCode, String(define.stderr)).to.equal(0)
    try {
      const profile = labProfile((d) => (d.devices['detach-for-migration'] = [{guest: 'zoff', kind: 'disk', target: 'vdb'}]))
      const r = await zm(['migrate', 'zoff', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
      expect(r.exitCode, r.stderr + r.stdout.slice(-1500)).to.equal(0)
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
      expect(report.steps.map((s: {kind: string}) => s.kind)).to.deep.equal(['detach-device', 'migrate', 'attach-device', 'verify'])
      expect(await guestState(to, 'zoff')).to.equal('shut off')
      expect(await guestState(from, 'zoff')).to.equal('absent')
      const inactive = (await onHost(to, ['virsh', '-c', 'qemu:///system', 'dumpxml', '--inactive', 'zoff'])).stdout
      expect(inactive).to.include('zdemo-scratch.img')
    } finally {
      for (const h of ['zhost-a', 'zhost-b'] as const) await onHost(h, ['virsh', '-c', 'qemu:///system', 'undefine', 'zoff'])
    }
  })

  it('migrate --all moves every guest of the host: the running one live, the shut-off one offline', async () => {
    const to = other(from)
    const xml = (await onHost(from, ['virsh', '-c', 'qemu:///system', 'dumpxml', '--inactive', 'zdemo'])).stdout
    const zoff = shutOffCopy(xml)
    const define = await execa('ssh', ['-F', `${LAB}/ssh/config`, `root@${IP[from]}`, 'virsh -c qemu:///system define /dev/stdin'], {
      input: zoff,
      reject: false,
    })
    expect(define.exitCode, String(define.stderr)).to.equal(0)
    try {
      // zoff's vdb is the source's own scratch file: detached like zdemo's (an offline move would leave it pointing at the destination's)
      const profile = labProfile((d) => d.devices['detach-for-migration'].push({guest: 'zoff', kind: 'disk', target: 'vdb'}))
      // every guest defined on the source: zdemo, zoff, and those of the lab's other guests that are there now
      const there = (await onHost(from, ['virsh', '-c', 'qemu:///system', 'list', '--all', '--name'])).stdout.split('\n').filter((n) => n.trim())
      const shutOff = new Set(['zoff', 'zidle'])
      const r = await zm(['migrate', '--all', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
      expect(r.exitCode, r.stderr + r.stdout.slice(-1500)).to.equal(0)
      const report = hostMigrationReportSchema.strict().parse(JSON.parse(r.stdout.trim().split('\n').at(-1)!))
      expect(report.guests.map((g) => `${g.name}:${g.outcome}`).sort()).to.deep.equal(there.map((n) => `${n}:migrated`).sort())
      const modes = Object.fromEntries(report.guests.map((g) => [g.name, g.report!.steps.find((s) => s.kind === 'migrate')!.description.split(' ')[0]]))
      expect(modes).to.deep.equal(Object.fromEntries(there.map((n) => [n, shutOff.has(n) ? 'offline' : 'live'])))
      expect(await guestState(to)).to.equal('running')
      expect(await guestState(to, 'zoff')).to.equal('shut off')
      expect(await guestState(from, 'zoff')).to.equal('absent')
      await prove(to)
    } finally {
      for (const h of ['zhost-a', 'zhost-b'] as const) await onHost(h, ['virsh', '-c', 'qemu:///system', 'undefine', 'zoff'])
    }
  })

  it('zmigrate killed mid-migration (SIGKILL): --resume finishes the move from the journal', async () => {
    const to = other(from)
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
    let journal: string | undefined
    let killed = false
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      journal ??= /"type":"plan".*?"journal":"([^"]+)"/.exec(chunk)?.[1]
      if (!killed && /"type":"progress"/.test(chunk)) {
        killed = true
        child.kill('SIGKILL')
      }
    })
    const r = await child
    expect(killed && r.signal === 'SIGKILL', 'killed during the migration').to.equal(true)
    expect(journal).to.be.a('string')
    const resumed = await zm(['migrate', '--resume', journal!, '--profile', profile, '--json'])
    expect(resumed.exitCode, resumed.stderr + resumed.stdout.slice(-1500)).to.equal(0)
    const report = migrationReportSchema.parse(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!))
    expect(report.outcome).to.equal('migrated')
    expect(await guestState(to)).to.equal('running')
    expect(await hasDisk(to, 'vdb')).to.equal(true)
    await prove(to)
  })

  it('Ctrl-C (SIGINT) mid-migration stops it and rolls back (exit 1)', async () => {
    const to = other(from)
    const profile = labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))
    const child = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
    let sent = false
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      if (!sent && /"type":"progress"/.test(chunk)) {
        sent = true
        child.kill('SIGINT')
      }
    })
    const r = await child
    expect(sent).to.equal(true)
    expect(r.exitCode, String(r.stderr)).to.equal(1)
    const report = migrationReportSchema.parse(JSON.parse(String(r.stdout).trim().split('\n').at(-1)!))
    expect(report.outcome).to.equal('rolled-back')
    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')
    expect(await hasDisk(from, 'vdb')).to.equal(true)
    await prove(from)
  })
})
