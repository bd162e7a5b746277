import {guestSubject, isOfflineMigration} from '../host-helpers.js'
import type {Rule} from '../types.js'

/**
 * An IBM Secure Execution guest (`<launchSecurity type='s390-pv'>`, QEMU "protected
 * virtualization") cannot be live-migrated: its memory and most CPU state are inaccessible to the
 * hypervisor, and QEMU registers a migration blocker as soon as the guest switches into protected
 * mode (qemu commit 0141e1b477 "s390x: protvirt: Add migration blocker", 2020, "Migration is not
 * yet supported"; hw/s390x/s390-virtio-ccw.c still keeps `pv_mig_blocker` in current QEMU, and
 * no upstream QEMU release lifts it as far as the sources show). libvirt reports it as "cannot
 * migrate domain: …" from QEMU's blocked reasons. KubeVirt marks such VMs non-migratable
 * (reason SecureExecutionNotLiveMigratable; kubevirt/enhancements#15: "Live migration is not
 * possible due to the restrictions on accessing the guest memory").
 *
 * Offline migration (shut-off guest) is fine and gets no finding. The encrypted boot image only
 * starts on machines whose host key it was built for (genprotimg / pvimg -k <host-key>), which
 * is a property of the image this rule cannot see.
 */
export const secureExecution: Rule = {
  id: 'secure-execution',
  category: 'host',
  severity: 'blocker',
  summary: 'IBM Secure Execution (protected virtualization) guests cannot be live-migrated.',
  remedy:
    "Shut the guest down and migrate it offline (definition only), making sure its Secure Execution image was built with the destination machine's host-key document, then start it there.",
  source:
    'QEMU commit 0141e1b477 "s390x: protvirt: Add migration blocker" (hw/s390x/s390-virtio-ccw.c); QEMU docs/system/s390x/protvirt.rst; IBM Linux on Z "Introducing IBM Secure Execution for Linux"',
  check(ctx) {
    const {guest} = ctx
    if (guest.domain.launchSecurity?.type !== 's390-pv' || isOfflineMigration(ctx)) return []
    return [
      {
        subject: guestSubject(guest.name),
        message: `${guest.name} runs under IBM Secure Execution (launchSecurity s390-pv); QEMU blocks migration of protected guests, so it cannot move while ${guest.state}`,
        data: {launchSecurity: 's390-pv', state: guest.state},
      },
    ]
  },
}
