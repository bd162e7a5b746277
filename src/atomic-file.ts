/**
 * Writing the files zmigrate keeps (journals, plan files) so that neither a crash nor another
 * local user can corrupt or redirect them. zmigrate runs as root on production hosts: a write
 * that follows a symlink someone planted would let them overwrite any file on the host.
 *
 * - writeFileAtomic: a new temp file beside the target (random name, created exclusively and never
 *   through a symlink), written, fsynced, renamed over the target, then the directory fsynced so
 *   the rename itself survives a power cut. A reader sees the old or the new file, never half of
 *   one; a symlink at the target is replaced by the rename, not followed. On any failure the temp
 *   file is removed and the error rethrown: no `.tmp` files are left behind.
 * - ensurePrivateDir: the directory exists, is a real directory, is ours, and nobody else can
 *   write to it. A directory that others can write is refused, not repaired: they may already
 *   have planted files in it. One that is ours and only readable by others (a umask of 022 when it
 *   was made) is tightened to 0700, since nothing in it can have been tampered with.
 */
import {randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {chmod, lstat, mkdir, open, readlink, rename, unlink, type FileHandle} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {InputError} from './errors.js'

/** Opens a file that must not exist yet: fails with EEXIST on any existing name, a symlink included. */
export function openNew(file: string, mode: number): Promise<FileHandle> {
  return open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, mode)
}

/** The temp name for `file`: hidden, in the same directory (rename does not cross file systems), unguessable. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`)
}

export async function writeFileAtomic(file: string, text: string, opts: {mode?: number} = {}): Promise<void> {
  const tmp = tempPathFor(file)
  const fh = await openNew(tmp, opts.mode ?? 0o600)
  let renamed = false
  try {
    try {
      await fh.writeFile(text)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
    renamed = true
    await syncDir(dirname(file))
  } catch (error) {
    // After the rename the name belongs to the target: never unlink it then.
    if (!renamed) await unlink(tmp).catch(() => {})
    throw error
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    await fh.sync()
  } catch (error) {
    // Some file systems cannot fsync a directory (EINVAL); the rename is then as durable as they allow.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error
  } finally {
    await fh.close()
  }
}

/**
 * Creates `dir` (and missing parents) 0700 if needed, then refuses it unless it is a real
 * directory owned by this user that group and others cannot write. `what` names it in messages.
 */
export async function ensurePrivateDir(dir: string, what = 'directory'): Promise<void> {
  const refuse = (message: string, remedy: string) => new InputError(`${what} ${message}`, {location: {file: dir}, code: 'E_UNSAFE_DIR', remedy})
  try {
    await mkdir(dir, {recursive: true, mode: 0o700})
  } catch (error) {
    // EEXIST: a file or a dangling symlink has the name; lstat below says which.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw refuse(`cannot be created: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, `Check the path, or use another directory.`)
    }
  }
  const st = await lstat(dir)
  if (st.isSymbolicLink()) {
    const target = await readlink(dir).catch(() => '?')
    throw refuse(
      `is a symbolic link (to ${target}); zmigrate writes only into a real directory`,
      `Replace the link with a directory of your own (rm ${dir}; mkdir -m 700 ${dir}), or use another directory.`,
    )
  }
  if (!st.isDirectory()) throw refuse('exists and is not a directory', `Move it away, or use another directory.`)
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid) {
    throw refuse(
      `belongs to uid ${st.uid}, not to this user (uid ${uid}): its owner could change what zmigrate writes there`,
      `Use a directory of your own, or, if it should be yours: chown ${uid} ${dir}; chmod 700 ${dir}.`,
    )
  }
  const mode = st.mode & 0o7777
  if (mode & 0o022) {
    throw refuse(
      `is writable by group or others (mode ${octal(mode)}): another user could replace or plant files in it`,
      `Check what is in it, then: chmod 700 ${dir} (or use another directory).`,
    )
  }
  if (mode & 0o077) await chmod(dir, 0o700)
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`
}
