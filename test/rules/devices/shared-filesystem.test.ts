import {sharedFilesystem} from '../../../src/rules/devices/shared-filesystem.js'
import {guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'
import {ninePXml, virtiofsXml} from './z-devices.js'

ruleTester(sharedFilesystem, {
  valid: [{name: 'no shared file system', domain: guest('')}],
  invalid: [
    {
      name: 'virtio-fs share',
      domain: guest(virtiofsXml()),
      findings: [
        {
          severity: 'blocker',
          subject: 'filesystem virtiofs share (/srv/share/linux01)',
          message: `virtio-fs share of /srv/share/linux01 as mount_tag 'share': libvirt refuses "migration with virtiofs device is not supported" and IBM requires it unmounted in the guest`,
          data: {kind: 'filesystem', target: 'share', source: '/srv/share/linux01'},
          fix: null,
        },
      ],
    },
    {
      name: 'virtio-fs selected for detach in the profile',
      domain: guest(virtiofsXml()),
      profile: {detachForMigration: [{kind: 'filesystem', source: '/srv/share/linux01'}]},
      findings: [
        {
          severity: 'action',
          message: "plugged back on dst with source /srv/share/linux01 (site profile); the guest must unmount mount_tag 'share' first",
          data: {destinationSource: '/srv/share/linux01'},
          fix: {kind: 'move-device', deviceIndex: 1, identity: {kind: 'same'}},
        },
      ],
    },
    {
      name: '9p share (default driver = path)',
      domain: guest(ninePXml()),
      findings: [
        {
          severity: 'blocker',
          subject: 'filesystem 9p export (/srv/export)',
          message: 'QEMU blocks migration while it is mounted in the guest ("Migration is disabled when VirtFS export path',
        },
      ],
    },
    {
      name: "9p with driver type='handle'",
      domain: guest(ninePXml('/srv/export', 'export', `<driver type='handle'/>`)),
      findings: [{severity: 'blocker', subject: '9p'}],
    },
    {
      name: '9p selected for detach stays a blocker (libvirt hot-unplugs only virtio-fs)',
      domain: guest(ninePXml()),
      profile: {detachForMigration: [{kind: 'filesystem'}]},
      findings: [{severity: 'blocker', message: 'libvirt can hot-unplug only virtio-fs file systems', fix: null}],
    },
  ],
})
