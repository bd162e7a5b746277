// The dirty-rate measurement of several guests in one command (src/hosts/dirty-rate-measure.ts):
// its real script under sh, against a stand-in `virsh` first on the PATH that answers as libvirt
// 8.1+ does (domdirtyrate-calc returns at once; domstats --dirtyrate says measuring, then measured).
import {expect} from 'chai'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {measureDirtyRates} from '../../src/hosts/dirty-rate-measure.js'
import {LocalTransport} from '../../src/hosts/local.js'

const uuid = (i: number) => `0b4c2a6e-0d2f-4a53-9d0c-00000000000${i}`

// guest 1 dirties 16 MiB/s; 2 is not running; 3 is still measuring at the first read; 4 never finishes
const STUB = `#!/bin/sh
shift 2
case $1 in
  domdirtyrate-calc)
    echo "$*" >>"$ZM_STUB/calls"
    case $3 in *2) echo "error: Requested operation is not valid: domain is not running" >&2; exit 1;; esac
    echo "Start to calculate domain's memory dirty rate successfully."; exit 0;;
  domstats)
    u=$3; n=$(cat "$ZM_STUB/reads-$u" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$ZM_STUB/reads-$u"
    case $u in *4) printf "Domain: 'g4'\\n  dirtyrate.calc_status=1\\n\\n"; exit 0;; *3) [ $n -lt 2 ] && { printf "Domain: 'g3'\\n  dirtyrate.calc_status=1\\n\\n"; exit 0; };; esac
    printf "Domain: 'g'\\n  dirtyrate.calc_status=2\\n  dirtyrate.calc_period=1\\n  dirtyrate.megabytes_per_second=16\\n  dirtyrate.calc_mode=dirty-bitmap\\n\\n"; exit 0;;
esac
echo "error: unknown command" >&2; exit 1
`

describe('dirty rate: measuring a host’s guests in one command', function () {
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

  it('starts every measurement at once, waits once, reads each; a second read only for those still measuring', async () => {
    const t = new LocalTransport('zlpar1')
    const at = new Date('2025-03-04T09:30:00.000Z')
    const started = Date.now()
    const rates = await measureDirtyRates(t, 'qemu:///system', [1, 2, 3, 4].map(uuid), 1, {now: () => at})
    const took = Date.now() - started
    expect(t.roundTrips).to.equal(2)
    expect(took).to.be.within(2900, 9000) // the 2 s wait, and 1 s more for the guests still measuring
    expect(rates.get(uuid(1))).to.deep.equal({
      kind: 'measured',
      bytesPerSecond: 16 * 1024 * 1024,
      mode: 'dirty-bitmap',
      seconds: 1,
      measuredAt: at.toISOString(),
    })
    expect(rates.get(uuid(2))).to.include({kind: 'not-measurable', reason: 'guest-not-running'})
    expect(rates.get(uuid(3))).to.include({kind: 'measured', bytesPerSecond: 16 * 1024 * 1024})
    expect(rates.get(uuid(4))).to.include({kind: 'not-measurable', reason: 'not-finished'})
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
    expect(calls).to.deep.equal([1, 2, 3, 4].map((i) => `domdirtyrate-calc --domain ${uuid(i)} --seconds 1 --mode dirty-bitmap`))
  })

  it('no guests: no command at all', async () => {
    const t = new LocalTransport('zlpar1')
    expect((await measureDirtyRates(t, 'qemu:///system', [], 1)).size).to.equal(0)
    expect(t.roundTrips).to.equal(0)
  })

  it('refuses a guest named by anything but a UUID before running anything', async () => {
    const t = new LocalTransport('zlpar1')
    let error: unknown
    await measureDirtyRates(t, 'qemu:///system', ['linux01'], 1).catch((e: unknown) => (error = e))
    expect(error).to.be.instanceOf(TypeError)
    expect(t.roundTrips).to.equal(0)
  })
})
