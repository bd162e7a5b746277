import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {quoteCommand, quoteShellArg} from '../../src/hosts/quote.js'

/** What a remote login shell does with our command string: `sh -c STRING`. */
function shell(sh: string, command: string, cwd: string) {
  const r = spawnSync(sh, ['-c', command], {cwd, encoding: 'utf8', timeout: 5000})
  return {stdout: r.stdout, stderr: r.stderr, status: r.status}
}

describe('quote: argv for the remote POSIX shell', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-quote-'))
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  const hostile = [
    "it's",
    `"double" and 'single' ''' quotes`,
    'x;$(touch pwned-subst)',
    '`touch pwned-backtick`',
    'a; touch pwned-semicolon',
    'a && touch pwned-and || touch pwned-or',
    'a | tee pwned-pipe',
    '> pwned-redirect',
    'line1\nline2\n\ntrailing newlines\n\n',
    '*',
    '/*/*',
    '?[a-z]{1,2}',
    '-n',
    '--help',
    '-e \\n',
    '',
    ' ',
    '\t leading and trailing whitespace \t',
    '$HOME ${PATH} $0 $$ $@',
    "\\ backslash \\\\ and \\'",
    '#not a comment',
    '~root',
    'A=b',
    '!',
    'if',
    'ünïcödé ✓ 日本語 🚀',
    '\x01\x1b[31mcontrol\x7f',
    "'; exec touch pwned-exec; echo '",
  ]

  for (const sh of ['/bin/sh', '/bin/bash']) {
    if (!existsSync(sh)) continue
    describe(sh, () => {
      for (const s of hostile) {
        it(`passes ${JSON.stringify(s)} literally`, () => {
          const r = shell(sh, quoteCommand(['printf', '%s', s]), dir)
          expect(r.status).to.equal(0)
          expect(r.stdout).to.equal(s)
        })
      }

      it('keeps every element one word, in order', () => {
        const r = shell(sh, quoteCommand(['printf', '<%s>', ...hostile]), dir)
        expect(r.stdout).to.equal(hostile.map((s) => `<${s}>`).join(''))
      })

      it('never runs what an argument contains', () => {
        for (const s of hostile) shell(sh, quoteCommand(['printf', '%s', s]), dir)
        shell(sh, quoteCommand(['printf', '%s', ...hostile]), dir)
        shell(sh, quoteCommand(['echo', 'x;$(touch pwned-1)\'"`touch pwned-2`']), dir)
        expect(pwnedFiles(dir)).to.deep.equal([])
      })

      it('treats a reserved word, assignment or comment in first position as a command name', () => {
        for (const first of ['if', 'A=b', '#x', '!', '{']) {
          const r = shell(sh, quoteCommand([first]), dir)
          expect(r.status, first).to.equal(127) // "not found", not a syntax error or a no-op
        }
      })
    })
  }

  it('refuses a NUL byte, which no argv can carry', () => {
    expect(() => quoteShellArg('a\0b')).to.throw(TypeError, /NUL/)
    expect(() => quoteCommand(['printf', 'x\0'])).to.throw(TypeError, /NUL/)
  })

  it('refuses an empty command', () => {
    expect(() => quoteCommand([])).to.throw(TypeError)
  })

  it('quotes with single quotes only', () => {
    expect(quoteShellArg("it's")).to.equal(`'it'\\''s'`)
    expect(quoteShellArg('')).to.equal(`''`)
    expect(quoteCommand(['virsh', 'dumpxml', 'guest 1'])).to.equal(`'virsh' 'dumpxml' 'guest 1'`)
  })
})

function pwnedFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('pwned'))
}
