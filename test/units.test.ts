import {expect} from 'chai'
import {formatBytes, formatDuration} from '../src/units.js'

describe('units as admins read them', () => {
  const durations: [number, string][] = [
    [0, '0 s'],
    [0.25, '0.3 s'],
    [1.2, '1.2 s'],
    [9.96, '10 s'],
    [59.4, '59 s'],
    [95, '1 min 35 s'],
    [120, '2 min'],
    [964.3, '16 min 4 s'],
    [3600, '1 h'],
    [3900, '1 h 5 min'],
    [9940.4, '2 h 46 min'],
  ]
  for (const [seconds, text] of durations) it(`${seconds} s is '${text}'`, () => expect(formatDuration(seconds)).to.equal(text))

  it('bytes: the largest binary unit, one decimal at most', () => {
    expect(formatBytes(48 * 1024 ** 2)).to.equal('48 MiB')
    expect(formatBytes(1.5 * 1024 ** 3)).to.equal('1.5 GiB')
    expect(formatBytes(500)).to.equal('500 B')
  })
})
