import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {InputError, StalePlanError} from '../../src/errors.js'
import {stepsFingerprint} from '../../src/plan/fingerprint.js'
import {assertPlanMatchesProfile, assertStepsIntact} from '../../src/plan/integrity.js'
import {readPlan, writePlan} from '../../src/app/plan-file.js'
import {assertFresh} from '../../src/plan/plan-file.js'
import type {Plan} from '../../src/plan/types.js'
import {testProfile} from '../support/rule-harness.js'
import {setup} from '../support/runner-setup.js'

/** The plan as JSON, edited by `edit`, re-read through the plan file reader. */
async function edited(edit: (p: any) => void, file: string): Promise<Plan> {
  const p = JSON.parse(JSON.stringify(setup().plan))
  edit(p)
  writeFileSync(file, JSON.stringify(p, null, 2))
  return readPlan(file)
}

const stepOfKind = (p: any, kind: string) => p.steps.find((s: any) => s.kind === kind)
const refingerprint = (p: any) => {
  p.fingerprints.steps = stepsFingerprint(p.steps)
}

describe('a plan file is the plan that was checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-integrity-'))
  const file = join(dir, 'plan.json')
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('a plan read back from its file is intact and matches the profile', async () => {
    const plan = setup().plan
    await writePlan(file, plan)
    const read = await readPlan(file)
    expect(() => assertStepsIntact(read)).to.not.throw()
    expect(() => assertPlanMatchesProfile(read, testProfile())).to.not.throw()
    expect(() => assertFresh(read, plan)).to.not.throw()
  })

  it('an edited destination URI is refused (exit 5) whether or not the fingerprint was recomputed', async () => {
    const toOther = (p: any) => (stepOfKind(p, 'migrate').migrate.destinationUri = 'qemu+ssh://attacker.example/system')
    const plain = await edited(toOther, file)
    const e = (() => {
      try {
        assertStepsIntact(plain)
      } catch (x) {
        return x as StalePlanError
      }
    })()
    expect(e).to.be.instanceOf(StalePlanError)
    expect(e!.exitCode).to.equal(5)
    expect(e!.message).to.match(/was edited: its steps do not match their fingerprint/)
    const forged = await edited((p) => (toOther(p), refingerprint(p)), file)
    expect(() => assertStepsIntact(forged)).to.not.throw()
    expect(() => assertPlanMatchesProfile(forged, testProfile())).to.throw(
      StalePlanError,
      /migrates from its source to qemu\+ssh:\/\/attacker\.example\/system, which is not the migration URI of dst/,
    )
    expect(() => assertFresh(forged, setup().plan)).to.throw(StalePlanError, /steps computed now differ/)
  })

  it("an undo's image path changed to /etc/shadow, fingerprint recomputed: differs from the fresh plan", async () => {
    const forged = await edited((p) => {
      stepOfKind(p, 'create-image').undo.image.path = '/etc/shadow'
      refingerprint(p)
    }, file)
    expect(() => assertFresh(forged, setup().plan)).to.throw(StalePlanError)
  })

  const refused: [string, (p: any) => void, RegExp][] = [
    [
      'a bus-ID that climbs out of sysfs',
      (p) => (stepOfKind(p, 'set-dasd-online').busIds = ['../../../devices/system/cpu/cpu1']),
      /steps\.0\.busIds\.0: a CCW bus-ID/,
    ],
    [
      'an image path that qemu-img would read as options',
      (p) => (stepOfKind(p, 'create-image').image.path = '-obacking_file=/etc/hostname,backing_fmt=raw'),
      /image\.path: an absolute, normalised path/,
    ],
    ['a relative image path', (p) => (stepOfKind(p, 'create-image').image.path = 'images/x.qcow2'), /image\.path/],
    ['a path with ..', (p) => (stepOfKind(p, 'create-image').undo.image.path = '/var/lib/libvirt/../../etc/shadow'), /undo\.image\.path/],
    ['an unknown image format', (p) => (stepOfKind(p, 'create-image').image.format = 'qcow2 -o backing_file=/etc/shadow'), /image\.format/],
    ['a disk target with a comma', (p) => (stepOfKind(p, 'migrate').migrate.copyDisks = ['vda,vdb']), /copyDisks\.0: a disk target/],
    ['a guest without a UUID', (p) => delete p.guest.uuid, /guest\.uuid/],
    ['a guest UUID that is an option', (p) => (p.guest.uuid = '--all'), /guest\.uuid: a UUID/],
    ['a date that is not one', (p) => (p.createdAt = 'not a date'), /createdAt/],
    [
      'a device XML of another kind than it claims',
      (p) => (stepOfKind(p, 'detach-device').device.xml = "<domain type='kvm'/>"),
      /device\.xml: the device XML must be one element/,
    ],
    ['a step kind without its fields', (p) => delete stepOfKind(p, 'verify').expect, /expect/],
    ['an unknown step kind', (p) => (p.steps[0].kind = 'run-shell'), /steps\.0\.kind/],
  ]
  for (const [what, edit, message] of refused) {
    it(`refuses ${what} when the file is read (exit 2)`, async () => {
      const e = await edited(edit, file).catch((x) => x)
      expect(e).to.be.instanceOf(InputError)
      expect(e.exitCode).to.equal(2)
      expect(e.message).to.match(message)
    })
  }
})
