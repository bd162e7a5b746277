import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import {parseDomainXml} from '../../../src/domain/parse.js'
import {profileDetachDevice} from '../../../src/rules/devices/profile-detach-device.js'
import {vhostScsiDevice} from '../../../src/rules/devices/vhost-scsi-device.js'
import {corpusDomainsDir} from '../../domain/paths.js'
import {guest} from '../../support/domain-xml.js'
import {evaluate, makeContext, ruleTester} from '../../support/rule-harness.js'
import {scsiHostdevXml} from './z-devices.js'

/** libvirt's own test document (tests/qemuxmlconfdata/hostdev-scsi-vhost-scsi-ccw.xml): a vhost-scsi target on a ccw guest. */
const corpusFile = path.join(corpusDomainsDir(), 'hostdev-scsi-vhost-scsi-ccw.xml')
const corpus = parseDomainXml(readFileSync(corpusFile, 'utf8'), corpusFile)

const WWPN = 'naa.5001405df3e54061'
const vhostScsi = (wwpn = WWPN, devno = '0x0009') => `<hostdev mode='subsystem' type='scsi_host' managed='no'>
      <source protocol='vhost' wwpn='${wwpn}'/>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='${devno}'/>
    </hostdev>`

ruleTester(vhostScsiDevice, {
  valid: [
    {name: 'no vhost-scsi device', domain: guest(`<controller type='scsi' index='0' model='virtio-scsi'/>`)},
    {name: "SCSI pass-through (a tape) is scsi-tape-device's", domain: guest(scsiHostdevXml())},
    {
      name: 'selected for detach by its WWPN: profile-detach-device reports the action',
      domain: guest(vhostScsi()),
      profile: {detachForMigration: [{kind: 'hostdev', source: WWPN}]},
    },
    {name: 'selected for detach by type', domain: guest(vhostScsi()), profile: {detachForMigration: [{model: 'scsi_host'}]}},
  ],
  invalid: [
    {
      name: 'the libvirt corpus document',
      domain: corpus,
      findings: [
        {
          subject: 'hostdev scsi_host naa.5123456789abcde0',
          message: 'vhost-scsi target naa.5123456789abcde0: QEMU blocks live migration of vhost-scsi ("vhost-scsi does not support migration in all cases")',
          data: {deviceIndex: 3, wwpn: 'naa.5123456789abcde0', protocol: 'vhost'},
        },
      ],
    },
    {
      name: 'two targets, one selected for detach: the other blocks',
      domain: guest(vhostScsi() + vhostScsi('naa.5001405df3e54062', '0x000a')),
      profile: {detachForMigration: [{source: WWPN}]},
      findings: [
        {subject: 'hostdev scsi_host naa.5001405df3e54062', message: 'the profile does not select it for detach', data: {wwpn: 'naa.5001405df3e54062'}},
      ],
    },
    {
      name: 'selected for another guest only',
      domain: guest(vhostScsi()),
      profile: {detachForMigration: [{guest: 'linux02', source: WWPN}]},
      findings: [{severity: 'blocker', message: `vhost-scsi target ${WWPN}:`}],
    },
  ],
})

describe('vhost-scsi in the domain model', () => {
  it('classifies the corpus device as a hostdev with typed protocol and wwpn that blocks live migration', () => {
    const [h] = corpus.hostdevs
    expect(h).to.deep.include({
      kind: 'hostdev',
      mode: 'subsystem',
      type: 'scsi_host',
      managed: false,
      scsiHostSource: {protocol: 'vhost', wwpn: 'naa.5123456789abcde0'},
    })
    expect(corpus.devices[h.index]).to.deep.equal({
      element: 'hostdev',
      kind: 'hostdev',
      index: h.index,
      label: 'hostdev scsi_host naa.5123456789abcde0',
      impact: 'blocks-live-migration',
    })
  })

  it("a detach selected for the profile becomes profile-detach-device's action, re-attached with the same WWPN", () => {
    const findings = evaluate(
      [vhostScsiDevice, profileDetachDevice],
      makeContext({domain: guest(vhostScsi()), profile: {detachForMigration: [{kind: 'hostdev', source: WWPN}]}}),
    )
    expect(findings.map((f) => [f.rule, f.severity, f.subject])).to.deep.equal([['profile-detach-device', 'action', `hostdev scsi_host ${WWPN}`]])
    expect(findings[0].data).to.deep.include({kind: 'hostdev', type: 'scsi_host', devno: '0x0009', source: WWPN, destinationSource: WWPN})
  })
})
