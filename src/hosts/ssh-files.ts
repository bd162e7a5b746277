/**
 * Reading the SSH client's own files only when nobody else could have read or changed them, as
 * OpenSSH does. zmigrate runs as root on production hosts: a private key others can read is a
 * root login on every host leaked, and a known_hosts others can write lets them plant a host key
 * and impersonate a host.
 *
 * - A private key (identity file) with any group or other permission bit is refused, as OpenSSH
 *   refuses it ("UNPROTECTED PRIVATE KEY FILE!", sshkey_perm_ok in authfile.c), and so is one that
 *   belongs to another user. A root-owned key is accepted: only root can read one that is 0600.
 *   zmigrate stops with the remedy rather than skip the key as ssh does, which would end in a
 *   puzzling "authentication failed".
 * - A known_hosts file follows the rules of OpenSSH's StrictModes for authorized_keys (safe_path in
 *   misc.c): the file and every directory above it belong to this user or root and are not writable
 *   by group or others. Directories above the file's own one may be writable by all if they have
 *   the sticky bit (/tmp): others cannot rename or delete what is ours there. The file's own
 *   directory may not: anyone could create the file in it before zmigrate records a host key.
 *   A missing file means "nothing known"; trust-on-first-use checks the directories again right
 *   before it creates or appends to the file (checkKnownHostsDir).
 * Each file is opened once and checked on the open descriptor (fstat), so it cannot be swapped
 * between the check and the read.
 */
import type {Stats} from 'node:fs'
import {open, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import {octal} from '../atomic-file.js'
import {HostAccessError} from '../errors.js'

const uid = (): number | undefined => process.getuid?.()
const ownedByUsOrRoot = (st: Stats): boolean => uid() === undefined || st.uid === uid() || st.uid === 0

/**
 * The key file's bytes. Throws HostAccessError (E_KEY_PERMISSIONS) for a key others can read or
 * that belongs to another user; a file that cannot be opened rejects with the fs error (ENOENT …).
 */
export async function readIdentityFile(hostName: string, file: string): Promise<Buffer> {
  const fh = await open(file, 'r')
  try {
    const st = await fh.stat()
    if (st.isFile()) {
      const mode = st.mode & 0o7777
      if (!ownedByUsOrRoot(st)) {
        throw new HostAccessError(
          hostName,
          `identity file ${file} belongs to uid ${st.uid}, not to this user (uid ${uid()}): a private key must be its user's alone`,
          {
            code: 'E_KEY_PERMISSIONS',
            remedy: `Use a key of your own (identity: in the profile), or, if it is yours: chown ${uid()} ${file}; chmod 600 ${file}`,
          },
        )
      }
      if (mode & 0o077) {
        throw new HostAccessError(
          hostName,
          `identity file ${file} has mode ${octal(mode)}: group or others can ${mode & 0o044 ? 'read' : 'access'} it, and OpenSSH refuses such a key (UNPROTECTED PRIVATE KEY FILE)`,
          {
            code: 'E_KEY_PERMISSIONS',
            remedy: `chmod 600 ${file}`,
          },
        )
      }
    }
    return await fh.readFile()
  } finally {
    await fh.close()
  }
}

/**
 * The known_hosts file's text, or undefined when it does not exist. Throws HostAccessError
 * (E_KNOWN_HOSTS_PERMISSIONS) when the file or a directory above it is not safe (see the header);
 * other errors (EACCES …) reject with the fs error.
 */
export async function readKnownHostsFile(hostName: string, file: string): Promise<string | undefined> {
  let fh
  try {
    fh = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const st = await fh.stat()
    const mode = st.mode & 0o7777
    if (!ownedByUsOrRoot(st)) {
      throw knownHostsRefusal(
        hostName,
        file,
        `belongs to uid ${st.uid}, not to this user (uid ${uid()}) or root: its owner can plant a host key`,
        `Use a known_hosts file of your own (known-hosts: in the profile), or: chown ${uid()} ${file}`,
      )
    }
    if (mode & 0o022)
      throw knownHostsRefusal(
        hostName,
        file,
        `is writable by group or others (mode ${octal(mode)}): anyone who can write it can plant a host key`,
        `chmod go-w ${file}`,
      )
    await checkKnownHostsDir(hostName, file)
    return await fh.readFile('utf8')
  } finally {
    await fh.close()
  }
}

/**
 * Refuses (E_KNOWN_HOSTS_PERMISSIONS) a known_hosts file whose directory, or one above it, others
 * could write: the directory the file really is in, and the one holding the name given (they
 * differ for a symlink). The directory must exist.
 */
export async function checkKnownHostsDir(hostName: string, file: string): Promise<void> {
  const named = await realpath(path.dirname(path.resolve(file)))
  const real = await realpath(file).then(path.dirname, () => named)
  const bad = await unsafeDirectory([...new Set([real, named])])
  if (bad) {
    throw knownHostsRefusal(
      hostName,
      file,
      `is in an unsafe directory: ${bad}, so anyone could replace the file and plant a host key`,
      `Make each directory above ${file} belong to you or root and not writable by group or others (chmod go-w), or keep the file in a private directory.`,
    )
  }
}

function knownHostsRefusal(hostName: string, file: string, message: string, remedy: string): HostAccessError {
  return new HostAccessError(hostName, `known_hosts file ${file} ${message}`, {code: 'E_KNOWN_HOSTS_PERMISSIONS', remedy})
}

/**
 * The first problem with the given directories (canonical paths) or any above them, as
 * "DIR is writable by group or others (mode 0777)", or undefined. The given ones get no
 * sticky-bit exemption.
 */
async function unsafeDirectory(dirs: string[]): Promise<string | undefined> {
  for (const start of dirs) {
    for (let dir = start, own = true; ; dir = path.dirname(dir), own = false) {
      const st = await stat(dir)
      const mode = st.mode & 0o7777
      if (!ownedByUsOrRoot(st)) return `${dir} belongs to uid ${st.uid}`
      if (mode & 0o022 && (own || !(mode & 0o1000))) return `${dir} is writable by group or others (mode ${octal(mode)})`
      if (dir === path.dirname(dir)) break
    }
  }
  return undefined
}
