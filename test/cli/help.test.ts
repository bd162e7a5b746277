// zmigrate's help and shell completion, through the built CLI (bin/run.js and the bundle, as a
// user runs it: the plugins load beside the bundled commands).
import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {REPO, zm} from '../support/lab-cli.js'

describe('zmigrate --help and autocomplete (built CLI)', function () {
  this.timeout(60_000)
  const cache = mkdtempSync(join(tmpdir(), 'zm-ac-cache-'))
  after(() => rmSync(cache, {recursive: true, force: true}))

  it('the profile topic has its own description, not one of its commands', async () => {
    const r = await zm(['--help'])
    expect(r.exitCode, r.stderr).to.equal(0)
    const topic = r.stdout.split('\n').find((l) => /^\s+profile\s/.test(l))
    const {oclif} = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'))
    expect(topic).to.match(/^\s+profile\s+Write, check and show site profiles/)
    expect(oclif.topics.profile.description).to.match(/^Write, check and show site profiles/)
    expect(r.stdout).to.not.include('profile  Write a commented starter profile')
  })

  it('autocomplete is a command (@oclif/plugin-autocomplete) and writes a bash completion with every public command', async () => {
    const help = await zm(['autocomplete', '--help'])
    expect(help.exitCode, help.stderr).to.equal(0)
    expect(help.stdout).to.match(/\$ zmigrate autocomplete \[SHELL\]/)
    const refresh = await zm(['autocomplete', '--refresh-cache'], {XDG_CACHE_HOME: cache})
    expect(refresh.exitCode, refresh.stderr).to.equal(0)
    const bash = readFileSync(join(cache, 'zmigrate', 'autocomplete', 'functions', 'bash', 'zmigrate.bash'), 'utf8')
    for (const id of ['check', 'facts', 'migrate', 'plan', 'rules', 'profile:init', 'profile:show', 'profile:validate'])
      expect(bash).to.match(new RegExp(`^${id} `, 'm'))
    expect(bash).to.match(/^migrate .*--dry-run/m)
    // the hidden helper is for the shell, not offered as a command
    expect(bash).to.not.match(/^complete --/m)
  })

  it('complete hosts prints the profile hosts, one a line; complete bash the script', async () => {
    const hosts = await zm(['complete', 'hosts', '--profile', join(REPO, 'profiles', 'lab.yaml')])
    expect(hosts.exitCode, hosts.stderr).to.equal(0)
    expect(hosts.stdout.trim().split('\n')).to.deep.equal(['zhost-a', 'zhost-b', 'zhost-c'])
    expect(hosts.stderr).to.equal('')
    const bash = await zm(['complete', 'bash'])
    expect(bash.stdout).to.match(/^complete -F _zmigrate_complete_values zmigrate$/m)
    expect((await zm(['--help'])).stdout).to.not.match(/^\s+complete\s/m)
  })
})
