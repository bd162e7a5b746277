import {hostdevLabel} from '../../domain/labels.js'
import {VFIO_CCW_MDEV_TYPE, compact, findMdev, guestDevno, guestsUsing, listOrNone, mappedTo, mdevsOfType} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * A pass-through DASD (`<hostdev type='mdev' model='vfio-ccw'>`) blocks live migration: QEMU
 * registers the vfio-ccw device with an unmigratable VMState (qemu hw/vfio/ccw.c), and IBM
 * requires CCW pass-through devices to be detached first (IBM-DD "Live guest migration").
 * zmigrate detaches it, migrates, and re-attaches it on the destination with the
 * destination's mediated device, keeping the guest device number so the guest sees the same
 * bus-ID.
 *
 * Which mdev: IBM chooses the mdev UUID per device and re-uses it ("Creating a mediated device
 * for a DASD pass-through device": `virsh nodedev-define` with a fixed `<uuid>`; QEMU
 * docs/system/s390x/vfio-ccw.rst: `mdevctl define -u <uuid>`), so the seed rule is the same UUID
 * on the destination; a site whose hosts use their own UUIDs maps them in the profile
 * (`devices.mappings`, kind `mdev`). The mdev must be of type vfio_ccw-io and not in use by a
 * running guest there.
 */
export const vfioCcwDevice: Rule = {
  id: 'vfio-ccw-device',
  category: 'devices',
  severity: 'action',
  summary: 'A vfio-ccw pass-through DASD must be detached before migration and re-attached to a vfio_ccw-io mdev on the destination.',
  remedy:
    "Create the mediated device on the destination with the same UUID (bind the subchannel to vfio_ccw, then mdevctl define -u <uuid> -p <subchannel> -t vfio_ccw-io -a, or virsh nodedev-define), or map the UUID to the destination's in the profile (devices.mappings, kind mdev).",
  source:
    'IBM Device Drivers, Features, and Commands, "Live guest migration" (CCW pass-through devices must be detached); IBM KVM Virtual Server Management, "Creating a mediated device for a DASD pass-through device"; QEMU hw/vfio/ccw.c (vmstate unmigratable)',
  check(ctx) {
    const dest = ctx.destination.host
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'mdev' && h.model === 'vfio-ccw')
      .map((h): FindingDraft => {
        const subject = hostdevLabel(h)
        const uuid = h.mdevUuid
        const devno = guestDevno(h)
        if (uuid === undefined) {
          return {
            subject,
            message: 'the vfio-ccw hostdev names no mdev UUID (<source><address uuid=…/>), so it cannot be re-created on the destination',
            severity: 'blocker',
          }
        }
        const mapped = mappedTo(ctx, 'mdev', uuid)
        const wanted = mapped ?? uuid
        const how = mapped ? `mapped by the profile to ${mapped}` : 'same UUID'
        const candidate = findMdev(ctx.destination, wanted)
        const sourceMdev = findMdev(ctx.source, uuid)
        const available = mdevsOfType(ctx.destination, VFIO_CCW_MDEV_TYPE).map((m) => `${m.uuid} (${m.ccwDevice ?? m.parent})`)
        const blocker = (why: string): FindingDraft => ({
          subject,
          message: `${why}; ${dest} has vfio_ccw-io mdevs: ${listOrNone(available)}`,
          severity: 'blocker',
          remedy: `On ${dest}, create the vfio_ccw-io mdev ${wanted} on the subchannel of the same DASD (mdevctl define -u ${wanted} -p <subchannel> -t ${VFIO_CCW_MDEV_TYPE} -a; lscss shows the subchannel), or map ${uuid} to an existing mdev of ${dest} in the profile (devices.mappings: kind mdev, from ${uuid}, to <uuid>, to-host ${dest}).`,
          data: compact({deviceIndex: h.index, sourceUuid: uuid, wantedUuid: wanted, devno}),
        })
        if (!candidate) return blocker(`${dest} has no mediated device ${wanted} (${how})`)
        if (candidate.type !== VFIO_CCW_MDEV_TYPE) return blocker(`mdev ${wanted} on ${dest} is of type ${candidate.type}, not ${VFIO_CCW_MDEV_TYPE}`)
        const users = guestsUsing(ctx.destination, candidate.uuid, ctx.guest.name)
        if (users.length > 0) return blocker(`mdev ${candidate.uuid} on ${dest} is in use by running guest ${users.join(', ')}`)
        const backing = [sourceMdev?.ccwDevice && `here ${sourceMdev.ccwDevice}`, candidate.ccwDevice && `on ${dest} ${candidate.ccwDevice}`].filter(Boolean)
        return {
          subject,
          remedy: `Nothing to set up; before migrating, stop using the DASD in guest ${ctx.guest.name}${devno ? ` (unmount it, chccwdev -d 0.0.${devno.replace(/^0x/, '')})` : ''}: zmigrate detaches mdev ${uuid} and re-attaches mdev ${candidate.uuid} on ${dest}.`,
          message: `detached before migration and re-attached on ${dest} as mdev ${candidate.uuid} (${how}; subchannel ${candidate.parent}${backing.length > 0 ? `, DASD ${backing.join(', ')}` : ''}), guest devno ${devno ?? 'assigned by libvirt'} kept; the guest loses the DASD while it is detached`,
          data: compact({
            deviceIndex: h.index,
            sourceUuid: uuid,
            destinationUuid: candidate.uuid,
            devno,
            destinationParent: candidate.parent,
            destinationCcwDevice: candidate.ccwDevice,
          }),
          fix: {kind: 'move-device', deviceIndex: h.index, identity: {kind: 'mdev', uuid: candidate.uuid}},
        }
      })
  },
}
