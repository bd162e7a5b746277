// End-to-end on the lab: real ansible-playbook runs (Debian's ansible-core) of the collection
// zmigrate.zkvm (ansible/) against the three-host lab, zmigrate (the build, bin/run.js) running on
// this machine as the controller. The playbooks are ansible/playbooks/lab/*.yml; each writes its
// tasks' results to a JSON file the test reads. Each test leaves zdemo running on one host.
import {expect} from 'chai'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ansiblePython, ansibleTool, BUILT_CLI, runTool} from '../support/ansible.js'
import {useLab} from '../support/lab-suite.js'
import {guestState, hasDisk, LAB_HOSTS, labProfile, onHost, other, REPO, sendHome, whereIs, zm, type LabHostName, proveAlive} from '../support/lab-cli.js'

const PLAYBOOKS = join(REPO, 'ansible', 'playbooks', 'lab')
const LAB_PROFILE = join(REPO, 'profiles', 'lab.yaml')

/** What a check-mode run must leave alone on a host: its guests and their states, zdemo's disks, the image and scratch files. */
async function hostSnapshot(h: LabHostName): Promise<string> {
  const v = 'virsh -c qemu:///system'
  const r = await onHost(h, [
    `${v} list --all --name | sort; for d in $(${v} list --all --name); do echo "$d: $(${v} domstate "$d")"; ${v} domblklist "$d"; done; ` +
      `find /var/lib/libvirt/images /var/lib/libvirt/scratch -maxdepth 1 -printf '%p %s\\n' | sort`,
  ])
  expect(r.exitCode, r.stderr).to.equal(0)
  return r.stdout
}

const prove = (on: LabHostName) => proveAlive(on, {waitSeconds: 5})

describe('@lab zmigrate from Ansible: the collection zmigrate.zkvm on the lab', function () {
  this.timeout(15 * 60_000)
  let work: string
  let data: string
  let inventory: string
  let from: LabHostName
  let cli: string

  /** ansible-playbook PLAYBOOK with these extra vars (one undefined is not passed); the results file it wrote. */
  async function playbook(
    name: string,
    vars: Record<string, string | undefined>,
    opts: {args?: string[]; inventory?: string} = {},
  ): Promise<Record<string, any>> {
    const results = join(work, `${name}-${Date.now()}.json`)
    const extra = join(work, `${name}-vars.json`)
    writeFileSync(extra, JSON.stringify({zmigrate_path: cli, zmigrate_data_dir: data, zmigrate_profile: LAB_PROFILE, results, ...vars}))
    const r = await runTool(
      ansibleTool('ansible-playbook'),
      ['-i', opts.inventory ?? inventory, join(PLAYBOOKS, `${name}.yml`), '-e', `@${extra}`, ...(opts.args ?? [])],
      {
        timeout: 10 * 60_000,
      },
    )
    expect(r.exitCode, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`).to.equal(0)
    expect(existsSync(results), `${name}.yml wrote no results:\n${r.stdout.slice(-3000)}`).to.equal(true)
    return JSON.parse(readFileSync(results, 'utf8'))
  }

  const journals = () => (existsSync(join(data, 'journals')) ? readdirSync(join(data, 'journals')) : [])

  useLab()
  before(async function () {
    this.timeout(5 * 60_000)
    ansibleTool('ansible-playbook')
    // the built CLI is the one the playbooks run: refuse a missing or stale build before any playbook
    expect((await zm(['profile', 'show', '--json'])).exitCode).to.equal(0)
    work = mkdtempSync(join(tmpdir(), 'zm-e2e-ansible-'))
    data = join(work, 'data')
    mkdirSync(data, {mode: 0o700})
    inventory = join(work, 'localhost.ini')
    // the build, run by this test's Node whatever PATH the modules see
    cli = join(work, 'zmigrate')
    writeFileSync(cli, `#!/bin/sh\nexec '${process.execPath}' '${BUILT_CLI}' "$@"\n`, {mode: 0o755})
    writeFileSync(inventory, `localhost ansible_connection=local ansible_python_interpreter=${ansiblePython()}\n`)
  })

  beforeEach(async function () {
    from = (await whereIs()) ?? 'zhost-a'
    expect(await guestState(from)).to.equal('running')
  })

  after(async function () {
    // leave the lab guests at home on zhost-a, as lab/up made them, for whoever comes next
    this.timeout(300_000)
    await sendHome()
    if (work) rmSync(work, {recursive: true, force: true})
  })

  it('check mode (check, the guest plan, the evacuation placement) changes nothing on any host', async () => {
    const to = other(from)
    const snapshots = async () => Promise.all(LAB_HOSTS.map((h) => hostSnapshot(h)))
    const before = await snapshots()
    const journalsBefore = journals()
    const r = await playbook('preview', {from, to}, {args: ['--check', '--diff']})

    expect(r.check.failed ?? false, r.check.msg).to.equal(false)
    expect(r.check.changed).to.equal(false)
    const pair = r.check.readiness.find((p: {destination: string}) => p.destination === to)
    expect(pair, JSON.stringify(r.check.readiness)).to.deep.include({guest: 'zdemo', status: 'actions', blockers: []})

    expect(r.guest.failed ?? false, r.guest.msg).to.equal(false)
    expect(r.guest.changed).to.equal(true)
    expect(r.guest.source).to.equal(from)
    expect(r.guest.host).to.equal(from)
    expect(r.guest.plan.steps.map((s: {kind: string}) => s.kind)).to.include.members(['detach-device', 'migrate', 'attach-device', 'verify'])

    expect(r.evacuate.failed ?? false, r.evacuate.msg).to.equal(false)
    expect(r.evacuate.changed).to.equal(true)
    const zdemo = (r.evacuate.moved as {guest: string; uuid: string; from: string; to: string}[]).find((m) => m.guest === 'zdemo')
    expect(zdemo).to.deep.include({uuid: r.guest.uuid, from})
    expect(LAB_HOSTS.filter((h) => h !== from)).to.include(zdemo?.to)

    expect(await snapshots()).to.deep.equal(before)
    expect(await guestState(from)).to.equal('running')
    expect(journals()).to.deep.equal(journalsBefore)
  })

  it('moving zdemo there and back: changed the first time, unchanged when repeated (with and without from)', async () => {
    const to = other(from)
    const there = await playbook('move-zdemo', {to}, {args: ['--diff']})
    expect(there.guest.failed ?? false, there.guest.msg).to.equal(false)
    expect(there.guest).to.deep.include({changed: true, source: from, host: to, destination: to, rc: 0})
    expect(there.guest.report.outcome).to.equal('migrated')
    expect(await guestState(to)).to.equal('running')
    expect(await guestState(from)).to.equal('absent')
    expect(await hasDisk(to, 'vdb')).to.equal(true)
    await prove(to)

    const again = await playbook('move-zdemo', {to})
    expect(again.guest.failed ?? false, again.guest.msg).to.equal(false)
    expect(again.guest).to.deep.include({changed: false, host: to})
    expect(again.guest.report).to.equal(undefined)

    const back = await playbook('move-zdemo', {to: from, from: to})
    expect(back.guest.failed ?? false, back.guest.msg).to.equal(false)
    expect(back.guest).to.deep.include({changed: true, source: to, host: from})
    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')

    const backAgain = await playbook('move-zdemo', {to: from, from: to})
    expect(backAgain.guest).to.deep.include({changed: false, host: from})
    await prove(from)
  })

  it("a guest with a blocker fails with the blocker's rule id in the result, and stays", async () => {
    const to = other(from)
    // zdemo's data disk is host-local: the plan copies it (local-disk-copy, an action); this profile makes that a blocker
    const blocking = labProfile((d) => {
      d.rules = {...d.rules, 'local-disk-copy': {severity: 'blocker', reason: 'e2e: the Ansible test needs a guest with a blocker'}}
    })
    const journalsBefore = journals()
    const r = await playbook('blocked', {to, zmigrate_profile: blocking})
    expect(r.guest.failed).to.equal(true)
    expect(r.guest.changed).to.equal(false)
    expect(r.guest.blockers).to.deep.equal(['local-disk-copy'])
    expect(r.guest.findings[0]).to.deep.include({rule: 'local-disk-copy', severity: 'blocker'})
    expect(r.guest.msg).to.include('local-disk-copy')
    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')
    expect(journals()).to.deep.equal(journalsBefore)
  })

  it('the inventory plugin lists the lab hosts, and a play over them runs zmigrate on the controller', async () => {
    const labInventory = join(REPO, 'ansible', 'inventory', 'lab.zmigrate.yml')
    const listed = await runTool(ansibleTool('ansible-inventory'), ['-i', labInventory, '--list'])
    expect(listed.exitCode, listed.stderr).to.equal(0)
    const inv = JSON.parse(listed.stdout)
    expect(inv.lab.hosts).to.deep.equal(['zhost-a', 'zhost-b', 'zhost-c'])
    expect(inv._meta.hostvars['zhost-a'].ansible_host).to.equal('127.0.0.2')
    expect(inv._meta.hostvars['zhost-b'].ansible_host).to.equal('127.0.0.3')
    expect(inv._meta.hostvars['zhost-c'].ansible_host).to.equal('127.0.0.4')

    // the modules' profile is the inventory's host variable zmigrate_profile: the profile it was read from
    const r = await playbook('site-readiness', {zmigrate_profile: undefined}, {inventory: labInventory})
    expect(Object.keys(r).sort()).to.deep.equal(['zhost-a', 'zhost-b', 'zhost-c'])
    const zdemoRows = (h: LabHostName) =>
      r[h].readiness.filter((p: {guest: string}) => p.guest === 'zdemo').map((p: {destination: string; status: string}) => `${p.destination} ${p.status}`)
    expect(r[from].failed ?? false, r[from].msg).to.equal(false)
    expect(r[from].cmd).to.include.members(['--profile', LAB_PROFILE])
    const others = LAB_HOSTS.filter((h) => h !== from)
    expect(zdemoRows(from)).to.deep.equal(others.map((h) => `${h} actions`))
    for (const h of others) {
      expect(r[h].failed ?? false, r[h].msg).to.equal(false)
      expect(zdemoRows(h)).to.deep.equal([])
    }
  })

  it('evacuating the host and bringing its guests home: changed, changed, then unchanged', async () => {
    // every guest defined on the host leaves (the lab's other guests with zdemo when they are there)
    const there = (await onHost(from, ['virsh', '-c', 'qemu:///system', 'list', '--all', '--name'])).stdout
      .split('\n')
      .filter((n) => n.trim())
      .sort()
    const r = await playbook('evacuate-and-return', {from})
    expect(r.evacuate.failed ?? false, r.evacuate.msg).to.equal(false)
    expect(r.evacuate.changed).to.equal(true)
    const moved = r.evacuate.moved as {guest: string; to: string}[]
    expect(moved.map((m) => m.guest).sort()).to.deep.equal(there)
    const to = moved.find((m) => m.guest === 'zdemo')?.to as LabHostName
    expect(LAB_HOSTS.filter((h) => h !== from)).to.include(to)
    expect(r.return.failed ?? false, r.return.msg).to.equal(false)
    expect(r.return.changed).to.equal(true)
    expect((r.return.moved as {guest: string; to: string}[]).map((m) => `${m.guest} ${m.to}`).sort()).to.deep.equal(there.map((g) => `${g} ${from}`))
    expect(r.again.failed ?? false, r.again.msg).to.equal(false)
    expect(r.again.changed).to.equal(false)
    expect([...r.again.home].sort()).to.deep.equal(there)
    expect(await guestState(from)).to.equal('running')
    expect(await guestState(to)).to.equal('absent')
    await prove(from)
  })
})
