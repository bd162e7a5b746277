// End-to-end on the lab: the preflight gaps a new user hit. A disk that is neither copied nor
// detached must exist on the destination (a block device node only on the source is refused by
// check and by migrate before anything changes); a vhost-scsi pass-through blocks.
import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {useLab} from '../support/lab-suite.js'
import {lastJson} from '../support/ndjson.js'
import {guestState, hasDisk, onHost, other, whereIs, zm, LAB, REPO, type LabHostName} from '../support/lab-cli.js'

const virsh = (h: LabHostName, ...args: string[]) => onHost(h, ['virsh', '-c', 'qemu:///system', ...args])

describe('@lab preflight: what check must refuse before anything changes', function () {
  this.timeout(10 * 60_000)
  let from: LabHostName

  useLab()
  before(async () => {
    from = (await whereIs()) ?? 'zhost-a'
    expect(await guestState(from)).to.equal('running')
  })

  it('a block device that exists only on the source: check and migrate refuse it (exit 1), nothing changes', async () => {
    const to = other(from)
    const backing = join(LAB, 'e2e-acc1-blk.img')
    await execa('truncate', ['-s', '8M', backing])
    const loop = (await execa('losetup', ['-f', '--show', backing])).stdout.trim()
    const node = '/var/lib/libvirt/scratch/acc1-blk'
    try {
      const [major, minor] = (await execa('stat', ['-c', '%t %T', loop])).stdout
        .trim()
        .split(' ')
        .map((h) => Number.parseInt(h, 16))
      expect((await onHost(from, ['mknod', node, 'b', String(major), String(minor)])).exitCode).to.equal(0)
      expect((await virsh(from, 'attach-disk', 'zdemo', node, 'vdc', '--targetbus', 'virtio', '--live')).exitCode).to.equal(0)

      const check = await zm(['check', 'zdemo', '--from', from, '--to', to, '--json'])
      expect(check.exitCode, check.stderr).to.equal(1)
      const blockers = JSON.parse(check.stdout).guests[0].findings.filter((f: {severity: string}) => f.severity === 'blocker')
      expect(blockers.map((f: {rule: string; subject: string}) => `${f.rule} ${f.subject}`)).to.deep.equal([
        `disk-source-missing-on-destination disk vdc (${node})`,
      ])

      const data = mkdtempSync(join(tmpdir(), 'zm-e2e-preflight-'))
      const r = await zm(['migrate', 'zdemo', '--from', from, '--to', to, '--yes', '--json'], {ZMIGRATE_DATA_DIR: data})
      expect(r.exitCode, r.stderr).to.equal(1)
      expect(lastJson(r.stdout).error.code).to.equal('E_BLOCKED')
      expect(existsSync(join(data, 'journals')) ? readdirSync(join(data, 'journals')) : []).to.deep.equal([])
      rmSync(data, {recursive: true, force: true})
      expect(await guestState(from)).to.equal('running')
      expect(await guestState(to)).to.equal('absent')
      expect(await hasDisk(from, 'vdc')).to.equal(true)
      expect(await hasDisk(from, 'vdb')).to.equal(true)
    } finally {
      await virsh(from, 'detach-disk', 'zdemo', 'vdc', '--live')
      await onHost(from, ['rm', '-f', node])
      await execa('losetup', ['-d', loop], {reject: false})
      rmSync(backing, {force: true})
    }
    expect(await hasDisk(from, 'vdc')).to.equal(false)
  })

  it("a vhost-scsi pass-through (libvirt's own s390x test document) is a blocker with a remedy", async () => {
    const xml = join(REPO, 'test/fixtures/corpus/domains/hostdev-scsi-vhost-scsi-ccw.xml')
    const r = await zm(['check', '--domain-xml', xml, '--from', from, '--to', other(from), '--json'])
    expect(r.exitCode, r.stderr).to.equal(1)
    const finding = JSON.parse(r.stdout).guests[0].findings.find((f: {rule: string}) => f.rule === 'vhost-scsi-device')
    expect(finding).to.include({severity: 'blocker', subject: 'hostdev scsi_host naa.5123456789abcde0'})
    expect(finding.remedy).to.match(/detach-for-migration/)
  })
})
