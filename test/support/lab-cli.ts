/**
 * Helpers for end-to-end tests on the lab: run the real zmigrate CLI (the build, bin/run.js),
 * variants of the lab profile, and remote commands on the lab hosts.
 */
import {execa, type ResultPromise} from 'execa'
import {existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse, stringify} from 'yaml'
import {expect} from 'chai'
import {
  consoleLogPath,
  dataImagePath,
  hostOf,
  labDir,
  proveSurvival,
  readHeartbeats,
  readRecords,
  recordsInOrder,
  runningBoot,
  type SurvivalReport,
} from '../../lab/proof.js'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const LAB = labDir()
export const IP = {'zhost-a': '127.0.0.2', 'zhost-b': '127.0.0.3', 'zhost-c': '127.0.0.4'} as const
export type LabHostName = keyof typeof IP

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Env for the CLI: journals in a temp data dir, no colours. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {ZMIGRATE_DATA_DIR: dataDir, NO_COLOR: '1', ...extra}
}

const dataDir = mkdtempSync(join(tmpdir(), 'zm-e2e-data-'))

let buildChecked = false

/** The tests run the built CLI (bin/run.js), as a user would; refuse a missing or stale build. */
function assertFreshBuild(): void {
  if (buildChecked) return
  const newest = (dir: string): number =>
    readdirSync(dir, {withFileTypes: true}).reduce(
      (m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : e.name.endsWith('.ts') ? statSync(join(dir, e.name)).mtimeMs : 0),
      0,
    )
  const built = existsSync(join(REPO, 'dist/commands/index.js')) ? statSync(join(REPO, 'dist/commands/index.js')).mtimeMs : 0
  const manifest = existsSync(join(REPO, 'oclif.manifest.json'))
  if (!manifest || built < Math.max(newest(join(REPO, 'src')), newest(join(REPO, 'commands')))) {
    throw new Error('the CLI build is missing or older than the sources: run npm run build (npm test does)')
  }
  buildChecked = true
}

export function startCli(
  args: string[],
  env: Record<string, string> = {},
): ResultPromise<{reject: false; all: false; timeout: number; env: Record<string, string>; cwd: string}> {
  assertFreshBuild()
  return execa(process.execPath, [join(REPO, 'bin', 'run.js'), ...args], {reject: false, all: false, timeout: 10 * 60_000, env: cliEnv(env), cwd: REPO})
}

export async function zm(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await startCli(args, env)
  return {exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr)}
}

/** The lab profile with changes, written to a temp file (host roots made absolute). */
export function labProfile(change: (doc: Record<string, any>) => void = () => {}): string {
  const doc = parse(readFileSync(join(REPO, 'profiles', 'lab.yaml'), 'utf8')) as Record<string, any>
  for (const h of Object.values(doc.hosts as Record<string, {root?: string}>)) if (h.root && !h.root.startsWith('/')) h.root = resolve(REPO, 'profiles', h.root)
  change(doc)
  const file = join(mkdtempSync(join(tmpdir(), 'zm-e2e-profile-')), 'lab-variant.yaml')
  writeFileSync(file, stringify(doc))
  return file
}

/** Run a command on a lab host through the lab's own ssh config (not through zmigrate). */
export async function onHost(host: LabHostName, argv: string[], timeoutMs = 60_000): Promise<CliResult> {
  const r = await execa('ssh', ['-F', join(LAB, 'ssh', 'config'), `root@${IP[host]}`, ...argv], {reject: false, timeout: timeoutMs})
  return {exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr)}
}

export async function guestState(host: LabHostName, guest = 'zdemo'): Promise<string> {
  const r = await onHost(host, ['virsh', '-c', 'qemu:///system', 'domstate', guest])
  return r.exitCode === 0 ? r.stdout.trim() : 'absent'
}

export async function whereIs(guest = 'zdemo'): Promise<LabHostName | undefined> {
  for (const h of Object.keys(IP) as LabHostName[]) if ((await guestState(h, guest)) === 'running') return h
  return undefined
}

export async function lab(...args: string[]): Promise<CliResult> {
  const r = await execa(join(REPO, 'lab', args[0]), args.slice(1), {reject: false, timeout: 20 * 60_000})
  return {exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr)}
}

export async function hasDisk(host: LabHostName, target: string, guest = 'zdemo'): Promise<boolean> {
  const r = await onHost(host, ['virsh', '-c', 'qemu:///system', 'domblklist', guest])
  return r.stdout.split('\n').some((l) => l.trim().split(/\s+/)[0] === target)
}

/** The two-host pairing the single-guest tests use: zhost-a <-> zhost-b (zhost-c is an evacuation's second destination). */
export function other(h: LabHostName): LabHostName {
  return h === 'zhost-a' ? 'zhost-b' : 'zhost-a'
}

export const LAB_HOSTS = Object.keys(IP) as LabHostName[]

/** The lab's guests (lab/up): running, each with a copied data disk, and the shut-off one. */
export const RUNNING_GUESTS = ['zdemo', 'zweb', 'zapp'] as const
export const IDLE_GUEST = 'zidle'

/** Where each lab guest is defined now (its state there); a guest defined nowhere is absent from the map. */
export async function whereAll(guests: readonly string[] = [...RUNNING_GUESTS, IDLE_GUEST]): Promise<Map<string, {host: LabHostName; state: string}>> {
  const found = new Map<string, {host: LabHostName; state: string}>()
  for (const host of LAB_HOSTS) {
    const r = await onHost(host, ['virsh', '-c', 'qemu:///system', 'list', '--all', '--name'])
    const names = new Set(r.stdout.split('\n').map((l) => l.trim()))
    for (const g of guests) if (names.has(g)) found.set(g, {host, state: await guestState(host, g)})
  }
  return found
}

/**
 * Every lab guest back on zhost-a, as lab/up made the lab, for whoever comes next: each one found
 * elsewhere is migrated home with zmigrate (running ones live, shut-off ones offline).
 */
export async function sendHome(): Promise<void> {
  const failures: string[] = []
  for (const [guest, {host}] of await whereAll()) {
    if (host === 'zhost-a') continue
    const r = await zm(['migrate', guest, '--from', host, '--to', 'zhost-a', '--yes'])
    if (r.exitCode !== 0) failures.push(`${guest} (on ${host}): exit ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`)
  }
  if (failures.length > 0) throw new Error(`could not move the lab guests home: ${failures.join('; ')}`)
}

/**
 * zdemo's scratch disk vdb as lab/guest/zdemo.xml defines it (serial and cache mode included: the
 * guest finds the device by its serial, so `virsh attach-disk`, which sets neither, would not do).
 */
const SCRATCH_XML = /<disk\b(?:(?!<\/disk>)[\s\S])*zdemo-scratch\.img(?:(?!<\/disk>)[\s\S])*<\/disk>/.exec(
  readFileSync(join(REPO, 'lab', 'guest', 'zdemo.xml'), 'utf8'),
)?.[0]

/** Detach or re-attach zdemo's scratch disk on `host`, live and in its definition, as an admin would around a bare migration. */
export async function scratchDisk(host: LabHostName, action: 'attach' | 'detach'): Promise<void> {
  if (!SCRATCH_XML) throw new Error('lab/guest/zdemo.xml defines no zdemo-scratch.img disk')
  const r = await execa(
    'ssh',
    ['-F', join(LAB, 'ssh', 'config'), `root@${IP[host]}`, `virsh -c qemu:///system ${action}-device zdemo /dev/stdin --live --config`],
    {
      input: SCRATCH_XML,
      reject: false,
      timeout: 60_000,
    },
  )
  if (r.exitCode !== 0) throw new Error(`${action} zdemo's vdb on ${host}: ${String(r.stderr).trim()}`)
}

/**
 * The guest survived its move to `on` (lab/proof: heartbeat continued without a reboot, every record
 * on the destination's disk), waiting up to `waitSeconds` for it; otherwise an assertion naming the
 * proof's problems, what libvirt says of the guest on every host, and each host's last heartbeat.
 */
export async function proveAlive(on: LabHostName, opts: {guest?: string; from?: LabHostName; waitSeconds?: number} = {}): Promise<SurvivalReport> {
  const guest = opts.guest ?? 'zdemo'
  const report = await proveSurvival({host: on, from: opts.from, guest, lab: LAB, waitSeconds: opts.waitSeconds ?? 5})
  if (report.ok) return report
  const states = await Promise.all(
    LAB_HOSTS.map(async (h) => `${h}: ${(await onHost(h, ['virsh', '-c', 'qemu:///system', 'domstate', '--reason', guest])).stdout.trim() || 'absent'}`),
  )
  const beats = LAB_HOSTS.map((h) => `${h}: ${readHeartbeats(consoleLogPath(LAB, hostOf(h), guest)).lastHeartbeat ?? 'none'}`)
  // the guest's own last words (a panic, an oops, a hung task) and QEMU's, on every host: a proof that fails is rare, keep the evidence in the output
  const tail = (file: string, n: number) =>
    existsSync(file)
      ? readFileSync(file, 'latin1')
          .split('\n')
          .slice(-n - 1)
          .join('\n      ')
      : '(none)'
  const logs = LAB_HOSTS.map(
    (h) =>
      `${h} console:\n      ${tail(consoleLogPath(LAB, hostOf(h), guest), 12)}\n    ${h} qemu log:\n      ${tail(join(LAB, hostOf(h), 'log', 'qemu', `${guest}.log`), 8)}`,
  )
  expect(
    report.ok,
    `${guest} on ${on}: ${JSON.stringify(report, null, 1)}\nlibvirt: ${states.join('; ')}\nlast heartbeats: ${beats.join('; ')}\n    ${logs.join('\n    ')}`,
  ).to.equal(true)
  return report
}

/**
 * The guest never left `on` (a migration rolled back): its heartbeat there goes on in the same boot
 * for `seconds` more, and its disk there holds every record of that boot up to the last heartbeat
 * seen, in order. (proveAlive compares two hosts' consoles; this one host's with itself.)
 */
export async function proveStayed(on: LabHostName, opts: {guest?: string; seconds?: number} = {}): Promise<void> {
  const guest = opts.guest ?? 'zdemo'
  const log = consoleLogPath(LAB, hostOf(on), guest)
  const before = readHeartbeats(log)
  await new Promise((resolve) => setTimeout(resolve, (opts.seconds ?? 3) * 1000))
  const after = readHeartbeats(log)
  const [was, is] = [before.runs.at(-1), after.runs.at(-1)]
  const why = `${guest} on ${on}: heartbeat ${was ? `${was.first}..${was.last}` : 'none'}, ${opts.seconds ?? 3} s later ${is ? `${is.first}..${is.last}` : 'none'}`
  expect(was !== undefined && is !== undefined && is.first === was.first && is.boot === was.boot && is.last > was.last, why).to.equal(true)
  const records = readRecords(dataImagePath(LAB, hostOf(on), guest), (is?.last ?? 0) + 64)
  const boot = runningBoot(is?.boot, [after], records)
  const inOrder = recordsInOrder(records, boot)
  expect(inOrder, `${guest}'s records on ${on}'s disk (boot ${boot}) in order up to ${was?.last}`).to.be.at.least(was?.last ?? 1)
}
