/**
 * A site of test hosts that guests can really move between, for integration tests of the built
 * CLI: one OpenSSH sshd per host on loopback, each host's Z view from a copy of a recorded tree,
 * and libvirt's test driver over a node file per host. libvirt's test driver cannot migrate, so
 * the hosts' sessions find a `virsh` first on their PATH (sshd SetEnv) that passes everything to
 * the real virsh except `virsh -c URI migrate …`: that moves the guest's <domain> from the source
 * host's node file to the destination's (the one whose migration URI --desturi names), under a
 * lock, as libvirt's persistent migration with --undefinesource would. The next `virsh` on either
 * host reads the node files again, so collect, probe and verify see the guest where it went.
 *
 *   const site = await startSite({zlpar1: 'lpar-src', zlpar3: 'lpar-src'})
 *   const world = site.world({zlpar1: [{name: 'web01', uuid, devno: '7500'}]})
 *   await zm(['evacuate', 'zlpar1', '-o', f, '--profile', world.profile], world.env)
 *
 * A hook per guest UUID (`world.onMigrate`) can mark the start and end of its migration, make it
 * slow, and edit files once it moved (another guest's XML, a tree's meminfo): what a move does to
 * the world the next guest is planned in. With `job`, while the slow migration runs, `virsh
 * domjobinfo` for the guest answers as libvirt does (the job's statistics on the source, "only on
 * the source host" on the destination); `virsh domjobabort` (zmigrate cancel, Ctrl-C, a limit)
 * ends the fake migration before it moved anything, as aborting a libvirt job does.
 */
import {chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {REPO} from './lab-cli.js'
import {startSshd, type TestSshd} from './sshd.js'

/** The fake migration, run by the hosts' `virsh` for `virsh -c test:///WORLD/HOST.xml migrate …`. */
const FAKE_MIGRATE = String.raw`import {existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
process.on('SIGHUP', () => {})
process.on('SIGPIPE', () => {})
// virsh domjobabort (the wrapper below) ends a running fake migration before it moved anything, as libvirt aborts a job
process.on('SIGTERM', () => {
  if (typeof jobFile === 'string') rmSync(jobFile, {force: true})
  process.stderr.write('error: operation aborted: migration out job: canceled by client\n')
  process.exit(1)
})
const argv = process.argv.slice(2)
const flag = (f) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined)
const fail = (m) => {
  process.stderr.write('error: ' + m + '\n')
  process.exit(1)
}
const src = argv[1].replace(/^test:\/\//, '')
const world = dirname(src)
const uuid = flag('--domain')
const dst = JSON.parse(readFileSync(join(world, 'migration-uris.json'), 'utf8'))[flag('--desturi')]
if (!dst) fail('unknown destination URI ' + flag('--desturi'))
const hookFile = join(world, 'hooks', uuid + '.json')
const hook = existsSync(hookFile) ? JSON.parse(readFileSync(hookFile, 'utf8')) : {}
if (hook.started) writeFileSync(hook.started, '')
// while it runs, virsh domjobinfo on either host answers as libvirt would (fake-jobinfo.mjs)
const jobFile = join(world, 'jobs', uuid + '.json')
if (hook.job) {
  mkdirSync(join(world, 'jobs'), {recursive: true})
  writeFileSync(jobFile, JSON.stringify({pid: process.pid, source: src, destination: dst, stats: hook.job}))
}
if (hook.sleepMs) await new Promise((r) => setTimeout(r, hook.sleepMs))
if (hook.job) rmSync(jobFile, {force: true})
const lock = join(world, 'migrate.lock')
for (let i = 0; ; i++) {
  try {
    mkdirSync(lock)
    break
  } catch {
    if (i > 500) fail('fake migrate: lock held')
    await new Promise((r) => setTimeout(r, 10))
  }
}
const write = (file, text) => {
  writeFileSync(file + '.tmp', text)
  renameSync(file + '.tmp', file)
}
try {
  const text = readFileSync(src, 'utf8')
  const dom = (text.match(/ *<domain\b[\s\S]*?<\/domain>\n?/g) ?? []).find((d) => d.includes('<uuid>' + uuid + '</uuid>'))
  if (!dom) fail("failed to get domain '" + uuid + "'")
  const arriving = argv.includes('--suspend') ? dom.replace(/<test:runstate>\d+/, '<test:runstate>3') : dom
  write(dst, readFileSync(dst, 'utf8').replace('</node>', arriving.trimEnd() + '\n</node>'))
  write(src, text.replace(dom, argv.includes('--undefinesource') ? '' : dom.replace(/<test:runstate>\d+/, '<test:runstate>5')))
  for (const e of hook.edits ?? []) write(e.file, readFileSync(e.file, 'utf8').split(e.from).join(e.to))
} finally {
  rmdirSync(lock)
}
if (hook.done) writeFileSync(hook.done, '')
process.stdout.write('\nMigration: [100 %]\n')
`

/**
 * `virsh -c test:///WORLD/HOST.xml domjobinfo --domain UUID …` while the fake migration of UUID
 * runs (its job file names its PID): the hook's statistics on the source; on the destination the
 * refusal libvirt gives there (qemuDomainGetJobStatsInternal). Otherwise what the test driver says.
 */
const FAKE_JOBINFO = String.raw`import {readFileSync} from 'node:fs'
const [uri, uuid, file] = process.argv.slice(2)
const node = uri.replace(/^test:\/\//, '')
let job
try {
  job = JSON.parse(readFileSync(file, 'utf8'))
  process.kill(job.pid, 0)
} catch {
  job = undefined
}
if (job && node === job.source) {
  process.stdout.write(job.stats)
  process.exit(0)
}
if (job && node === job.destination) {
  process.stderr.write('error: Operation not supported: migration statistics are available only on the source host\n')
  process.exit(1)
}
process.stderr.write('error: this function is not supported by the connection driver: virDomainGetJobStats\n')
process.exit(1)
`

/** `virsh -c … domjobabort --domain UUID` while the fake migration of UUID runs: it is ended (SIGTERM), as libvirt aborts the job. */
const FAKE_JOBABORT = String.raw`import {readFileSync} from 'node:fs'
try {
  process.kill(JSON.parse(readFileSync(process.argv[2], 'utf8')).pid, 'SIGTERM')
} catch {
  process.stderr.write('error: Requested operation is not valid: no job is active on the domain\n')
  process.exit(1)
}
`

export interface SiteGuest {
  name: string
  uuid: string
  /** Its one disk: the DASD at by-path ccw-0.0.DEVNO. */
  devno: string
  memoryMiB?: number
  /** libvirt virDomainState: 1 running (default), 5 shut off. */
  runstate?: number
}

export interface MigrateHook {
  /** Files written when its migration starts and when it has moved. */
  started?: string
  done?: string
  sleepMs?: number
  /** `virsh domjobinfo --rawstats` text its source answers while it runs (the destination: "only on the source host"). */
  job?: string
  /** Text replaced in files once it moved. */
  edits?: {file: string; from: string; to: string}[]
}

export interface World {
  dir: string
  /** The site profile (every host of the site). */
  profile: string
  /** For zm(): the world's own data dir. */
  env: Record<string, string>
  dataDir: string
  nodeFile(host: string): string
  /** A host's copy of its recorded tree (its `root`). */
  root(host: string): string
  /** Guest names defined on a host now. */
  guestsOn(host: string): string[]
  onMigrate(uuid: string, hook: MigrateHook): void
}

export interface TestSite {
  hosts: Record<string, TestSshd>
  world(guests: Record<string, SiteGuest[]>): World
  stop(): Promise<void>
}

export function domainXml(g: SiteGuest): string {
  return `  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>${g.name}</name>
    <uuid>${g.uuid}</uuid>
    <memory unit='MiB'>${g.memoryMiB ?? 2048}</memory>
    <vcpu>2</vcpu>
    <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
    <devices>
      <disk type='block' device='disk'>
        <driver name='qemu' type='raw' cache='none' io='native'/>
        <source dev='/dev/disk/by-path/ccw-0.0.${g.devno}'/>
        <target dev='vda' bus='virtio'/>
        <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x${g.devno}'/>
      </disk>
    </devices>
    <test:runstate>${g.runstate ?? 1}</test:runstate>
  </domain>
`
}

/** One sshd per host (name -> recorded tree under test/fixtures/hosts). */
export async function startSite(trees: Record<string, string>): Promise<TestSite> {
  const base = mkdtempSync(join(tmpdir(), 'zm-site-'))
  const bin = join(base, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'fake-migrate.mjs'), FAKE_MIGRATE)
  writeFileSync(join(bin, 'fake-jobinfo.mjs'), FAKE_JOBINFO)
  writeFileSync(join(bin, 'fake-jobabort.mjs'), FAKE_JOBABORT)
  const node = process.execPath
  writeFileSync(
    join(bin, 'virsh'),
    [
      '#!/bin/sh',
      `if [ "$1" = -c ] && [ "$3" = migrate ]; then exec '${node}' '${join(bin, 'fake-migrate.mjs')}' "$@"; fi`,
      'if [ "$1" = -c ] && [ "$3" = domjobinfo ] && [ "$4" = --domain ]; then',
      '  job="$(dirname "${2#test://}")/jobs/$5.json"',
      `  if [ -f "$job" ]; then exec '${node}' '${join(bin, 'fake-jobinfo.mjs')}' "$2" "$5" "$job"; fi`,
      'fi',
      'if [ "$1" = -c ] && [ "$3" = domjobabort ] && [ "$4" = --domain ]; then',
      '  job="$(dirname "${2#test://}")/jobs/$5.json"',
      `  if [ -f "$job" ]; then exec '${node}' '${join(bin, 'fake-jobabort.mjs')}' "$job"; fi`,
      'fi',
      'exec /usr/bin/virsh "$@"',
      '',
    ].join('\n'),
  )
  chmodSync(join(bin, 'virsh'), 0o755)
  const names = Object.keys(trees)
  const started = await Promise.all(
    names.map(() => startSshd({extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin`]})),
  )
  const hosts = Object.fromEntries(names.map((n, i) => [n, started[i]]))
  const knownHosts = join(base, 'known_hosts')
  writeFileSync(knownHosts, started.map((s) => readFileSync(s.knownHostsPath, 'utf8')).join(''))
  let worlds = 0

  const world = (guests: Record<string, SiteGuest[]>): World => {
    const dir = join(base, `world-${++worlds}`)
    const dataDir = join(dir, 'data')
    mkdirSync(join(dir, 'hooks'), {recursive: true})
    const nodeFile = (h: string) => join(dir, `${h}.xml`)
    const root = (h: string) => join(dir, 'trees', h)
    const uris: Record<string, string> = {}
    const profileHosts: Record<string, Record<string, unknown>> = {}
    for (const [name, tree] of Object.entries(trees)) {
      cpSync(join(REPO, 'test/fixtures/hosts', tree), root(name), {recursive: true, verbatimSymlinks: true})
      writeFileSync(nodeFile(name), `<node>\n${(guests[name] ?? []).map(domainXml).join('')}</node>\n`)
      const migrationUri = `qemu+ssh://root@${name}.test/system`
      uris[migrationUri] = nodeFile(name)
      profileHosts[name] = {
        address: '127.0.0.1',
        port: hosts[name].port,
        identity: hosts[name].clientKey,
        'known-hosts': knownHosts,
        root: root(name),
        'libvirt-uri': `test://${nodeFile(name)}`,
        'migration-uri': migrationUri,
      }
    }
    writeFileSync(join(dir, 'migration-uris.json'), JSON.stringify(uris))
    const profile = join(dir, 'site.yaml')
    // libvirt's test driver offers only i686 guests; the trees carry the s390x view the other rules read
    const rules = {'arch-mismatch': {enabled: false, reason: "libvirt's test driver offers no s390x guests"}}
    writeFileSync(profile, stringify({site: 'itest', defaults: {user: 'root', agent: false, 'connect-timeout': 5}, hosts: profileHosts, rules}))
    return {
      dir,
      profile,
      dataDir,
      env: {ZMIGRATE_DATA_DIR: dataDir},
      nodeFile,
      root,
      guestsOn: (h) => [...readFileSync(nodeFile(h), 'utf8').matchAll(/<name>([^<]*)<\/name>/g)].map((m) => m[1]),
      onMigrate: (uuid, hook) => writeFileSync(join(dir, 'hooks', `${uuid}.json`), JSON.stringify(hook)),
    }
  }

  return {
    hosts,
    world,
    async stop() {
      await Promise.all(started.map((s) => s.stop()))
      rmSync(base, {recursive: true, force: true})
    },
  }
}

/**
 * Two guests on lpar-src, each on one DASD: web01 (0.0.7500: lpar-dst needs its aliases set online,
 * an action) and db01 (0.0.7502: lpar-dst numbers its volume otherwise, a blocker). lpar-src has
 * both as they are; bare-lpar has no DASD at all.
 */
export const WEB01: SiteGuest = {name: 'web01', uuid: '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b01', devno: '7500'}
export const DB01: SiteGuest = {name: 'db01', uuid: '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b02', devno: '7502'}

/** The site these tests use: the source, a destination that differs, one with the source's devices, one with none. */
export const SITE_TREES = {zlpar1: 'lpar-src', zlpar2: 'lpar-dst', zlpar3: 'lpar-src', zlpar4: 'bare-lpar'}
