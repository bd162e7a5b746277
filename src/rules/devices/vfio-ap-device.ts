import {hostdevLabel} from '../../domain/labels.js'
import type {MediatedDevice} from '../../hosts/facts-types.js'
import {
  VFIO_AP_MDEV_TYPE,
  compact,
  describeMatrix,
  describeMatrixDifference,
  findMdev,
  guestsUsing,
  listOrNone,
  mappedTo,
  matricesEqual,
  matrixDifference,
  mdevsOfType,
  sameUuid,
} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/**
 * A crypto pass-through (`<hostdev type='mdev' model='vfio-ap'>`) blocks live migration: QEMU
 * registers vfio-ap with an unmigratable VMState (qemu hw/vfio/ap.c), and IBM says no vfio_ap
 * device may be configured for live migration (IBM-DD "Live guest migration"). Newer QEMU marks
 * vfio-ap hot-pluggable (hw/vfio/ap.c sets `hotpluggable = true`; the kernel vfio-ap document
 * describes `virsh detach-device`), so zmigrate hot-unplugs it, migrates, and re-plugs an mdev on
 * the destination — the guest has no crypto while it is detached.
 *
 * The guest's crypto identity is the mdev's matrix: the APQNs (adapters × domains) and the
 * control domains (kernel Documentation/arch/s390/vfio-ap.rst). The destination mdev must carry
 * exactly the same matrix, or the guest would come back with other (or missing) crypto
 * domains and keys. Candidates, in order: the UUID the profile maps to, the same UUID, then any
 * unused vfio_ap-passthrough mdev of the destination with an equal matrix (AP queues can be in
 * one mdev at a time, so that mdev is the one prepared for this guest).
 */
export const vfioApDevice: Rule = {
  id: 'vfio-ap-device',
  category: 'devices',
  severity: 'action',
  summary: 'A vfio-ap crypto pass-through must be unplugged before migration and re-plugged on the destination to an mdev with the same AP matrix.',
  remedy:
    'On the destination, free the AP queues from the host (chzdev -t ap apmask=… aqmask=…), create a vfio_ap-passthrough mdev and assign the same adapters, domains and control domains (mdevctl define -p matrix -t vfio_ap-passthrough -u <uuid>; mdevctl modify --addattr assign_adapter/assign_domain/assign_control_domain), or map the UUID in the profile (devices.mappings, kind mdev).',
  source:
    'IBM Device Drivers, Features, and Commands, "Live guest migration" (no vfio_ap devices); QEMU hw/vfio/ap.c (vmstate unmigratable, hotpluggable); Linux Documentation/arch/s390/vfio-ap.rst',
  check(ctx) {
    const dest = ctx.destination.host
    return ctx.guest.domain.hostdevs
      .filter((h) => h.type === 'mdev' && h.model === 'vfio-ap')
      .map((h): FindingDraft => {
        const subject = hostdevLabel(h)
        const uuid = h.mdevUuid
        if (uuid === undefined) {
          return {
            subject,
            message: 'the vfio-ap hostdev names no mdev UUID (<source><address uuid=…/>), so its crypto matrix cannot be known',
            severity: 'blocker',
          }
        }
        const remedy = (wanted: string, matrixText: string): string =>
          `On ${dest}, give a vfio_ap-passthrough mdev exactly ${matrixText} (mdevctl define -p matrix -t ${VFIO_AP_MDEV_TYPE} -u ${wanted}, then mdevctl modify -u ${wanted} --addattr assign_adapter/assign_domain/assign_control_domain --value 0x…; free the queues first with chzdev -t ap apmask/aqmask), or map ${uuid} to such an mdev in the profile (devices.mappings: kind mdev, to-host ${dest}). IBM's own rule is to remove vfio_ap devices before live migration.`
        const sourceMdev = findMdev(ctx.source, uuid)
        if (!sourceMdev?.matrix) {
          return {
            subject,
            message: `${ctx.source.host} facts have ${sourceMdev ? `no matrix for mdev ${uuid}` : `no mdev ${uuid}`}, so the destination's crypto matrix cannot be compared; IBM: no vfio_ap device may be configured for live migration`,
            severity: 'blocker',
            remedy: `Check that mdev ${uuid} exists and is active on ${ctx.source.host} (mdevctl list; cat /sys/bus/mdev/devices/${uuid}/matrix) and re-run the check, or detach the crypto device from the guest (virsh detach-device) before migrating.`,
            data: {deviceIndex: h.index, sourceUuid: uuid},
          }
        }
        const matrix = sourceMdev.matrix
        const matrixText = describeMatrix(matrix)
        const usable = (m: MediatedDevice): boolean => m.type === VFIO_AP_MDEV_TYPE && guestsUsing(ctx.destination, m.uuid, ctx.guest.name).length === 0
        const action = (m: MediatedDevice, how: string): FindingDraft => ({
          subject,
          remedy: `Nothing to set up; make sure guest ${ctx.guest.name} can be without its crypto adapters while zmigrate unplugs mdev ${uuid} and re-plugs mdev ${m.uuid} on ${dest} (the destination QEMU must support vfio-ap hot-plug).`,
          message: `unplugged before migration and re-plugged on ${dest} as mdev ${m.uuid} (${how}) with the same ${matrixText}; the guest has no crypto while it is unplugged (IBM: no vfio_ap device in a live migration)`,
          data: {deviceIndex: h.index, sourceUuid: uuid, destinationUuid: m.uuid, matrix},
          fix: {kind: 'move-device', deviceIndex: h.index, identity: {kind: 'mdev', uuid: m.uuid}},
        })
        const blocker = (why: string, wanted: string): FindingDraft => ({
          subject,
          message: why,
          severity: 'blocker',
          remedy: remedy(wanted, matrixText),
          data: compact({deviceIndex: h.index, sourceUuid: uuid, wantedUuid: wanted, matrix}),
        })
        const inUse = (m: MediatedDevice): string =>
          `mdev ${m.uuid} on ${dest} is in use by running guest ${guestsUsing(ctx.destination, m.uuid, ctx.guest.name).join(', ')}`

        const mapped = mappedTo(ctx, 'mdev', uuid)
        if (mapped !== undefined) {
          const m = findMdev(ctx.destination, mapped)
          if (!m) return blocker(`the profile maps ${uuid} to ${mapped}, but ${dest} has no mdev ${mapped}`, mapped)
          if (m.type !== VFIO_AP_MDEV_TYPE)
            return blocker(`mdev ${mapped} on ${dest} (mapped by the profile) is of type ${m.type}, not ${VFIO_AP_MDEV_TYPE}`, mapped)
          if (!m.matrix || !matricesEqual(matrix, m.matrix)) {
            return blocker(
              `mdev ${mapped} on ${dest} (mapped by the profile) ${m.matrix ? describeMatrixDifference(matrixDifference(matrix, m.matrix)) : 'has no matrix in the facts'}; the source mdev has ${matrixText}`,
              mapped,
            )
          }
          if (!usable(m)) return blocker(inUse(m), mapped)
          return action(m, `mapped by the profile`)
        }

        const same = findMdev(ctx.destination, uuid)
        if (same && same.type === VFIO_AP_MDEV_TYPE && same.matrix && matricesEqual(matrix, same.matrix) && usable(same)) return action(same, 'same UUID')
        const equal = mdevsOfType(ctx.destination, VFIO_AP_MDEV_TYPE).find(
          (m) => !sameUuid(m.uuid, uuid) && m.matrix && matricesEqual(matrix, m.matrix) && usable(m),
        )
        if (equal) return action(equal, 'same matrix')

        if (same?.type === VFIO_AP_MDEV_TYPE && same.matrix && matricesEqual(matrix, same.matrix)) return blocker(inUse(same), uuid)
        if (same?.type === VFIO_AP_MDEV_TYPE) {
          const diff = same.matrix ? describeMatrixDifference(matrixDifference(matrix, same.matrix)) : 'has no matrix in the facts'
          return blocker(`mdev ${uuid} on ${dest} ${diff}; the source mdev has ${matrixText}`, uuid)
        }
        // Say for each of the destination's mdevs which APQNs differ from the source's.
        const others = mdevsOfType(ctx.destination, VFIO_AP_MDEV_TYPE).map(
          (m) => `${m.uuid} (${m.matrix ? describeMatrixDifference(matrixDifference(matrix, m.matrix)) || 'same matrix, in use' : 'no matrix'})`,
        )
        const why = same
          ? `mdev ${uuid} on ${dest} is of type ${same.type}, not ${VFIO_AP_MDEV_TYPE}`
          : `${dest} has no vfio_ap-passthrough mdev with ${matrixText}`
        return blocker(`${why}; its vfio_ap-passthrough mdevs: ${listOrNone(others)}`, uuid)
      })
  },
}
