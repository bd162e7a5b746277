import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {RULES} from '../../src/rules/registry.js'

// Runbooks key on these ids (issue #2): a rename must fail here, not in someone's runbook.
const STABLE_IDS = [
  'dasd-udev-node',
  'dasd-devno-mismatch',
  'dasd-missing-on-destination',
  'dasd-base-offline',
  'dasd-alias-offline',
  'scsi-dm-node',
  'scsi-lun-missing-on-destination',
  'nfs-not-shared',
  'selinux-virt-use-nfs',
  'local-disk-copy',
  'disk-copy-iothread',
  'disk-copy-readonly',
  'disk-copy-destination',
  'disk-source-missing-on-destination',
  'disk-cache-unsafe',
  'sata-disk',
  'vfio-ap-device',
  'vfio-ccw-device',
  'pci-nvme-device',
  'pci-roce-device',
  'pci-hostdev',
  'scsi-tape-device',
  'vhost-scsi-device',
  'mdev-other',
  'shared-filesystem',
  'virtio-vectors',
  'profile-detach-device',
  'net-source-missing',
  'osa-vnic-takeover',
  'dest-memory',
  'dest-cpus',
  'cpu-model-incompatible',
  'arch-mismatch',
  'machine-type-unsupported',
  'dest-name-conflict',
  'same-host',
  'postcopy-userfaultfd',
  'qemu-ids-mismatch',
  'numa-pinning',
  'hugepages-unavailable',
  'libvirt-unreachable',
  'guest-state',
  'secure-execution',
  'migration-may-not-converge',
]

describe('the rule registry', () => {
  it('has every stable id, and nothing else unannounced', () => {
    expect(RULES.map((r) => r.id).sort()).to.deep.equal([...STABLE_IDS].sort())
  })
  it('ids are unique kebab-case', () => {
    const ids = RULES.map((r) => r.id)
    expect(new Set(ids).size).to.equal(ids.length)
    for (const id of ids) expect(id).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })
  it('every rule lives in its own file and has its own table test', () => {
    for (const r of RULES) {
      expect(existsSync(new URL(`../../src/rules/${r.category}/${r.id}.ts`, import.meta.url)), `src/rules/${r.category}/${r.id}.ts`).to.equal(true)
      const test = [`${r.category}/${r.id}`, r.id].map((p) => new URL(`./${p}.test.ts`, import.meta.url)).find((u) => existsSync(u))
      expect(test, `test for ${r.id}`).to.not.equal(undefined)
    }
  })
})
