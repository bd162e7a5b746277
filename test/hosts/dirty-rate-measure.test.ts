// What a migration of each guest will send, measured in one command (src/hosts/dirty-rate-measure.ts):
// its real script under sh, against a stand-in `virsh` first on the PATH that answers as libvirt
// 8.1+ does (domdirtyrate-calc returns at once; domstats --dirtyrate says measuring, then measured),
// and for the resident RAM a real process standing in for QEMU (its pid file, its -uuid argument, its smaps).
import {expect} from 'chai'
import {spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {measureGuests} from '../../src/hosts/dirty-rate-measure.js'
import {LocalTransport} from '../../src/hosts/local.js'

/** One window of one second. */
const ONE = {seconds: 1, windows: 1}
const uuid = (i: number) => `0b4c2a6e-0d2f-4a53-9d0c-00000000000${i}`

// guest 1 dirties 16 MiB/s; 2 is not running; 3 is still measuring at the first read; 4 never finishes;
// 5 is a TCG guest (page-sampling): the stub answers in the mode it was asked for. For several
// windows: 6 writes in bursts (2, 36, 4 MiB/s in its first three windows); 7 stops after its first
// window; 8 is still measuring at its second read (its second window) and done at the third
const STUB = `#!/bin/sh
shift 2
case $1 in
  domdirtyrate-calc)
    echo "$*" >>"$ZM_STUB/calls"
    c=$(cat "$ZM_STUB/calcs-$3" 2>/dev/null || echo 0); c=$((c + 1)); echo $c >"$ZM_STUB/calcs-$3"
    case $3 in *2) echo "error: Requested operation is not valid: domain is not running" >&2; exit 1;; esac
    case $3 in *7) [ $c -ge 2 ] && { echo "error: Requested operation is not valid: domain is not running" >&2; exit 1; };; esac
    echo "$7" >"$ZM_STUB/mode-$3"
    echo "Start to calculate domain's memory dirty rate successfully."; exit 0;;
  domstats)
    u=$3; n=$(cat "$ZM_STUB/reads-$u" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$ZM_STUB/reads-$u"
    case $u in *4) printf "Domain: 'g4'\\n  dirtyrate.calc_status=1\\n\\n"; exit 0;; *3) [ $n -lt 2 ] && { printf "Domain: 'g3'\\n  dirtyrate.calc_status=1\\n\\n"; exit 0; };; esac
    case $u in *8) [ $n -eq 2 ] && { printf "Domain: 'g8'\\n  dirtyrate.calc_status=1\\n\\n"; exit 0; };; esac
    rate=16; case $u in *6) rate=$(echo 2 36 4 | cut -d' ' -f"$(cat "$ZM_STUB/calcs-$u")");; esac
    printf "Domain: 'g'\\n  dirtyrate.calc_status=2\\n  dirtyrate.calc_period=1\\n  dirtyrate.megabytes_per_second=%s\\n  dirtyrate.calc_mode=%s\\n\\n" "$rate" "$(cat "$ZM_STUB/mode-$u")"; exit 0;;
esac
echo "error: unknown command" >&2; exit 1
`

/** The Size and Rss (kB) of the largest mapping of a process, from its smaps. */
function largestMapping(pid: number): {sizeKiB: number; rssKiB: number} {
  let best = {sizeKiB: 0, rssKiB: 0}
  let size = 0
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^(Size|Rss):\s+(\d+) kB/.exec(line)
    if (m?.[1] === 'Size') size = Number(m[2])
    if (m?.[1] === 'Rss' && size > best.sizeKiB) best = {sizeKiB: size, rssKiB: Number(m[2])}
  }
  return best
}

describe('measuring what a migration of a host’s guests will send, in one command', function () {
  this.timeout(20_000)
  let dir: string
  const saved = {path: process.env.PATH, stub: process.env.ZM_STUB}
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'zm-dirty-'))
    writeFileSync(join(dir, 'virsh'), STUB)
    chmodSync(join(dir, 'virsh'), 0o755)
    process.env.PATH = `${dir}:${saved.path}`
    process.env.ZM_STUB = dir
  })
  after(() => {
    process.env.PATH = saved.path
    if (saved.stub === undefined) delete process.env.ZM_STUB
    else process.env.ZM_STUB = saved.stub
    rmSync(dir, {recursive: true, force: true})
  })

  it('starts every measurement at once, waits once, reads each; reads again, in the same command, those still measuring', async () => {
    rmSync(join(dir, 'calls'), {force: true})
    const t = new LocalTransport('zlpar1')
    const at = new Date('2025-03-04T09:30:00.000Z')
    const started = Date.now()
    const measured = await measureGuests(
      t,
      'qemu:///system',
      [1, 2, 3, 4].map((i) => ({uuid: uuid(i)})),
      ONE,
      {now: () => at},
    )
    const took = Date.now() - started
    expect(t.roundTrips).to.equal(1)
    expect(took).to.be.within(2900, 9000) // the 1 s wait, and up to 2 s of reads for the guests still measuring
    expect(measured.get(uuid(1))).to.deep.equal({
      dirtyRate: {kind: 'measured', bytesPerSecond: 16 * 1024 * 1024, mode: 'dirty-bitmap', seconds: 1, measuredAt: at.toISOString()},
    })
    expect(measured.get(uuid(2))?.dirtyRate).to.include({kind: 'not-measurable', reason: 'guest-not-running'})
    expect(measured.get(uuid(3))?.dirtyRate).to.include({kind: 'measured', bytesPerSecond: 16 * 1024 * 1024})
    expect(measured.get(uuid(4))?.dirtyRate).to.include({kind: 'not-measurable', reason: 'not-finished'})
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
    expect(calls).to.deep.equal([1, 2, 3, 4].map((i) => `domdirtyrate-calc --domain ${uuid(i)} --seconds 1 --mode dirty-bitmap`))
  })

  it('a TCG guest is measured in page-sampling mode (dirty-bitmap counts only KVM’s dirty log), and its result is taken in that mode', async () => {
    rmSync(join(dir, 'calls'), {force: true})
    const t = new LocalTransport('zlpar1')
    const measured = await measureGuests(t, 'qemu:///system', [{uuid: uuid(5), mode: 'page-sampling'}], ONE)
    expect(measured.get(uuid(5))?.dirtyRate).to.include({kind: 'measured', mode: 'page-sampling', bytesPerSecond: 16 * 1024 * 1024})
    expect(readFileSync(join(dir, 'calls'), 'utf8').trim()).to.equal(`domdirtyrate-calc --domain ${uuid(5)} --seconds 1 --mode page-sampling`)
  })

  describe('several windows, one after another, in the same command', () => {
    const THREE = {seconds: 1, windows: 3}
    const at = new Date('2025-03-04T09:30:00.000Z')
    beforeEach(() => {
      for (const f of ['calls', ...[6, 7, 8, 2].flatMap((i) => [`calcs-${uuid(i)}`, `reads-${uuid(i)}`])]) rmSync(join(dir, f), {force: true})
    })

    it('the rate is the highest window, each window kept in order; a guest that stops after a window is not measured', async () => {
      const t = new LocalTransport('zlpar1')
      const started = Date.now()
      const measured = await measureGuests(
        t,
        'qemu:///system',
        [6, 7].map((i) => ({uuid: uuid(i)})),
        THREE,
        {now: () => at},
      )
      expect(Date.now() - started).to.be.within(2900, 6000) // three waits of 1 s
      expect(t.roundTrips).to.equal(1)
      const MiB = 1024 * 1024
      expect(measured.get(uuid(6))?.dirtyRate).to.deep.equal({
        kind: 'measured',
        bytesPerSecond: 36 * MiB,
        mode: 'dirty-bitmap',
        seconds: 1,
        windowBytesPerSecond: [2 * MiB, 36 * MiB, 4 * MiB],
        measuredAt: at.toISOString(),
      })
      // one window measured, the next refused: not a rate of one window passed off as three
      expect(measured.get(uuid(7))?.dirtyRate).to.include({kind: 'not-measurable', reason: 'guest-not-running'})
      const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
      expect(calls.map((c) => c.split(' ')[2])).to.deep.equal([uuid(6), uuid(7), uuid(6), uuid(7), uuid(6), uuid(7)])
    })

    it('a window still measuring at its first read is read again and counted with the others', async () => {
      const t = new LocalTransport('zlpar1')
      const started = Date.now()
      const measured = await measureGuests(t, 'qemu:///system', [{uuid: uuid(8)}], THREE, {now: () => at})
      expect(Date.now() - started).to.be.within(3000, 6000) // three 1 s waits and one read again 0.2 s later
      expect(t.roundTrips).to.equal(1)
      expect(measured.get(uuid(8))?.dirtyRate).to.include({kind: 'measured', bytesPerSecond: 16 * 1024 * 1024})
      expect(measured.get(uuid(8))?.dirtyRate).to.have.deep.property(
        'windowBytesPerSecond',
        [16, 16, 16].map((r) => r * 1024 * 1024),
      )
    })

    it('no wait when every measurement of a window failed to start', async () => {
      const t = new LocalTransport('zlpar1')
      const started = Date.now()
      const measured = await measureGuests(t, 'qemu:///system', [{uuid: uuid(2)}], THREE)
      expect(Date.now() - started).to.be.below(1500)
      expect(measured.get(uuid(2))?.dirtyRate).to.include({kind: 'not-measurable', reason: 'guest-not-running'})
    })

    it('refuses a number of windows outside 1 to 10, or a window outside 1 to 60 s, before running anything', async () => {
      for (const sampling of [
        {seconds: 1, windows: 0},
        {seconds: 1, windows: 11},
        {seconds: 1, windows: 1.5},
        {seconds: 61, windows: 1},
      ]) {
        const t = new LocalTransport('zlpar1')
        let error: unknown
        await measureGuests(t, 'qemu:///system', [{uuid: uuid(1)}], sampling).catch((e: unknown) => (error = e))
        expect(error, JSON.stringify(sampling)).to.be.instanceOf(TypeError)
        expect(t.roundTrips).to.equal(0)
      }
    })
  })

  describe('the resident RAM, in the same command', () => {
    let qemu: ChildProcess
    let run: string
    before(async () => {
      run = join(dir, 'run')
      mkdirSync(run)
      // a process with the guest's UUID as one argument, as QEMU's `-uuid UUID`
      qemu = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', '-uuid', uuid(1)], {stdio: 'ignore'})
      await new Promise((resolve) => setTimeout(resolve, 300))
      writeFileSync(join(run, 'web01.pid'), `${qemu.pid}`) // as libvirt writes it: no newline
      writeFileSync(join(run, 'other.pid'), `${qemu.pid}`)
      writeFileSync(join(run, 'junk.pid'), 'not a pid')
    })
    after(() => qemu.kill())

    it('the mapping of the guest’s size: its Rss, read through the pid file after checking the process is that guest’s', async () => {
      const ram = largestMapping(qemu.pid ?? 0)
      const t = new LocalTransport('zlpar1')
      const guest = {uuid: uuid(1), name: 'web01', memoryKiB: ram.sizeKiB}
      const measured = await measureGuests(t, 'qemu:///system', [guest], ONE, {qemuRunDir: run})
      expect(t.roundTrips).to.equal(1)
      const resident = measured.get(uuid(1))?.residentMemory
      expect(resident?.kind).to.equal('measured')
      if (resident?.kind !== 'measured') return
      // the process runs on: its Rss may have grown a little since it was read here
      expect(resident.bytes).to.be.within(ram.rssKiB * 1024 * 0.5, ram.sizeKiB * 1024)
    })

    it('a pid file of another process, none, one without a PID, or a size no mapping has: not measurable, each with its reason', async () => {
      const t = new LocalTransport('zlpar1')
      const size = largestMapping(qemu.pid ?? 0).sizeKiB
      const measured = await measureGuests(
        t,
        'qemu:///system',
        [
          {uuid: uuid(3), name: 'other', memoryKiB: size}, // the process's -uuid is guest 1's
          {uuid: uuid(4), name: 'gone', memoryKiB: size},
          {uuid: uuid(5), name: 'junk', memoryKiB: size},
          {uuid: uuid(1), name: 'web01', memoryKiB: 7}, // no mapping of 7 KiB
        ],
        ONE,
        {qemuRunDir: run},
      )
      expect(measured.get(uuid(3))?.residentMemory).to.include({kind: 'not-measurable', reason: 'not-this-guest'})
      expect(measured.get(uuid(4))?.residentMemory).to.include({kind: 'not-measurable', reason: 'no-process'})
      expect(measured.get(uuid(5))?.residentMemory).to.include({kind: 'not-measurable', reason: 'no-process'})
      expect(measured.get(uuid(1))?.residentMemory).to.include({kind: 'not-measurable', reason: 'no-ram-mapping'})
    })

    it('a name that is not one file in the pid directory is not read at all; without a size there is nothing to compare', async () => {
      const t = new LocalTransport('zlpar1')
      const measured = await measureGuests(
        t,
        'qemu:///system',
        [
          {uuid: uuid(1), name: '../run/web01', memoryKiB: 1024},
          {uuid: uuid(3), name: 'web01'},
        ],
        ONE,
        {qemuRunDir: run},
      )
      expect(measured.get(uuid(1))?.residentMemory).to.equal(undefined)
      expect(measured.get(uuid(3))?.residentMemory).to.equal(undefined)
    })
  })

  it('no guests: no command at all', async () => {
    const t = new LocalTransport('zlpar1')
    expect((await measureGuests(t, 'qemu:///system', [], ONE)).size).to.equal(0)
    expect(t.roundTrips).to.equal(0)
  })

  it('refuses a guest named by anything but a UUID before running anything', async () => {
    const t = new LocalTransport('zlpar1')
    let error: unknown
    await measureGuests(t, 'qemu:///system', [{uuid: 'linux01', name: 'linux01', memoryKiB: 1024}], ONE).catch((e: unknown) => (error = e))
    expect(error).to.be.instanceOf(TypeError)
    expect(t.roundTrips).to.equal(0)
  })
})
