/**
 * One lab-using test run per machine. The lab is one per machine (fixed addresses, one zdemo):
 * two runs at once migrate the same guest under each other and both fail. Every @lab suite
 * calls holdLab() first; the first call in a process takes a lock file naming this process, a
 * second process waits (saying whom it waits for) until the holder ends, then takes it. A holder
 * that died leaves a stale lock, taken over. The lock goes when this process exits.
 */
import {openSync, readFileSync, unlinkSync, writeSync, closeSync} from 'node:fs'
import {processAlive, processStartTicks} from '../../src/run/guest-lock.js'

export const LAB_LOCK = process.env.ZMIGRATE_LAB_TEST_LOCK ?? '/run/zmigrate-lab-tests.lock'

const held = new Set<string>()

interface Holder {
  pid: number
  startTicks?: number
  argv: string
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder
  } catch {
    return undefined
  }
}

const alive = (h: Holder): boolean => processAlive(h.pid, h.startTicks)

function tryTake(file: string): boolean {
  try {
    const fd = openSync(file, 'wx', 0o644)
    writeSync(fd, JSON.stringify({pid: process.pid, startTicks: processStartTicks(process.pid), argv: process.argv.slice(1).join(' ')}) + '\n')
    closeSync(fd)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return false
  }
}

/** Takes the machine's lab for this test run, waiting up to `timeoutMs` for another run to end. */
export async function holdLab(opts: {file?: string; timeoutMs?: number; log?: (line: string) => void} = {}): Promise<void> {
  const {file = LAB_LOCK, timeoutMs = 30 * 60_000, log = (l: string) => console.log(`      ${l}`)} = opts
  if (held.has(file)) return
  const deadline = Date.now() + timeoutMs
  let lastSaid = 0
  for (;;) {
    if (tryTake(file)) break
    const holder = readHolder(file)
    if (holder?.pid === process.pid) break
    if (holder && !alive(holder)) {
      // stale: whoever removes it first wins; the other sees the new holder next round
      if (readHolder(file)?.pid === holder.pid) unlinkSync(file)
      continue
    }
    if (Date.now() >= deadline) throw new Error(`the lab is held by another test run (PID ${holder?.pid}: ${holder?.argv}); ${file}`)
    if (Date.now() - lastSaid > 30_000) {
      log(`waiting for the lab: another test run holds it (PID ${holder?.pid}: ${holder?.argv})`)
      lastSaid = Date.now()
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  held.add(file)
  process.once('exit', () => {
    if (readHolder(file)?.pid === process.pid) unlinkSync(file)
  })
}
