import {expect} from 'chai'
import {lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {InputError, StalePlanError} from '../../src/errors.js'
import {readPlan, writePlan} from '../../src/app/plan-file.js'
import {assertFresh} from '../../src/plan/plan-file.js'
import {sha256, stepsFingerprint} from '../../src/plan/fingerprint.js'
import type {Plan, PlanStep} from '../../src/plan/types.js'

const dir = mkdtempSync(join(tmpdir(), 'zm-planfile-'))
const steps: PlanStep[] = [
  {
    id: '01-verify',
    kind: 'verify',
    host: 'destination',
    description: 'verify zdemo is running on zhost-b',
    commands: [],
    because: [],
    expect: {guestOn: 'destination', state: 'running', sourceState: 'absent', devices: []},
  },
]
const plan: Plan = {
  formatVersion: 1,
  tool: {name: 'zmigrate', version: '0.1.0'},
  createdAt: '2026-11-22T10:00:00.000Z',
  profile: {site: 'lab', file: 'profiles/lab.yaml'},
  guest: {name: 'zdemo', uuid: 'c7a5fdbd-edaf-9455-926a-d65c16db1809', state: 'running', memoryKiB: 262144},
  source: {host: 'zhost-a'},
  destination: {host: 'zhost-b'},
  fingerprints: {domainXml: sha256('a'), findings: sha256('f'), steps: stepsFingerprint(steps), profile: sha256('p')},
  findings: [{rule: 'local-disk-copy', category: 'storage', severity: 'action', subject: 'disk vda', message: 'copied', remedy: 'nothing to do'}],
  steps,
}

describe('plan files', () => {
  it('round-trips through a file', async () => {
    const f = join(dir, 'ok.json')
    await writePlan(f, plan)
    expect(await readPlan(f)).to.deep.equal(plan)
  })

  it('replaces a symlink at the plan path instead of writing through it (zmigrate runs as root)', async () => {
    const d = mkdtempSync(join(dir, 'link-'))
    const victim = join(d, 'victim')
    writeFileSync(victim, 'precious\n')
    const f = join(d, 'zdemo.plan.json')
    symlinkSync(victim, f)
    await writePlan(f, plan)
    expect(readFileSync(victim, 'utf8')).to.equal('precious\n')
    expect(lstatSync(f).isFile()).to.equal(true)
    expect(statSync(f).mode & 0o777).to.equal(0o600)
    expect(await readPlan(f)).to.deep.equal(plan)
    expect(readdirSync(d).sort()).to.deep.equal(['victim', 'zdemo.plan.json'])
  })

  it('replaces a plan as a whole: a reader of the old file never sees it truncated or mixed', async () => {
    const f = join(dir, 'replace.json')
    await writePlan(f, plan)
    const old = readFileSync(f, 'utf8')
    const reader = await open(f, 'r')
    try {
      await writePlan(f, {...plan, guest: {...plan.guest, name: 'zdemo2'}})
      expect(await reader.readFile('utf8')).to.equal(old)
    } finally {
      await reader.close()
    }
    expect((await readPlan(f)).guest.name).to.equal('zdemo2')
  })

  it('rejects malformed JSON with the file and line (exit 2)', async () => {
    const f = join(dir, 'broken.json')
    writeFileSync(f, '{\n  "formatVersion": 1,\n  "tool": \n}\n')
    const e = await readPlan(f).catch((x) => x)
    expect(e).to.be.instanceOf(InputError)
    expect(e.exitCode).to.equal(2)
    expect(e.message).to.match(new RegExp(`^${f}(:\\d+:\\d+)?: plan is not valid JSON`))
    writeFileSync(f, '{\n  "formatVersion": 1,\n  "tool" 2}\n')
    expect((await readPlan(f).catch((x) => x)).message).to.match(new RegExp(`^${f}:3:10: plan is not valid JSON`))
  })

  it('rejects a document that is not a plan, naming the first bad field', async () => {
    const f = join(dir, 'notplan.json')
    writeFileSync(f, JSON.stringify({...plan, steps: [{id: 'x'}]}))
    const e = await readPlan(f).catch((x) => x)
    expect(e).to.be.instanceOf(InputError)
    expect(e.message).to.match(/steps\.0\.\w+/)
  })

  it('a missing file is an input error, not a crash', async () => {
    const e = await readPlan(join(dir, 'nope.json')).catch((x) => x)
    expect(e).to.be.instanceOf(InputError)
    expect(e.message).to.match(/ENOENT/)
  })

  describe('staleness', () => {
    it('accepts a plan recomputed to the same thing', () => expect(() => assertFresh(plan, structuredClone(plan))).to.not.throw())
    it('refuses when the guest XML changed (exit 5)', () => {
      const e = (() => {
        try {
          assertFresh(plan, {...plan, fingerprints: {...plan.fingerprints, domainXml: sha256('b')}})
        } catch (x) {
          return x as StalePlanError
        }
      })()
      expect(e).to.be.instanceOf(StalePlanError)
      expect(e!.exitCode).to.equal(5)
      expect(e!.message).to.match(/zdemo's domain XML changed/)
    })
    it('says which findings appeared or went away', () => {
      const fresh = {
        ...plan,
        fingerprints: {...plan.fingerprints, findings: sha256('g')},
        findings: [
          {
            rule: 'vfio-ccw-device',
            category: 'devices' as const,
            severity: 'blocker' as const,
            subject: 'hostdev vfio-ccw 90c6',
            message: 'no mdev',
            remedy: 'create one',
          },
        ],
      }
      expect(() => assertFresh(plan, fresh)).to.throw(StalePlanError, /new: vfio-ccw-device: hostdev vfio-ccw 90c6: no mdev; gone: local-disk-copy/)
    })
    it('refuses when the guest changed state', () => {
      expect(() => assertFresh(plan, {...plan, guest: {...plan.guest, state: 'shut off'}})).to.throw(StalePlanError, /was running and is shut off now/)
    })
    it('refuses when the profile changed', () => {
      expect(() => assertFresh(plan, {...plan, fingerprints: {...plan.fingerprints, profile: sha256('q')}})).to.throw(StalePlanError, /profile/)
    })
  })
})
