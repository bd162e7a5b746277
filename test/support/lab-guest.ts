/**
 * What the lab benches (bench/migrate, bench/predict) do to the lab's demo guest zdemo besides
 * migrating it: virsh on a lab host, a command that must succeed, and restarting zdemo with
 * `zm.dirty=N` (lab/guest/init: it then rewrites N MiB of its RAM every second).
 */
import {execa} from 'execa'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {consoleLogPath, hostOf} from '../../lab/proof.js'
import {IP, LAB, onHost, whereIs, type CliResult, type LabHostName} from './lab-cli.js'

export const virsh = (h: LabHostName, ...args: string[]) => onHost(h, ['virsh', '-c', 'qemu:///system', ...args], 300_000)

export async function must(p: Promise<CliResult>, what: string): Promise<CliResult> {
  const r = await p
  if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout}`)
  return r
}

/** How long a restarted zdemo may take to boot and, with zm.dirty, to fill the RAM it rewrites (TCG: a few seconds). */
const BOOT_TIMEOUT_MS = 60_000

/**
 * Restart zdemo (where it runs; zhost-a if it runs nowhere) with `zm.dirty=N` on its kernel
 * command line, and wait until its console shows the new boot and, for N > 0, the guest rewriting
 * its N MiB (the "ZDIRTY N MiB/s" line lab/guest/init prints once the loop starts). Returns where
 * it runs.
 */
export async function setDirty(n: number): Promise<LabHostName> {
  if (!Number.isInteger(n) || n < 0) throw new Error(`zm.dirty=${n}: a whole number of MiB per second, 0 or more`)
  const running = await whereIs()
  const at = running ?? 'zhost-a'
  const log = consoleLogPath(LAB, hostOf(at), 'zdemo')
  const before = lastBoot(readConsole(log))?.id
  const xml = (await must(virsh(at, 'dumpxml', '--inactive', 'zdemo'), 'dumpxml')).stdout.replace(/zm\.dirty=\d+/, `zm.dirty=${n}`)
  // the remote command is a constant; the XML goes over stdin
  const r = await execa('ssh', ['-F', join(LAB, 'ssh', 'config'), `root@${IP[at]}`, 'virsh -c qemu:///system define /dev/stdin'], {
    input: xml,
    reject: false,
    timeout: 60_000,
  })
  if (r.exitCode !== 0) throw new Error(`define zdemo with zm.dirty=${n}: ${r.stderr}`)
  if (running) await must(virsh(at, 'destroy', 'zdemo'), 'destroy zdemo')
  await must(virsh(at, 'start', 'zdemo'), 'start zdemo')
  const deadline = Date.now() + BOOT_TIMEOUT_MS
  for (;;) {
    const boot = lastBoot(readConsole(log))
    const ready = n === 0 ? /\bHB \d+/.test(boot?.after ?? '') : (boot?.after ?? '').includes(`ZDIRTY ${n} MiB/s`)
    if (boot && boot.id !== before && ready) return at
    if (Date.now() > deadline)
      throw new Error(
        `zdemo on ${at} restarted with zm.dirty=${n}, but its console (${log}) shows no ${n === 0 ? 'heartbeat' : `ZDIRTY ${n} MiB/s`} of a new boot within ${BOOT_TIMEOUT_MS / 1000} s`,
      )
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

function readConsole(file: string): string {
  try {
    return readFileSync(file, 'latin1')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}

/** The last "ZGUEST BOOTED <id>" line of a console log (it is appended to across boots), and what follows it. */
function lastBoot(text: string): {id: string; after: string} | undefined {
  const at = text.lastIndexOf('ZGUEST BOOTED ')
  if (at < 0) return undefined
  const m = /^ZGUEST BOOTED (\S+)/.exec(text.slice(at))
  return m ? {id: m[1], after: text.slice(at + m[0].length)} : undefined
}
