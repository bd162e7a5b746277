// The dirty-rate measurement's commands and what libvirt answers (virsh domstats --dirtyrate text
// as libvirt 8.1+ prints it; errors as virsh, libvirt and QEMU word them). No host needed.
import {expect} from 'chai'
import {dirtyRateCalcArgv, dirtyRateModeFor, dirtyRateStatsArgv, dirtyRateWaitMs} from '../../src/hosts/dirty-rate-command.js'
import {dirtyRateFailure, dirtyRateFromCalc, dirtyRateFromStats, dirtyRateNotFinished, parseDomstats} from '../../src/hosts/parse-dirty-rate.js'

const MiB = 1024 * 1024
const UUID = '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01'
const at = new Date('2025-03-04T09:30:00.000Z')
const stats = (lines: string[], name = 'linux01') => ({
  exitCode: 0,
  stdout: [`Domain: '${name}'`, ...lines.map((l) => `  ${l}`), '', ''].join('\n'),
  stderr: '',
})
const failed = (stderr: string, exitCode = 1) => ({exitCode, stdout: '', stderr})

describe('dirty rate: commands', () => {
  it('starts a dirty-bitmap measurement of the guest by UUID', () => {
    expect(dirtyRateCalcArgv({domain: UUID, seconds: 2})).to.deep.equal(['domdirtyrate-calc', '--domain', UUID, '--seconds', '2', '--mode', 'dirty-bitmap'])
    expect(dirtyRateStatsArgv(UUID)).to.deep.equal(['domstats', '--dirtyrate', UUID])
  })

  it('the mode for the guest’s domain type: dirty-bitmap for kvm (and when unknown), page-sampling for qemu (TCG: dirty-bitmap counts only KVM’s log)', () => {
    expect(dirtyRateModeFor('kvm')).to.equal('dirty-bitmap')
    expect(dirtyRateModeFor(undefined)).to.equal('dirty-bitmap')
    expect(dirtyRateModeFor('qemu')).to.equal('page-sampling')
    expect(dirtyRateCalcArgv({domain: UUID, seconds: 1, mode: 'page-sampling'})).to.deep.equal([
      'domdirtyrate-calc',
      '--domain',
      UUID,
      '--seconds',
      '1',
      '--mode',
      'page-sampling',
    ])
  })

  it('a page-sampling result is taken when page-sampling was asked for, and is another run’s when dirty-bitmap was', () => {
    const r = stats(['dirtyrate.calc_status=2', 'dirtyrate.calc_period=2', 'dirtyrate.megabytes_per_second=9', 'dirtyrate.calc_mode=page-sampling'])
    expect(dirtyRateFromStats(r, 2, at, 'page-sampling')).to.include({kind: 'measured', mode: 'page-sampling', bytesPerSecond: 9 * MiB})
    expect(dirtyRateFromStats(r, 2, at)).to.include({kind: 'not-measurable', reason: 'superseded'})
  })

  it('writes the UUID as libvirt does, in lower case', () => {
    expect(dirtyRateStatsArgv(UUID.toUpperCase())).to.deep.equal(['domstats', '--dirtyrate', UUID])
  })

  it('waits the period (the reads repeat while QEMU finishes it)', () => {
    expect(dirtyRateWaitMs(1)).to.equal(1000)
    expect(dirtyRateWaitMs(60)).to.equal(60_000)
  })

  const refused: [string, () => unknown][] = [
    ['a guest name instead of a UUID', () => dirtyRateCalcArgv({domain: 'linux01', seconds: 1})],
    ['a domain ID', () => dirtyRateStatsArgv('1')],
    ['shell text around a UUID', () => dirtyRateStatsArgv(`${UUID}; reboot`)],
    ['an option', () => dirtyRateStatsArgv('--list-active')],
    ['0 seconds', () => dirtyRateCalcArgv({domain: UUID, seconds: 0})],
    ['61 seconds (libvirt allows 60)', () => dirtyRateCalcArgv({domain: UUID, seconds: 61})],
    ['a fraction of a second', () => dirtyRateCalcArgv({domain: UUID, seconds: 1.5})],
    ['dirty-ring (s390x has no KVM dirty ring)', () => dirtyRateCalcArgv({domain: UUID, seconds: 1, mode: 'dirty-ring'})],
  ]
  for (const [name, call] of refused) it(`refuses ${name}`, () => expect(call).to.throw(TypeError))
})

describe('dirty rate: parsing what libvirt answers', () => {
  it('a finished dirty-bitmap measurement', () => {
    const r = stats([
      'dirtyrate.calc_status=2',
      'dirtyrate.calc_start_time=348414',
      'dirtyrate.calc_period=2',
      'dirtyrate.megabytes_per_second=48',
      'dirtyrate.calc_mode=dirty-bitmap',
    ])
    expect(dirtyRateFromStats(r, 2, at)).to.deep.equal({
      kind: 'measured',
      bytesPerSecond: 48 * MiB,
      mode: 'dirty-bitmap',
      seconds: 2,
      measuredAt: '2025-03-04T09:30:00.000Z',
    })
  })

  it('an idle guest: 0 MiB/s is a measurement too', () => {
    const r = stats([
      'dirtyrate.calc_status=2',
      'dirtyrate.calc_start_time=9',
      'dirtyrate.calc_period=1',
      'dirtyrate.megabytes_per_second=0',
      'dirtyrate.calc_mode=dirty-bitmap',
    ])
    expect(dirtyRateFromStats(r, 1, at)).to.include({kind: 'measured', bytesPerSecond: 0})
  })

  it('still measuring: read again later', () => {
    const r = stats(['dirtyrate.calc_status=1', 'dirtyrate.calc_start_time=348414', 'dirtyrate.calc_period=2', 'dirtyrate.calc_mode=dirty-bitmap'])
    expect(dirtyRateFromStats(r, 2, at)).to.equal('measuring')
    expect(dirtyRateNotFinished(12_000)).to.deep.equal({kind: 'not-measurable', reason: 'not-finished', detail: 'libvirt was still measuring after 12 s'})
  })

  // [name, domstats lines, seconds zmigrate asked for, reason]
  const unusable: [string, string[], number, string][] = [
    [
      'never measured (calc_status 0, as domstats shows a guest nobody measured)',
      ['dirtyrate.calc_status=0', 'dirtyrate.calc_start_time=0', 'dirtyrate.calc_period=0', 'dirtyrate.calc_mode=page-sampling'],
      1,
      'failed',
    ],
    [
      "another run's page-sampling result",
      ['dirtyrate.calc_status=2', 'dirtyrate.calc_period=1', 'dirtyrate.megabytes_per_second=3', 'dirtyrate.calc_mode=page-sampling'],
      1,
      'superseded',
    ],
    [
      'a result of another length (another run)',
      ['dirtyrate.calc_status=2', 'dirtyrate.calc_period=10', 'dirtyrate.megabytes_per_second=3', 'dirtyrate.calc_mode=dirty-bitmap'],
      2,
      'superseded',
    ],
    [
      'a result that does not say its mode (libvirt before 8.1)',
      ['dirtyrate.calc_status=2', 'dirtyrate.calc_period=1', 'dirtyrate.megabytes_per_second=3'],
      1,
      'failed',
    ],
  ]
  for (const [name, lines, seconds, reason] of unusable) {
    it(`not used: ${name}`, () => expect(dirtyRateFromStats(stats(lines), seconds, at)).to.deep.include({kind: 'not-measurable', reason}))
  }

  it('a measured status without a rate', () => {
    const r = stats(['dirtyrate.calc_status=2', 'dirtyrate.calc_period=1', 'dirtyrate.calc_mode=dirty-bitmap'])
    expect(dirtyRateFromStats(r, 1, at)).to.deep.include({kind: 'not-measurable', reason: 'failed'})
  })

  it('no domain in the output', () => {
    expect(dirtyRateFromStats({exitCode: 0, stdout: '\n', stderr: ''}, 1, at)).to.deep.include({kind: 'not-measurable', reason: 'failed'})
  })

  it('domstats: every record, names with quotes and blanks kept', () => {
    const text = "Domain: 'db01'\n  dirtyrate.calc_status=2\n  dirtyrate.megabytes_per_second=7\n\nDomain: 'it's a test'\n  dirtyrate.calc_status=1\n\n"
    const records = parseDomstats(text)
    expect(records.map((r) => r.domain)).to.deep.equal(['db01', "it's a test"])
    expect(Object.fromEntries(records[0].stats)).to.deep.equal({'dirtyrate.calc_status': '2', 'dirtyrate.megabytes_per_second': '7'})
  })

  it('the measurement started', () => {
    expect(dirtyRateFromCalc({exitCode: 0, stderr: ''})).to.equal(undefined)
  })

  const failures: [string, string, string][] = [
    ['libvirt < 7.2: virsh has no such command', "error: unknown command: 'domdirtyrate-calc'", 'command-unknown'],
    ['libvirt < 7.2: domstats has no --dirtyrate', "error: command 'domstats' doesn't support option --dirtyrate", 'command-unknown'],
    ['libvirt 7.2 to 8.0: no --mode', "error: command 'domdirtyrate-calc' doesn't support option --mode", 'mode-unsupported'],
    [
      'a mode the accelerator lacks',
      "error: internal error: unable to execute QEMU command 'calc-dirty-rate': mode dirty-ring is not enabled, use other method instead.",
      'mode-unsupported',
    ],
    [
      'QEMU < 6.2: calc-dirty-rate without mode',
      "error: internal error: unable to execute QEMU command 'calc-dirty-rate': Parameter 'mode' is unexpected",
      'mode-unsupported',
    ],
    [
      'QEMU < 5.2: no calc-dirty-rate',
      "error: internal error: unable to execute QEMU command 'calc-dirty-rate': The command calc-dirty-rate has not been found",
      'qemu-unsupported',
    ],
    ['a guest that is not running', 'error: Requested operation is not valid: domain is not running', 'guest-not-running'],
    ['anything else', "error: failed to get domain '0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9a01'", 'failed'],
  ]
  for (const [name, stderr, reason] of failures) {
    it(`not measurable: ${name}`, () => {
      const fact = dirtyRateFromCalc(failed(stderr))
      expect(fact).to.deep.include({kind: 'not-measurable', reason})
      expect(fact && 'detail' in fact ? fact.detail : '').not.to.match(/^error:/)
    })
  }

  it('a failed domstats is classified the same way', () => {
    expect(dirtyRateFromStats(failed("error: command 'domstats' doesn't support option --dirtyrate"), 1, at)).to.deep.include({reason: 'command-unknown'})
  })

  it('a failure with no message says the exit status', () => {
    expect(dirtyRateFailure(failed('', 255))).to.deep.equal({kind: 'not-measurable', reason: 'failed', detail: 'virsh exited with status 255'})
  })
})
