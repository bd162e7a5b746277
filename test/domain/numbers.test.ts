import {expect} from 'chai'
import {cDecimal, cHex, decimal, parseCount, toKiB} from '../../src/domain/numbers.js'

describe('domain/numbers', () => {
  describe('cHex: libvirt strtoul base 0, written back as libvirt formats it', () => {
    const cases: [input: string | undefined, width: number, expected: string | undefined][] = [
      ['0x7500', 4, '0x7500'],
      ['0x0005', 4, '0x0005'],
      ['5', 4, '0x0005'], // decimal devno, as in disk-virtio-ccw-many.xml
      ['7', 4, '0x0007'],
      ['0xA', 4, '0x000a'], // upper case, as in disk-virtio-ccw.xml
      ['0xFe', 1, '0xfe'],
      ['254', 1, '0xfe'],
      ['0', 1, '0x0'],
      ['010', 4, '0x0008'], // leading zero is octal for libvirt, not hex
      [' 0x00a1 ', 4, '0x00a1'],
      ['0xffffffff', 8, '0xffffffff'],
      ['0x1234', 8, '0x00001234'],
      ['08', 4, '08'], // invalid octal: libvirt rejects it, we keep what was written
      ['zz', 4, 'zz'],
      ['', 4, ''],
      [undefined, 4, undefined],
    ]
    for (const [input, width, expected] of cases) {
      it(`${JSON.stringify(input)} width ${width} -> ${JSON.stringify(expected)}`, () => {
        expect(cHex(input, width)).to.equal(expected)
      })
    }
  })

  it('cDecimal and decimal normalise SCSI and drive numbers', () => {
    expect(cDecimal('0x10')).to.equal('16')
    expect(cDecimal('007')).to.equal('7')
    expect(cDecimal('3')).to.equal('3')
    expect(decimal('02')).to.equal('2')
    expect(decimal('0x2')).to.equal('0x2') // drive addresses are base 10 in libvirt
  })

  it('parseCount accepts plain whole numbers only', () => {
    expect(parseCount(' 4 ')).to.equal(4)
    expect(parseCount('4.5')).to.equal(undefined)
    expect(parseCount('-1')).to.equal(undefined)
    expect(parseCount('99999999999999999999')).to.equal(undefined)
  })

  describe('toKiB: libvirt memory units (virScaleInteger), rounded up', () => {
    const cases: [amount: string, unit: string | undefined, kib: number | undefined][] = [
      ['219136', undefined, 219136],
      ['219136', 'KiB', 219136],
      ['4', 'k', 4],
      ['4', 'K', 4],
      ['1000', 'KB', 977], // 1,000,000 bytes
      ['2', 'MiB', 2048],
      ['2', 'M', 2048],
      ['2', 'MB', 1954], // 2,000,000 bytes rounded up
      ['8', 'GiB', 8388608],
      ['8', 'G', 8388608],
      ['1', 'GB', 976563],
      ['1', 'TiB', 1073741824],
      ['1', 'T', 1073741824],
      ['2048', 'b', 2],
      ['2049', 'bytes', 3],
      ['1', 'byte', 1],
      ['1099511627776', 'KiB', 1099511627776], // maxMemory in memory-hotplug-virtio-mem-ccw-s390x.xml
      ['1', 'mib', 1024], // units are case-insensitive
      ['1', 'X', undefined],
      ['1', 'KiBs', undefined],
      ['-1', 'KiB', undefined],
      ['1.5', 'GiB', undefined],
      ['', undefined, undefined],
    ]
    for (const [amount, unit, kib] of cases) {
      it(`${amount} ${unit ?? '(default KiB)'} -> ${kib}`, () => {
        expect(toKiB(amount, unit)).to.equal(kib)
      })
    }
  })
})
