// The bash script of `zmigrate complete bash`, run by a real bash with zmigrate and the
// plugin's _zmigrate_autocomplete stubbed as shell functions.
import {expect} from 'chai'
import {execa} from 'execa'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {bashCompletionScript} from '../../src/cli/bash-completion.js'

const dir = mkdtempSync(join(tmpdir(), 'zm-bash-completion-'))
const pwned = join(dir, 'pwned')
const EVIL = `linux$(touch ${pwned})`

/** COMPREPLY for the command line `words` (the last word is the one being completed), and what zmigrate was asked. */
async function complete(words: string[]): Promise<{reply: string[]; calls: string[]}> {
  const stub = `
zmigrate() {
  printf '%s\\n' "$*" >>"$CALLS"
  case $2 in
    hosts) printf '%s\\n' zhost-a zhost-b ;;
    guests) printf '%s\\n' linux01 linux02 'db two' ${shellQuote(EVIL)} ;;
  esac
}
_zmigrate_autocomplete() { COMPREPLY=(FALLBACK); }
`
  const calls = join(dir, 'calls')
  rmSync(calls, {force: true})
  const line = `COMP_WORDS=(${words.map(shellQuote).join(' ')}); COMP_CWORD=${words.length - 1}; _zmigrate_complete_values; printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = await execa('bash', ['--norc', '--noprofile', '-c', `${stub}\n${bashCompletionScript('zmigrate')}\n${line}`], {env: {CALLS: calls}})
  return {reply: r.stdout.split('\n').filter((l) => l !== ''), calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []}
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

describe('bash completion of values (zmigrate complete bash)', () => {
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('--from and --to: the profile hosts, with --profile passed on', async () => {
    expect((await complete(['zmigrate', 'check', '--from', ''])).reply).to.deep.equal(['zhost-a', 'zhost-b'])
    const r = await complete(['zmigrate', 'migrate', '-p', 'prod', '--from', 'zhost-a', '--to', 'zhost-b'])
    expect(r.reply).to.deep.equal(['zhost-b'])
    expect(r.calls).to.deep.equal(['complete hosts --profile prod'])
  })

  it('GUEST once --from is on the line: the source host guests, by prefix, shell-quoted, never expanded', async () => {
    const r = await complete(['zmigrate', 'migrate', '--from', 'zhost-a', ''])
    expect(r.calls).to.deep.equal(['complete guests --from zhost-a'])
    expect(r.reply).to.deep.equal(['linux01', 'linux02', 'db\\ two', `linux\\$\\(touch\\ ${pwned}\\)`])
    expect((await complete(['zmigrate', 'check', '--from', 'zhost-a', 'linux0'])).reply).to.deep.equal(['linux01', 'linux02'])
    expect(existsSync(pwned), 'a guest name was run as a command').to.equal(false)
  })

  it('facts HOST: the profile hosts; --category: the rule categories', async () => {
    expect((await complete(['zmigrate', 'facts', 'zhost'])).reply).to.deep.equal(['zhost-a', 'zhost-b'])
    expect((await complete(['zmigrate', 'evacuate', 'zhost'])).reply).to.deep.equal(['zhost-a', 'zhost-b'])
    expect((await complete(['zmigrate', 'return', 'zhost-'])).reply).to.deep.equal(['zhost-a', 'zhost-b'])
    expect((await complete(['zmigrate', 'rules', '--category', 'd'])).reply).to.deep.equal(['devices'])
  })

  it('commands, flags and GUEST without --from go to the plugin completion, without asking zmigrate', async () => {
    for (const words of [
      ['zmigrate', ''],
      ['zmigrate', 'check', '--'],
      ['zmigrate', 'migrate', ''],
      ['zmigrate', 'profile', ''],
    ]) {
      const r = await complete(words)
      expect(r.reply, words.join(' ')).to.deep.equal(['FALLBACK'])
      expect(r.calls, words.join(' ')).to.deep.equal([])
    }
  })
})
