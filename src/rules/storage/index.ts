import type {Rule} from '../types.js'
import {dasdAliasOffline} from './dasd-alias-offline.js'
import {dasdBaseOffline} from './dasd-base-offline.js'
import {dasdDevnoMismatch} from './dasd-devno-mismatch.js'
import {dasdMissingOnDestination} from './dasd-missing-on-destination.js'
import {dasdUdevNode} from './dasd-udev-node.js'
import {diskCacheUnsafe} from './disk-cache-unsafe.js'
import {diskCopyDestination} from './disk-copy-destination.js'
import {diskCopyIothread} from './disk-copy-iothread.js'
import {diskCopyReadonly} from './disk-copy-readonly.js'
import {diskSourceMissingOnDestination} from './disk-source-missing-on-destination.js'
import {localDiskCopy} from './local-disk-copy.js'
import {nfsNotShared} from './nfs-not-shared.js'
import {sataDisk} from './sata-disk.js'
import {scsiDmNode} from './scsi-dm-node.js'
import {scsiLunMissingOnDestination} from './scsi-lun-missing-on-destination.js'
import {selinuxVirtUseNfs} from './selinux-virt-use-nfs.js'

export const storageRules: readonly Rule[] = [
  dasdUdevNode,
  dasdDevnoMismatch,
  dasdMissingOnDestination,
  dasdBaseOffline,
  dasdAliasOffline,
  scsiDmNode,
  scsiLunMissingOnDestination,
  nfsNotShared,
  selinuxVirtUseNfs,
  localDiskCopy,
  diskCopyIothread,
  diskCopyReadonly,
  diskCopyDestination,
  diskSourceMissingOnDestination,
  diskCacheUnsafe,
  sataDisk,
]
