import {mdevOther} from '../../../src/rules/devices/mdev-other.js'
import {guest} from '../../support/domain-xml.js'
import {ruleTester} from '../../support/rule-harness.js'
import {mdevXml, vfioApXml, vfioCcwXml} from './z-devices.js'

const VGPU = 'b3c1f0a2-9d8e-4c7b-a6f5-e4d3c2b1a0f9'

ruleTester(mdevOther, {
  valid: [
    {name: 'vfio-ccw has its own rule', domain: guest(vfioCcwXml())},
    {name: 'vfio-ap has its own rule', domain: guest(vfioApXml())},
  ],
  invalid: [
    {
      name: 'vfio-pci mdev (vGPU-style)',
      domain: guest(mdevXml(VGPU, 'vfio-pci')),
      findings: [
        {
          subject: `hostdev vfio-pci ${VGPU}`,
          message: `mediated device ${VGPU} of model vfio-pci blocks live migration`,
          data: {sourceUuid: VGPU, model: 'vfio-pci'},
        },
      ],
    },
    {
      name: 'selected for detach is still a blocker (zmigrate cannot re-create it)',
      domain: guest(mdevXml(VGPU, 'vfio-pci')),
      profile: {detachForMigration: [{kind: 'hostdev', source: VGPU}]},
      findings: [{severity: 'blocker'}],
    },
  ],
})
