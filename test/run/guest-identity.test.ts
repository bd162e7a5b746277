import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseDomainXml} from '../../src/domain/parse.js'
import {parseXmlFragment} from '../../src/domain/xml-fragment.js'
import {buildPlan} from '../../src/plan/build-plan.js'
import {applyJournal} from '../../src/run/apply.js'
import {newJournal} from '../../src/run/journal.js'
import {guestXml} from '../support/domain-xml.js'
import {FakeWorld} from '../support/fake-libvirt.js'
import {emptyFacts, makeContext} from '../support/rule-harness.js'

const UUID_ONE = '11111111-2222-4333-8444-555555555555'

describe('the right guest, always (addressed by UUID)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-identity-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it("a guest named '1' moves, and the guest whose ID is 1 stays where it is", async () => {
    const one = parseDomainXml(guestXml('', {name: '1'}).replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${UUID_ONE}</uuid>`), 'test')
    const other = parseDomainXml(guestXml('', {name: 'zother'}), 'test')
    const plan = buildPlan({
      context: makeContext({domain: one, source: emptyFacts('src', {guests: [{name: '1', uuid: UUID_ONE, state: 'running', persistent: true, xml: one.xml}]})}),
      findings: [],
      toolVersion: 'test',
    })
    for (const step of plan.steps) for (const argv of step.commands) expect(argv[argv.indexOf('--domain') + 1], step.id).to.equal(UUID_ONE)

    const world = new FakeWorld()
    const src = world.addHost('src', 'qemu+ssh://src/system')
    const dst = world.addHost('dst', 'qemu+ssh://dst/system')
    // virsh resolves `--domain 1` as "the domain with ID 1" first: zother here
    src.domains.set('zother', {state: 'running', xml: parseXmlFragment(other.xml), id: 1})
    src.domains.set('1', {state: 'running', xml: parseXmlFragment(one.xml), id: 7})
    const hosts = {
      source: {t: world.transport('src'), uri: 'qemu:///system', root: '/'},
      destination: {t: world.transport('dst'), uri: 'qemu:///system', root: '/'},
    }
    const journal = await applyJournal(newJournal(plan, dir), {hosts, emit: () => undefined, progressIntervalMs: 5})

    expect(journal.status).to.equal('succeeded')
    expect([...dst.domains.keys()]).to.deep.equal(['1'])
    expect([...src.domains.keys()]).to.deep.equal(['zother'])
    expect(src.domains.get('zother')?.state).to.equal('running')
  })
})
