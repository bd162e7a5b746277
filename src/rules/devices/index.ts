import type {Rule} from '../types.js'
import {mdevOther} from './mdev-other.js'
import {pciHostdev} from './pci-hostdev.js'
import {pciNvmeDevice} from './pci-nvme-device.js'
import {pciRoceDevice} from './pci-roce-device.js'
import {profileDetachDevice} from './profile-detach-device.js'
import {scsiTapeDevice} from './scsi-tape-device.js'
import {sharedFilesystem} from './shared-filesystem.js'
import {vfioApDevice} from './vfio-ap-device.js'
import {vfioCcwDevice} from './vfio-ccw-device.js'
import {vhostScsiDevice} from './vhost-scsi-device.js'
import {virtioVectors} from './virtio-vectors.js'

export const deviceRules: readonly Rule[] = [
  vfioCcwDevice,
  vfioApDevice,
  pciNvmeDevice,
  pciRoceDevice,
  pciHostdev,
  scsiTapeDevice,
  vhostScsiDevice,
  mdevOther,
  sharedFilesystem,
  virtioVectors,
  profileDetachDevice,
]
