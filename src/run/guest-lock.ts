/**
 * One zmigrate run per guest. Two runs on one guest (or a `--resume` beside the run it resumes)
 * would each record the other's changes as their own and undo them twice. The lock is a file per
 * guest UUID in the data dir, created exclusively, naming its holder (PID, process start time,
 * host, journal). A holder that is gone — its PID no longer exists, or is now another process —
 * leaves a stale lock, which the next run takes over.
 */
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {mkdir, open, readdir, readFile, rename, stat, unlink} from 'node:fs/promises'
import type {Stats} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {ZmigrateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {UUID} from '../plan/values.js'

export interface LockHolder {
  pid: number
  /** The process's start time (clock ticks since boot, /proc/PID/stat field 22): a reused PID differs. */
  startTicks?: number
  host: string
  since: string
  guest: string
  journal?: string
}

export class GuestLockedError extends ZmigrateError {
  readonly holder: LockHolder
  constructor(file: string, holder: LockHolder) {
    super(
      `${holder.guest} is being migrated by another zmigrate run (PID ${holder.pid} on ${holder.host}, since ${holder.since}${holder.journal ? `, journal ${holder.journal}` : ''}); nothing was changed`,
      {
        exitCode: ExitCode.LOCKED,
        code: 'E_GUEST_LOCKED',
        remedy: `Wait for that run to end (or resume its journal once it has). If it is gone from another host, remove ${file}.`,
      },
    )
    this.holder = holder
  }
}

export interface GuestLock {
  readonly file: string
  /** Who holds it: this run (a cancel request names it, run/cancel-request.ts). */
  readonly holder: LockHolder
  /** Name the journal in the lock once it exists (for a second run's message). */
  setJournal(journal: string): Promise<void>
  release(): Promise<void>
}

export function lockDir(dataDir: string): string {
  return join(dataDir, 'locks')
}

/** This process's start time in clock ticks since boot, where /proc has it. */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) is in parentheses and may hold spaces: count from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[19])
    return Number.isSafeInteger(ticks) ? ticks : undefined
  } catch {
    return undefined
  }
}

/**
 * Is this process (of this host) still the one that wrote a lock? Gone, or its PID now another
 * process's (another start time): no. Unknown (no permission to ask) counts as yes.
 */
export function processAlive(pid: number, startTicks?: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  const ticks = processStartTicks(pid)
  return startTicks === undefined || ticks === undefined || ticks === startTicks
}

/** A lock written on another host cannot be checked from here: it holds. */
const holderAlive = (holder: LockHolder): boolean => holder.host !== hostname() || processAlive(holder.pid, holder.startTicks)

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as LockHolder
    return Number.isSafeInteger(h?.pid) && h.pid > 0 && typeof h.host === 'string' ? h : undefined
  } catch {
    return undefined
  }
}

/**
 * Takes the guest's lock or throws GuestLockedError naming the holder. A stale lock is removed
 * and the exclusive create tried again (removeStale says how a racing run keeps its fresh lock).
 */
export async function acquireGuestLock(dataDir: string, uuid: string, guest: string): Promise<GuestLock> {
  if (!UUID.test(uuid)) throw new Error(`not a UUID: ${uuid}`)
  const dir = lockDir(dataDir)
  await mkdir(dir, {recursive: true, mode: 0o700})
  const file = join(dir, `${uuid.toLowerCase()}.lock`)
  const holder: LockHolder = {pid: process.pid, startTicks: processStartTicks(process.pid), host: hostname(), since: new Date().toISOString(), guest}
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600)
      await fh.writeFile(JSON.stringify(holder) + '\n')
      await fh.sync()
      await fh.close()
      return lockHandle(file, holder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const before = await stat(file).catch(() => undefined)
    if (!before) continue // released meanwhile
    const current = parseHolder(await readFile(file, 'utf8').catch(() => ''))
    // a lock being written right now reads empty: give its writer a moment
    if (!current) {
      if (Date.now() - before.mtimeMs < 2000) {
        await new Promise((r) => setTimeout(r, 100))
        continue
      }
    } else if (holderAlive(current)) {
      throw new GuestLockedError(file, current)
    }
    await removeStale(file, before, current)
  }
  throw new Error(`could not take the lock ${file}`)
}

/**
 * Removes a stale lock — only if it is still the one read as stale (same holder, still gone; or
 * the same empty file): a racing run may have taken it over and written a fresh one under the same
 * name, even on the same inode number. One takeover at a time (a `.takeover` file, created
 * exclusively; one left by a run that died is ignored after 10 s), so that the check and the
 * unlink cannot interleave with another run's.
 */
async function removeStale(file: string, before: Stats, stale: LockHolder | undefined): Promise<void> {
  const mutex = `${file}.takeover`
  try {
    await (await open(mutex, 'wx', 0o600)).close()
  } catch {
    const held = await stat(mutex).catch(() => undefined)
    if (held && Date.now() - held.mtimeMs > 10_000) await unlink(mutex).catch(() => undefined)
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30))
    return
  }
  try {
    const now = await stat(file).catch(() => undefined)
    if (!now) return
    const holder = parseHolder(await readFile(file, 'utf8').catch(() => ''))
    const same = stale
      ? holder !== undefined && holder.pid === stale.pid && holder.since === stale.since && holder.host === stale.host && !holderAlive(holder)
      : holder === undefined && now.ino === before.ino && now.mtimeMs === before.mtimeMs
    if (same) await unlink(file).catch(() => undefined)
  } finally {
    await unlink(mutex).catch(() => undefined)
  }
}

/**
 * The live holder of a guest's lock, if any. A run that finds a blocker or a stale plan asks
 * this: when another run is moving the guest, that run is the reason, and the one to report.
 */
export async function lockHolder(dataDir: string, uuid: string): Promise<{file: string; holder: LockHolder} | undefined> {
  if (!UUID.test(uuid)) return undefined
  const file = join(lockDir(dataDir), `${uuid.toLowerCase()}.lock`)
  const holder = parseHolder(await readFile(file, 'utf8').catch(() => ''))
  return holder && holder.pid !== process.pid && holderAlive(holder) ? {file, holder} : undefined
}

/** held: its process runs here; stale: it is gone (or its PID is another process's now); elsewhere: written on another host. */
export type LockState = 'held' | 'stale' | 'elsewhere'

export interface LockEntry {
  uuid: string
  file: string
  holder: LockHolder
  state: LockState
}

const lockState = (holder: LockHolder): LockState => (holder.host !== hostname() ? 'elsewhere' : processAlive(holder.pid, holder.startTicks) ? 'held' : 'stale')

/** One guest's lock as it is now, live or stale (status and cancel ask; a lock being written reads as none). */
export async function readLock(dataDir: string, uuid: string): Promise<LockEntry | undefined> {
  if (!UUID.test(uuid)) return undefined
  const file = join(lockDir(dataDir), `${uuid.toLowerCase()}.lock`)
  const holder = parseHolder(await readFile(file, 'utf8').catch(() => ''))
  return holder ? {uuid: uuid.toLowerCase(), file, holder, state: lockState(holder)} : undefined
}

/** Every guest lock in the data dir. */
export async function listLocks(dataDir: string): Promise<LockEntry[]> {
  const names = await readdir(lockDir(dataDir)).catch(() => [] as string[])
  const uuids = names.flatMap((n) => (n.endsWith('.lock') && UUID.test(n.slice(0, -5)) ? [n.slice(0, -5)] : []))
  const entries = await Promise.all(uuids.map((u) => readLock(dataDir, u)))
  return entries.flatMap((e) => (e ? [e] : []))
}

function lockHandle(file: string, holder: LockHolder): GuestLock {
  let released = false
  return {
    file,
    holder,
    async setJournal(journal: string) {
      holder.journal = journal
      const tmp = `${file}.${randomBytes(3).toString('hex')}.tmp`
      const fh = await open(tmp, 'wx', 0o600)
      await fh.writeFile(JSON.stringify(holder) + '\n')
      await fh.close()
      await rename(tmp, file)
    },
    async release() {
      if (released) return
      released = true
      // only our own lock: read it back first
      const current = parseHolder(await readFile(file, 'utf8').catch(() => ''))
      if (current?.pid === holder.pid && current.since === holder.since) await unlink(file).catch(() => undefined)
    },
  }
}
