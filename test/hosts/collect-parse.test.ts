// Pure parsers of the collect/probe output, on captured and hand-made text (no host needed).
import {expect} from 'chai'
import {parseCollectOutput} from '../../src/hosts/collect-parse.js'
import {countCpuList, parseMounts} from '../../src/hosts/parse-files.js'
import {classifyPci, parseApMatrix, parseQeth} from '../../src/hosts/parse-sysfs-adapters.js'
import {parseDasd} from '../../src/hosts/parse-sysfs-storage.js'
import {cleanVirshSegment, domainNameOf, domainSizeOf, parseNodeinfo, parseVirshVersion, splitVirshBatch, splitVirshHost} from '../../src/hosts/parse-virsh.js'
import {splitFrames} from '../../src/hosts/frames.js'
import {parseDomainXml} from '../../src/domain/parse.js'
import {corpusDomainFiles} from '../domain/paths.js'
import {classifyCpuCompare, parseDfAvailableBytes, parseQemuImgInfo} from '../../src/hosts/probe-parse.js'

const N = '0123456789abcdef0123456789abcdef'
const frame = (name: string, body: string, status = 0, nonce = N) => `\n::zm:${nonce}:begin:${name}\n${body}\n::zm:${nonce}:end:${name}:${status}\n`

describe('collect output parsing', () => {
  describe('frames', () => {
    it('returns each section body exactly, with its exit status', () => {
      const f = splitFrames(frame('a', 'one\ntwo\n') + frame('b', '', 2), N)
      expect(f.get('a')).to.deep.equal({name: 'a', body: 'one\ntwo\n', status: 0})
      expect(f.get('b')).to.deep.equal({name: 'b', body: '', status: 2})
    })

    it('cannot be forged by content: another nonce or a marker inside a line is just text', () => {
      const guestText = `x ::zm:${N}:end:a:0\n::zm:ffff:end:a:0\n::zm:ffff:begin:evil\n`
      const f = splitFrames(frame('a', guestText) + frame('b', 'ok'), N)
      expect(f.get('a')?.body).to.equal(guestText)
      expect([...f.keys()]).to.deep.equal(['a', 'b'])
    })

    it('marks a section whose end never came (output cut short)', () => {
      const f = splitFrames(`${frame('a', 'x')}\n::zm:${N}:begin:b\npartial`, N)
      expect(f.get('a')?.status).to.equal(0)
      expect(f.get('b')?.body).to.equal('partial')
      expect(f.get('b')?.status).to.equal(undefined)
    })
  })

  describe('virsh batch from stdin', () => {
    const U = '3c3c3c3c-0000-4000-8000-000000000001'
    // libvirt 9.0 with readline: prompt + echoed command line, echo without newline
    const readline90 =
      `virsh # echo ::zm:${N}:"x":${U}::\n::zm:${N}:x:${U}::virsh # dumpxml ${U}\n<domain type='kvm'>\n  <name>a</name>\n</domain>\n\n` +
      `virsh # echo ::zm:${N}:"s":${U}::\n::zm:${N}:s:${U}::virsh # domstate ${U}\ncrashed\n\nvirsh # echo ::zm:${N}:"z":end::\n::zm:${N}:z:end::virsh # \n`
    // a newer virsh whose echo ends with a newline
    const newline = `virsh # echo ::zm:${N}:"s":${U}::\n::zm:${N}:s:${U}::\nvirsh # domstate ${U}\npaused\n\nvirsh # echo ::zm:${N}:"z":end::\n::zm:${N}:z:end::\n`
    // built without readline: the prompt is printed, the command line is not
    const noReadline = `virsh # ::zm:${N}:s:${U}::virsh # shut off\n\nvirsh # ::zm:${N}:z:end::virsh # `

    it('reduces every virsh shape to the command output', () => {
      expect(splitVirshBatch(readline90, N).map((s) => [s.kind, s.text.trim()])).to.deep.equal([
        ['x', "<domain type='kvm'>\n  <name>a</name>\n</domain>"],
        ['s', 'crashed'],
        ['z', ''],
      ])
      expect(splitVirshBatch(newline, N)[0].text.trim()).to.equal('paused')
      expect(splitVirshBatch(noReadline, N)[0].text.trim()).to.equal('shut off')
    })

    it('ignores the echoed marker command (quotes inside the token) and other nonces', () => {
      const segs = splitVirshBatch(`virsh # echo ::zm:${N}:"s":${U}::\n<description>::zm:0000:s:${U}::</description>`, N)
      expect(segs).to.deep.equal([])
    })

    it('keeps an error as the segment text', () => {
      expect(cleanVirshSegment(`virsh # domstate ${U}\nerror: failed to get domain '${U}'\nvirsh # echo x\n`)).to.equal(`error: failed to get domain '${U}'\n`)
    })

    it('splits the host-level argv run at its @@zm separators, glued or not', () => {
      const parts = splitVirshHost(`<capabilities/>\n\n@@zm:version@@Compiled…\n@@zm:guests@@${U}\n\n@@zm:end@@`)
      expect(parts.get('capabilities')).to.equal('<capabilities/>\n\n')
      expect(parts.get('guests')).to.equal(`${U}\n\n`)
    })
  })

  it('a libvirtd that never answers (virsh killed by timeout, status 124) is reported as such', () => {
    const out = frame('meta', 'sys\0present') + frame('virsh-host', '', 124)
    const facts = parseCollectOutput(out, {host: 'h', root: '/', uri: 'qemu:///system', nonce: N})
    expect(facts.libvirt).to.deep.equal({reachable: false, uri: 'qemu:///system', error: 'virsh got no answer from qemu:///system within 30 s'})
    // the sections that never came are named, so a cut-short run is visible
    expect(facts.warnings).to.include("section 'dasd' missing from the collect output (cut short?)")
  })

  it('domain names with XML entities and shell metacharacters come back literally', () => {
    expect(domainNameOf(`<domain type='kvm'>\n  <name>evil;$(touch x)&apos;&quot;&amp;&lt;&#x41;</name>\n  <uuid>…</uuid>`)).to.equal(`evil;$(touch x)'"&<A`)
  })

  describe('domain sizes from virsh dumpxml (what each guest on a host holds)', () => {
    it('agree with the full parse on every corpus document that parses', () => {
      let compared = 0
      for (const {file, xml} of corpusDomainFiles()) {
        let d
        try {
          d = parseDomainXml(xml, file)
        } catch {
          continue // negative cases
        }
        const want = {memoryKiB: d.memoryKiB, ...(d.currentMemoryKiB === undefined ? {} : {currentMemoryKiB: d.currentMemoryKiB}), vcpus: d.vcpus}
        expect({vcpus: 1, ...domainSizeOf(xml)}, file).to.deep.equal(want)
        compared++
      }
      expect(compared).to.be.greaterThan(20)
    })

    it("read the domain's own elements, not metadata's, memoryBacking's or numatune's", () => {
      const xml = `<domain type='kvm'>
  <name>db01</name>
  <uuid>0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b02</uuid>
  <description>needs &lt;memory&gt;8&lt;/memory&gt;</description>
  <metadata><app:memory xmlns:app="http://example.com/app">1</app:memory></metadata>
  <maxMemory slots='16' unit='KiB'>16777216</maxMemory>
  <memory unit='MiB'>4096</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <memoryBacking><hugepages/></memoryBacking>
  <vcpu placement='static' current='2'>4</vcpu>
  <numatune><memory mode='strict' nodeset='0'/></numatune>
</domain>`
      expect(domainSizeOf(xml)).to.deep.equal({memoryKiB: 4194304, currentMemoryKiB: 2097152, vcpus: 4})
      expect(domainSizeOf('<domain><name>x</name></domain>')).to.deep.equal({})
    })
  })

  it('DASD: offline devices read alias 0 and an empty uid, and have no block device', () => {
    const body = [
      'driver\0dasd-eckd',
      '0.0.7503/online\x000',
      '0.0.7503/alias\x000',
      '0.0.7503/uid\0',
      '0.0.7503/discipline\0none',
      '0.0.75fe/online\x001',
      '0.0.75fe/alias\x001',
      '0.0.75fe/uid\0IBM.75000000092461.e900.xx',
      'block\0*/block/*',
    ].join('\n')
    expect(parseDasd(body)).to.deep.equal([
      {busId: '0.0.7503', online: false, alias: false, uid: undefined, readonly: undefined, discipline: 'dasd-eckd', blockName: undefined},
      {busId: '0.0.75fe', online: true, alias: true, uid: 'IBM.75000000092461.e900.xx', readonly: undefined, discipline: 'dasd-eckd', blockName: undefined},
    ])
  })

  it('qeth: a vnicc attribute that exists but cannot be read is n/a', () => {
    const body = ['0.0.1a00/online\x001', '0.0.1a00/vnicc/learning\x001', 'vnicc\x000.0.1a00/vnicc/learning', 'vnicc\x000.0.1a00/vnicc/flooding'].join('\n')
    expect(parseQeth(body)[0].vnicc).to.deep.equal({learning: '1', flooding: 'n/a'})
  })

  it('/proc/mounts octal escapes', () => {
    expect(parseMounts(['srv:/export/kvm\\040images /var/lib/libvirt/my\\040images nfs4 rw 0 0'])).to.deep.equal([
      {source: 'srv:/export/kvm images', target: '/var/lib/libvirt/my images', fstype: 'nfs4'},
    ])
  })

  it('cpulists', () => {
    expect(countCpuList('0-15')).to.equal(16)
    expect(countCpuList('0,2-3,8\n')).to.equal(4)
    expect(countCpuList('x')).to.equal(undefined)
  })

  it('vfio_ap matrix lines, including adapter-only and domain-only assignments', () => {
    expect(parseApMatrix('05.0004\n06.0004\n07.\n.0009\n', '0004\n')).to.deep.equal({
      adapters: ['05', '06', '07'],
      domains: ['0004', '0009'],
      controlDomains: ['0004'],
    })
  })

  it('zPCI functions by PCI ids', () => {
    expect(classifyPci('0x144d', '0xa824', '0x010802')).to.equal('nvme')
    expect(classifyPci('0x15b3', '0x1016', '0x020000')).to.equal('roce')
    expect(classifyPci('0x1014', '0x04ed', '0x000000')).to.equal('ism')
    expect(classifyPci('0x15b3', '0x1016', '0x0c0600')).to.equal('other')
  })

  it('virsh nodeinfo and version text', () => {
    expect(parseNodeinfo('CPU model:           s390x\nCPU(s):              16\nNUMA cell(s):        2\nMemory size:         131899860 KiB\n')).to.deep.equal({
      cpus: 16,
      memoryKiB: 131899860,
      numaCells: 2,
      cpuModel: 's390x',
    })
    expect(
      parseVirshVersion(
        'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.0\nRunning against daemon: 9.0.0\n',
      ),
    ).to.deep.equal({
      daemon: '9.0.0',
      library: '9.0.0',
      hypervisor: 'QEMU 7.2.0',
    })
  })
})

describe('probe output parsing', () => {
  it('maps hypervisor-cpu-compare text to a result (wording from libvirt tools/virsh-host.c)', () => {
    expect(classifyCpuCompare(0, 'CPU described in /tmp/x/cpu0.xml is identical to the CPU provided by hypervisor on the host\n')).to.deep.equal({
      result: 'identical',
    })
    expect(classifyCpuCompare(0, 'The CPU provided by hypervisor on the host is a superset of CPU described in /tmp/x/cpu0.xml\n')).to.deep.equal({
      result: 'superset',
    })
    expect(
      classifyCpuCompare(
        1,
        'error: Failed to compare hypervisor CPU with /tmp/x/cpu0.xml\nerror: the CPU is incompatible with host CPU: Host CPU does not provide required features: vxpdeh, nnpa\n',
      ),
    ).to.deep.equal({result: 'incompatible', detail: 'the CPU is incompatible with host CPU: Host CPU does not provide required features: vxpdeh, nnpa'})
    // what this machine's libvirt 9.0 says for an s390x CPU under TCG
    expect(
      classifyCpuCompare(
        1,
        "error: Failed to compare hypervisor CPU with /tmp/x/cpu0.xml\nerror: Operation not supported: QEMU '/usr/bin/qemu-system-s390x' does not support reporting CPU model for virttype 'qemu'\n",
      ),
    ).to.deep.equal({
      result: 'error',
      detail: "Operation not supported: QEMU '/usr/bin/qemu-system-s390x' does not support reporting CPU model for virttype 'qemu'",
    })
    expect(classifyCpuCompare(undefined, '')).to.deep.equal({result: 'error', detail: 'output cut short'})
  })

  it('df -P free space, whatever spaces the mount point has', () => {
    expect(
      parseDfAvailableBytes(
        'Filesystem     1024-blocks     Used Available Capacity Mounted on\nsrv:/export/kvm images 104857600 52428800 52428800      50% /var/lib/libvirt/my images\n',
      ),
    ).to.equal(52428800 * 1024)
  })

  it('qemu-img info JSON: a backing file counts only when the XML declares it', () => {
    const json =
      '{"virtual-size": 1073741824, "filename": "/i/a.qcow2", "format": "qcow2", "actual-size": 200704, "full-backing-filename": "/i/base.qcow2", "backing-filename": "base.qcow2"}'
    expect(parseQemuImgInfo(json, {format: 'qcow2', backingFiles: ['/i/base.qcow2']})).to.deep.equal({
      format: 'qcow2',
      virtualSizeBytes: 1073741824,
      actualSizeBytes: 200704,
      backingFile: '/i/base.qcow2',
    })
    expect(parseQemuImgInfo(json, {format: 'qcow2'})).to.deep.equal({
      format: 'qcow2',
      virtualSizeBytes: 1073741824,
      actualSizeBytes: 200704,
      undeclaredBackingFile: '/i/base.qcow2',
    })
    expect(() => parseQemuImgInfo(json, {format: 'raw'})).to.throw('read as qcow2, not as the declared raw')
    expect(() => parseQemuImgInfo('{}', {format: 'raw'})).to.throw(/no format/)
  })
})
