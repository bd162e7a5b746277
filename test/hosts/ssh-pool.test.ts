import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {HostAccessError} from '../../src/errors.js'
import {connectHost, HostPool} from '../../src/hosts/connect.js'
import {LocalTransport} from '../../src/hosts/local.js'
import {freePort, startSshd, type TestSshd} from '../support/sshd.js'

describe('connectHost and HostPool', function () {
  this.timeout(30_000)
  let sshd: TestSshd
  let home: string
  const isolated = () => ({home, env: {}, sshConfigText: ''})

  before(async () => {
    sshd = await startSshd()
    home = await mkdtemp(path.join(os.tmpdir(), 'zmigrate-home-'))
  })
  after(async () => {
    await sshd?.stop()
    if (home) await rm(home, {recursive: true, force: true})
  })

  const logins = () =>
    sshd
      .log()
      .split('\n')
      .filter((l) => l.startsWith('Accepted publickey')).length

  it('connectHost: transport local runs here, without SSH', async () => {
    const t = await connectHost({...sshd.resolvedHost({name: 'here'}), transport: 'local', address: 'localhost'})
    expect(t).to.be.instanceOf(LocalTransport)
    expect((await t.run(['echo', 'local'])).stdout).to.equal('local\n')
  })

  it('connectHost: transport ssh returns a connected SshTransport', async () => {
    const t = await connectHost(sshd.resolvedHost(), isolated())
    expect(t.kind).to.equal('ssh')
    expect((await t.run(['echo', 'remote'])).stdout).to.equal('remote\n')
    await t.close()
  })

  it('HostPool: concurrent callers share one connection per host; roundTrips per host; closeAll', async () => {
    const pool = new HostPool(isolated())
    const before = logins()
    const host = sshd.resolvedHost({name: 'dest'})
    const [a, b, c] = await Promise.all([pool.get(host), pool.get(host), pool.get({...host})])
    expect(a).to.equal(b).and.equal(c)
    expect(logins() - before).to.equal(1)
    const local = await pool.get({...host, name: 'src', transport: 'local', address: 'localhost'})
    await Promise.all([a.run(['true']), b.run(['true']), local.run(['true'])])
    expect(pool.roundTrips()).to.deep.equal({dest: 2, src: 1})
    const times = pool.connectTimes()
    expect(Object.keys(times).sort()).to.deep.equal(['dest', 'src'])
    expect(times.dest).to.be.a('number').and.be.greaterThan(0)
    await pool.closeAll()
    expect(pool.connectTimes()).to.deep.equal({})
    let error: unknown
    await a.run(['true']).catch((e: unknown) => (error = e))
    expect(String(error)).to.include('closed')
  })

  it('HostPool: a host that cannot be reached fails every caller with the same error, once', async () => {
    const pool = new HostPool(isolated())
    const host = sshd.resolvedHost({name: 'down', port: await freePort()})
    const [e1, e2] = await Promise.all([pool.get(host).catch((e: unknown) => e), pool.get(host).catch((e: unknown) => e)])
    expect(e1).to.be.instanceOf(HostAccessError)
    expect(e2).to.equal(e1)
    expect(await pool.get(host).catch((e: unknown) => e)).to.equal(e1)
    expect(pool.roundTrips()).to.deep.equal({})
    expect(pool.connectTimes()).to.deep.equal({})
    await pool.closeAll()
  })
})
