// A run cancelled by `zmigrate cancel` (src/run/apply.ts, apply-plan.ts): it stops its step and
// rolls back as for Ctrl-C, and says who cancelled it; once the migration is verified it stands
// (only the cleanup after it is skipped); under the guest's lock, the request file beside it is
// what aborts it, and the journal records who asked.
import {expect} from 'chai'
import {existsSync, readdirSync, rmSync} from 'node:fs'
import {HostPool} from '../../src/hosts/connect.js'
import type {HostTransport} from '../../src/hosts/transport.js'
import {renderMigrationReport} from '../../src/report/migrate-text.js'
import {applyPlanOrResume} from '../../src/run/apply-plan.js'
import {cancelledByUser, guestCancelFile, newCancelRequest, writeCancelRequest} from '../../src/run/cancel-request.js'
import {lockDir, readLock} from '../../src/run/guest-lock.js'
import {loadJournal} from '../../src/run/journal.js'
import {migrationReport} from '../../src/run/report.js'
import {domain, setup} from '../support/runner-setup.js'
import {testProfile} from '../support/rule-harness.js'

describe('a run cancelled by zmigrate cancel', () => {
  const dirs: string[] = []
  after(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))

  it('stops the step and rolls back, and the step and the report say who cancelled it', async () => {
    const s = setup()
    dirs.push(s.dir)
    const controller = new AbortController()
    const j = await s.apply(s.journal, {
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'step-done' && e.step.includes('create-image')) controller.abort(cancelledByUser('admin@4242'))
      },
    })
    expect(j.status).to.equal('rolled-back')
    expect(j.steps.find((x) => x.state === 'failed')?.error).to.equal('cancelled by user (admin@4242)')
    expect(s.dst.files.size).to.equal(0)
    const text = renderMigrationReport(migrationReport(j))
    expect(text).to.include('linux01: migration cancelled by user (admin@4242); everything was rolled back — linux01 is on src as before.')
  })

  it('once the migration is verified it stands: the cleanup after it is left, nothing is undone', async () => {
    const s = setup({migration: {sourceImages: 'remove'}})
    dirs.push(s.dir)
    const controller = new AbortController()
    const j = await s.apply(s.journal, {
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'step-done' && e.step.endsWith('-verify')) controller.abort(cancelledByUser('admin@4242'))
      },
    })
    expect(j.status).to.equal('succeeded')
    expect(j.undo).to.deep.equal([])
    const left = j.steps.at(-1)
    expect(left?.id).to.match(/remove-source-copy/)
    expect([left?.state, left?.error]).to.deep.equal(['failed', 'cancelled by user (admin@4242): not run'])
    expect(s.dst.domains.has('linux01')).to.equal(true)
    expect(s.src.domains.has('linux01')).to.equal(false)
    const report = migrationReport(j)
    expect(report.outcome).to.equal('migrated')
    expect(report.sourceImages?.[0]).to.include({state: 'left', reason: 'cancelled by user (admin@4242): not run'})
  })

  it('under the lock: the request file beside it aborts the run; the journal records who asked; request and lock are gone after', async () => {
    const s = setup()
    dirs.push(s.dir)
    // virsh migrate runs until it is stopped, as a long migration does
    const pool = new HostPool({
      connect: async (h) => {
        const t = s.world.transport(h.name)
        // ended by virsh domjobabort (what zmigrate sends on a cancel), or by the run's signal
        let endJob: (() => void) | undefined
        const run: HostTransport['run'] = async (argv, opts = {}) => {
          if (argv[0] === 'virsh' && argv[3] === 'domjobabort' && endJob) {
            endJob()
            return {stdout: '', stderr: '', exitCode: 0}
          }
          if (argv[0] !== 'virsh' || argv[3] !== 'migrate') return t.run(argv, opts)
          await new Promise<void>((resolve) => {
            endJob = resolve
            if (opts.signal?.aborted) resolve()
            else opts.signal?.addEventListener('abort', () => resolve())
          })
          return {stdout: '', stderr: 'error: operation aborted: migration out: canceled by client\n', exitCode: 1}
        }
        return {hostName: t.hostName, kind: t.kind, roundTrips: 0, run, close: () => t.close()}
      },
    })
    let asked = false
    const {journal, report} = await applyPlanOrResume(
      {
        profile: testProfile(),
        plan: s.plan,
        dataDir: s.dir,
        emit: (e) => {
          if (asked || e.type !== 'step-start' || e.kind !== 'migrate') return
          asked = true
          expect(readdirSync(lockDir(s.dir))).to.deep.equal([`${domain.uuid?.toLowerCase()}.lock`])
          void readLock(s.dir, s.plan.guest.uuid).then(async (lock) => {
            if (lock)
              await writeCancelRequest(
                guestCancelFile(s.dir, s.plan.guest.uuid),
                newCancelRequest({kind: 'guest', uuid: lock.uuid, name: 'linux01'}, lock.holder),
              )
          })
        },
      },
      pool,
    )
    expect(asked).to.equal(true)
    expect(report.outcome).to.equal('rolled-back')
    const failed = report.steps.find((x) => x.state === 'failed')
    expect(failed?.kind).to.equal('migrate')
    expect(failed?.error).to.match(/^cancelled by user \(\S+@\d+\) during \d\d-migrate$/)
    const onDisk = await loadJournal(journal.file)
    const event = onDisk.events.find((e) => e.type === 'cancel-requested')
    expect(event?.data).to.include({pid: process.pid})
    expect(event?.message).to.match(/^cancelled by user \(\S+@\d+ on \S+, at \d{4}-/)
    expect(existsSync(guestCancelFile(s.dir, s.plan.guest.uuid))).to.equal(false)
    expect(readdirSync(lockDir(s.dir))).to.deep.equal([])
  })
})
