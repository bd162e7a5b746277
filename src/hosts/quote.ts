/**
 * Quoting argv for the remote login shell. SSH carries one command *string*, which sshd
 * hands to the user's login shell (`$SHELL -c STRING`), so every argv element must reach
 * that shell as exactly one literal word. We assume a POSIX shell (bash, dash, ksh, zsh in
 * its default mode): csh/tcsh/fish as root's login shell are not supported.
 *
 * POSIX single quotes preserve every byte literally except the single quote itself, which we
 * write as `'\''` (close, escaped quote, reopen). Every element is quoted, even "safe" ones:
 * an unquoted first word could be a reserved word (`if`, `!`), an assignment (`A=b`) or a
 * comment (`#x`), and quoting never changes the meaning of a plain word.
 */

/** Quotes one argument for a POSIX shell. A NUL byte cannot be passed through argv at all: refuse it. */
export function quoteShellArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new TypeError(`cannot pass an argument containing a NUL byte to a remote command: ${JSON.stringify(arg.slice(0, 40))}`)
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

/** Quotes every element and joins them with spaces: the command string sent over SSH. */
export function quoteCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('cannot run an empty command')
  return argv.map(quoteShellArg).join(' ')
}
