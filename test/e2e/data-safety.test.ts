// End-to-end on the lab: zmigrate never harms a guest it did not mean to touch. A journal that
// cannot be written after the migration, an edited plan, a guest whose name is another guest's
// ID, two runs on one guest. Each test leaves zdemo running, with its vdb, on one host.
import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stepsFingerprint} from '../../src/plan/fingerprint.js'
import {migrationReportSchema} from '../../src/run/report.js'
import {guestState, hasDisk, IP, labProfile, onHost, other, sendHome, startCli, whereIs, zm, LAB, type LabHostName, proveAlive} from '../support/lab-cli.js'
import {useLab} from '../support/lab-suite.js'
import {lastJson} from '../support/ndjson.js'

const virsh = (h: LabHostName, ...args: string[]) => onHost(h, ['virsh', '-c', 'qemu:///system', ...args])

const prove = (on: LabHostName) => proveAlive(on, {waitSeconds: 5})

describe('@lab zmigrate never harms a guest it did not mean to touch', function () {
  this.timeout(10 * 60_000)
  let from: LabHostName
  const slow = () => labProfile((d) => (d.migration = {...d.migration, bandwidth: 8}))

  useLab()

  beforeEach(async () => {
    from = (await whereIs()) ?? 'zhost-a'
    expect(await guestState(from)).to.equal('running')
  })

  after(async function () {
    this.timeout(300_000)
    await sendHome()
  })

  it('the data dir fills up during the migration: exit 4, the guest runs on the destination with its disk; --resume completes', async () => {
    const to = other(from)
    const data = mkdtempSync(join(tmpdir(), 'zm-e2e-full-'))
    expect((await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'zm-e2e-full', data], {reject: false})).exitCode).to.equal(0)
    try {
      const profile = slow()
      const child = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile], {ZMIGRATE_DATA_DIR: data})
      let journal: string | undefined
      let filled: Promise<unknown> | undefined
      child.stdout!.setEncoding('utf8')
      child.stdout!.on('data', (chunk: string) => {
        journal ??= /"type":"plan".*?"journal":"([^"]+)"/.exec(chunk)?.[1]
        // the step has been recorded as running; once it is done, nothing more can be written
        if (!filled && /"type":"step-start"[^\n]*"kind":"migrate"/.test(chunk))
          filled = execa('sh', ['-c', 'dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; exit 0', 'sh', data])
      })
      const r = await child
      expect(filled, 'the data dir was filled during the migration').to.not.equal(undefined)
      expect(r.exitCode, String(r.stderr)).to.equal(4)
      const error = lastJson(String(r.stdout)).error
      expect(error.code).to.equal('E_JOURNAL_WRITE')
      expect(error.message).to.match(/stopped without undoing anything \(done: .*-migrate\)/)
      expect(error.remedy).to.include(`zmigrate migrate --resume ${journal}`)
      // nothing was undone: the guest runs on the destination from the image zmigrate created there
      expect(await guestState(to)).to.equal('running')
      expect(await guestState(from)).to.equal('absent')
      expect((await onHost(to, ['test', '-s', '/var/lib/libvirt/images/zdemo-data.img'])).exitCode).to.equal(0)

      rmSync(join(data, 'filler'))
      const resumed = await zm(['migrate', '--resume', journal!, '--profile', profile, '--json'], {ZMIGRATE_DATA_DIR: data})
      expect(resumed.exitCode, resumed.stderr + resumed.stdout.slice(-1500)).to.equal(0)
      const report = migrationReportSchema.parse(lastJson(resumed.stdout))
      expect(report.outcome).to.equal('migrated')
      expect(report.steps.find((s) => s.kind === 'migrate')?.result?.confirmedOnResume).to.equal(true)
      expect(await hasDisk(to, 'vdb')).to.equal(true)
      await prove(to)
    } finally {
      await execa('umount', [data], {reject: false})
      rmSync(data, {recursive: true, force: true})
    }
  })

  it('an edited plan is refused and nothing changes (exit 5 for edited steps, exit 2 for a value out of its domain)', async () => {
    const to = other(from)
    const data = mkdtempSync(join(tmpdir(), 'zm-e2e-edited-'))
    const planFile = join(data, 'zdemo.plan.json')
    expect((await zm(['plan', 'zdemo', '--from', from, '--to', to, '-o', planFile])).exitCode).to.equal(0)
    const original = JSON.parse(readFileSync(planFile, 'utf8'))
    const write = (edit: (p: any) => void) => {
      const p = structuredClone(original)
      edit(p)
      writeFileSync(planFile, JSON.stringify(p, null, 2))
    }
    const migrateStep = (p: any) => p.steps.find((s: any) => s.kind === 'migrate')
    const cases: [string, (p: any) => void, number, RegExp][] = [
      ['destination URI changed', (p) => (migrateStep(p).migrate.destinationUri = `qemu+ssh://root@127.0.0.2/system?edited`), 5, /was edited/],
      [
        "an undo's path changed to /etc/shadow, fingerprint recomputed",
        (p) => {
          for (const s of p.steps) if (s.undo?.kind === 'remove-image') s.undo.image.path = '/etc/shadow'
          migrateStep(p).undo.migrate.destinationUri = 'qemu+ssh://root@127.0.0.3/system?edited'
          p.fingerprints.steps = stepsFingerprint(p.steps)
        },
        5,
        /not the migration URI|steps computed now differ/,
      ],
      [
        'a bus-ID outside sysfs',
        (p) =>
          p.steps.unshift({
            ...migrateStep(p),
            id: '00-dasd-online',
            kind: 'set-dasd-online',
            busIds: ['../../../devices/system/cpu/cpu1'],
            migrate: undefined,
            undo: undefined,
          }),
        2,
        /busIds\.0: a CCW bus-ID/,
      ],
    ]
    try {
      for (const [what, edit, exit, message] of cases) {
        write(edit)
        const r = await zm(['migrate', '--plan', planFile, '--json'], {ZMIGRATE_DATA_DIR: data})
        expect(r.exitCode, `${what}: ${r.stderr}`).to.equal(exit)
        expect(lastJson(r.stdout).error.message, what).to.match(message)
      }
      expect(existsSync(join(data, 'journals')) ? readdirSync(join(data, 'journals')) : [], 'no run started').to.deep.equal([])
      expect(await guestState(from)).to.equal('running')
      expect(await guestState(to)).to.equal('absent')
      expect(await hasDisk(from, 'vdb')).to.equal(true)
      expect((await onHost(to, ['test', '-s', '/etc/shadow'])).exitCode).to.equal(0)
      expect((await onHost(from, ['cat', '/sys/devices/system/cpu/cpu1/online'])).stdout).to.not.match(/^0/)
    } finally {
      rmSync(data, {recursive: true, force: true})
    }
  })

  it("a guest named after zdemo's ID moves, and only it: zdemo keeps running where it is", async () => {
    const to = other(from)
    const id = (await virsh(from, 'domid', 'zdemo')).stdout.trim()
    expect(id).to.match(/^\d+$/)
    const uuid = '3c3c3c3c-2222-4222-8333-0000000000e1'
    const xml = `<domain type='qemu'><name>${id}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>
      <os><type arch='s390x' machine='s390-ccw-virtio-7.2'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-s390x</emulator></devices></domain>`
    // ssh joins its arguments into one remote command line: the script is quoted once, the XML goes on stdin
    const defined = await execa('ssh', ['-F', join(LAB, 'ssh', 'config'), `root@${IP[from]}`, 'virsh -c qemu:///system define /dev/stdin'], {
      input: xml,
      reject: false,
    })
    expect(defined.exitCode, String(defined.stderr)).to.equal(0)
    try {
      const r = await zm(['migrate', id, '--from', from, '--to', to, '--yes', '--json'])
      expect(r.exitCode, r.stderr + r.stdout.slice(-1500)).to.equal(0)
      expect(lastJson(r.stdout).outcome).to.equal('migrated')
      expect(await guestState(from, 'zdemo')).to.equal('running')
      expect(await guestState(to, 'zdemo')).to.equal('absent')
      // asked by UUID: `domuuid ID` would name whichever guest has that ID on the destination, the very mistake this test is about
      expect((await virsh(to, 'domname', uuid)).stdout.trim()).to.equal(id)
      expect((await virsh(from, 'list', '--all', '--uuid')).stdout).to.not.include(uuid)
      await prove(from)
    } finally {
      for (const h of [from, to]) await virsh(h, 'undefine', '--domain', uuid)
    }
  })

  it('a second migrate of the same guest, or a --resume of the running one, is refused (exit 6) while the first completes', async () => {
    const to = other(from)
    const profile = slow()
    const first = startCli(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
    let journal: string | undefined
    const started = new Promise<void>((resolve) => {
      first.stdout!.setEncoding('utf8')
      first.stdout!.on('data', (chunk: string) => {
        journal ??= /"type":"plan".*?"journal":"([^"]+)"/.exec(chunk)?.[1]
        if (/"type":"step-start"[^\n]*"kind":"migrate"/.test(chunk)) resolve()
      })
    })
    await started
    const second = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json', '--profile', profile])
    const resume = await zm(['migrate', '--resume', journal!, '--json', '--profile', profile])
    const r = await first
    for (const [what, other] of [
      ['migrate', second],
      ['--resume', resume],
    ] as const) {
      expect(other.exitCode, `${what}: ${other.stderr}`).to.equal(6)
      const error = lastJson(other.stdout).error
      expect(error.code).to.equal('E_GUEST_LOCKED')
      expect(error.message).to.include(`PID ${first.pid} `)
    }
    expect(r.exitCode, String(r.stderr)).to.equal(0)
    expect(lastJson(String(r.stdout)).outcome).to.equal('migrated')
    expect(await hasDisk(to, 'vdb')).to.equal(true)
    await prove(to)
  })
})
