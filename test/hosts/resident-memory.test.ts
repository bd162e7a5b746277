// The guest's resident RAM from the filtered smaps of its QEMU (src/hosts/resident-memory.ts). The
// fixture is zdemo's QEMU on the lab (qemu-system-s390x under TCG, 256 MiB guest), filtered on the
// host as the measurement script does: the binary's mappings, the guest's RAM, TCG's code buffer.
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {RESIDENT_STATUS, residentMemoryFrom, usableInRunDir} from '../../src/hosts/resident-memory.js'

const SMAPS = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'smaps', 'qemu-s390x-tcg-256m.txt'), 'utf8')
const at = new Date('2026-12-02T03:00:00.000Z')

describe('resident RAM of a guest, from its QEMU’s smaps', () => {
  it('the mapping of exactly the guest’s <memory>: its Rss (50 MiB of the 256 MiB guest), not the process’s', () => {
    expect(residentMemoryFrom({exitCode: 0, output: SMAPS}, 262144, at)).to.deep.equal({kind: 'measured', bytes: 51200 * 1024, measuredAt: at.toISOString()})
  })

  it('no mapping of the guest’s size (another size, a balloon-sized guess): not measurable, no figure guessed', () => {
    expect(residentMemoryFrom({exitCode: 0, output: SMAPS}, 131072, at)).to.include({kind: 'not-measurable', reason: 'no-ram-mapping'})
    // the host's grep found no line of that size: exit 1, nothing printed
    expect(residentMemoryFrom({exitCode: 1, output: ''}, 131072, at)).to.include({kind: 'not-measurable', reason: 'no-ram-mapping'})
  })

  it('two mappings of the guest’s size: the fuller one, never more than the guest', () => {
    const twice = `${SMAPS}7fb000000000-7fb010000000 rw-p 00000000 00:00 0\nSize:             262144 kB\nRss:               99999 kB\n`
    expect(residentMemoryFrom({exitCode: 0, output: twice}, 262144, at)).to.include({bytes: 99999 * 1024})
    const over = 'a-b rw-p 0 00:00 0\nSize: 4 kB\nRss: 8 kB\n'
    expect(residentMemoryFrom({exitCode: 0, output: over}, 4, at)).to.include({bytes: 4 * 1024})
  })

  it('the script’s refusals: no pid file, a process that is not this guest, anything else', () => {
    expect(residentMemoryFrom({exitCode: RESIDENT_STATUS.noPidFile, output: 'no QEMU pid file /run/libvirt/qemu/web01.pid\n'}, 1, at)).to.deep.equal({
      kind: 'not-measurable',
      reason: 'no-process',
      detail: 'no QEMU pid file /run/libvirt/qemu/web01.pid',
    })
    expect(residentMemoryFrom({exitCode: RESIDENT_STATUS.notThisGuest, output: 'process 7 is not guest x\n'}, 1, at)).to.include({reason: 'not-this-guest'})
    expect(residentMemoryFrom({exitCode: 2, output: 'grep: /proc/7/smaps: No such file or directory\n'}, 1, at)).to.deep.equal({
      kind: 'not-measurable',
      reason: 'failed',
      detail: 'grep: /proc/7/smaps: No such file or directory',
    })
  })

  it('lines that are not smaps are ignored, a Size without a mapping head too', () => {
    expect(residentMemoryFrom({exitCode: 0, output: 'Size: 262144 kB\nRss: 100 kB\nnoise\n'}, 262144, at)).to.include({reason: 'no-ram-mapping'})
  })

  it('only a name that is one file in the pid directory is used in its path', () => {
    for (const ok of ['web01', 'a b', 'x;rm -rf ~', '$(id)']) expect(usableInRunDir(ok), ok).to.equal(true)
    for (const bad of ['', '.', '..', 'a/b', '../web01', 'a\nb', 'a\0b', 'x'.repeat(1001)]) expect(usableInRunDir(bad), JSON.stringify(bad)).to.equal(false)
  })
})
