// A host's jobs for some guests in one round trip (src/run/guest-jobs.ts): the script run for real
// by sh against a stand-in virsh, and what each answer of virsh domjobinfo means.
import {expect} from 'chai'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {LocalTransport} from '../../src/hosts/local.js'
import {guestJobs, JOBS_SCRIPT, operationName, parseGuestJobs} from '../../src/run/guest-jobs.js'

const A = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b01'
const B = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b02'
const C = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b03'

/** virsh 9's --rawstats of an outgoing migration (recorded shape, numbers made round). */
const OUTGOING = 'type: 2\noperation: 5\ntime_elapsed: 5000\ndata_total: 1000\ndata_processed: 250\ndata_remaining: 750\nmemory_bps: 100\n'

const section = (uuid: string, body: string, rc: number, name?: string) =>
  `\n::zm-job:: ${uuid}\n${name !== undefined ? `::zm-name:: ${name}\n` : ''}${body}\n::zm-rc:: ${rc}\n`

describe("a host's migration jobs (virsh domjobinfo per guest, one round trip)", () => {
  it('reads each answer: active with its operation and statistics, incoming, absent, none, unsupported, or the error', () => {
    const jobs = parseGuestJobs(
      section(A, OUTGOING, 0) +
        section(B, 'error: Operation not supported: migration statistics are available only on the source host', 1) +
        section(C, "error: failed to get domain '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b03'", 1) +
        section('0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b04', 'Job type:         None\n', 0) +
        section('0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b05', 'error: this function is not supported by the connection driver: virDomainGetJobStats', 1) +
        section('0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b06', 'error: Requested operation is not valid: domain is not running', 1) +
        section('0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b07', 'error: internal error: client socket is closed', 1),
    )
    expect(jobs.map((j) => [j.uuid.slice(-2), j.state, j.operation])).to.deep.equal([
      ['01', 'active', 'migration-out'],
      ['02', 'incoming', 'migration-in'],
      ['03', 'absent', undefined],
      ['04', 'none', undefined],
      ['05', 'unsupported', undefined],
      ['06', 'none', undefined],
      ['07', 'error', undefined],
    ])
    expect(jobs[0].stats).to.include({dataTotal: 1000, dataRemaining: 750, memoryBps: 100, elapsedMs: 5000})
    expect(jobs[6].message).to.equal('internal error: client socket is closed')
  })

  it('the first answer for a UUID counts; a section cut short, or not a UUID, is skipped; names come with --all', () => {
    const jobs = parseGuestJobs(
      section(A, OUTGOING, 0, 'web01') + section(A, 'error: x', 1) + section('not-a-uuid', OUTGOING, 0) + `\n::zm-job:: ${B}\ntype: 2\n`,
    )
    expect(jobs.map((j) => [j.uuid, j.state, j.name])).to.deep.equal([[A, 'active', 'web01']])
  })

  it('names the operations by libvirt number and by virsh label', () => {
    expect(['4', '5', '2', '9', 'Outgoing migration', 'Incoming migration', 'Snapshot'].map(operationName)).to.deep.equal([
      'migration-in',
      'migration-out',
      'save',
      'backup',
      'migration-out',
      'migration-in',
      'snapshot',
    ])
  })

  describe('the script, run by sh against a stand-in virsh', () => {
    let bin: string
    before(() => {
      bin = mkdtempSync(join(tmpdir(), 'zm-virsh-'))
      // list --uuid: A and C; domname: a name; domjobinfo: A active, B incoming, C none
      writeFileSync(
        join(bin, 'virsh'),
        `#!/bin/sh
case "$*" in
  *"list --uuid"*) printf '%s\\n%s\\n' ${A} ${C} ;;
  *domname*) echo "guest-$6" ;;
  *"domjobinfo --domain ${A}"*) printf '${OUTGOING.replace(/\n/g, '\\n')}' ;;
  *"domjobinfo --domain ${B}"*) echo 'error: Operation not supported: migration statistics are available only on the source host' >&2; exit 1 ;;
  *) echo 'Job type:         None' ;;
esac
`,
      )
      chmodSync(join(bin, 'virsh'), 0o755)
    })
    after(() => rmSync(bin, {recursive: true, force: true}))

    const onPath = () => {
      const t = new LocalTransport('zlpar1')
      const run = t.run.bind(t)
      // the stand-in first on PATH, as a host's own virsh would be
      t.run = (argv, opts) => run(['env', `PATH=${bin}:${process.env.PATH}`, ...argv], opts)
      return t
    }

    it('asks for each guest given, with its exit status', async () => {
      const jobs = await guestJobs(onPath(), 'qemu:///system', [A, B.toUpperCase(), A])
      expect(jobs.map((j) => [j.uuid, j.state])).to.deep.equal([
        [A, 'active'],
        [B, 'incoming'],
      ])
      expect(jobs[0].name).to.equal(undefined)
    })

    it('with all, also every active guest of the host, each with its name', async () => {
      const jobs = await guestJobs(onPath(), 'qemu:///system', [B], {all: true})
      expect(jobs.map((j) => [j.uuid, j.state, j.name])).to.deep.equal([
        [B, 'incoming', 'guest-' + B],
        [A, 'active', 'guest-' + A],
        [C, 'none', 'guest-' + C],
      ])
    })

    it('nothing to ask: no command at all', async () => {
      const t = onPath()
      expect(await guestJobs(t, 'qemu:///system', ['not-a-uuid'])).to.deep.equal([])
      expect(t.roundTrips).to.equal(0)
    })

    it('the script is a constant: UUIDs are its arguments', () => {
      expect(JOBS_SCRIPT).to.not.include(A)
    })
  })
})
