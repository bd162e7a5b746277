import {hostSubject, isOfflineMigration, postcopyEnabled} from '../host-helpers.js'
import type {Rule} from '../types.js'

/**
 * Post-copy starts the guest on the destination before all memory has arrived; the destination
 * QEMU traps the guest's accesses to missing pages with userfaultfd and fetches them from the
 * source (QEMU docs/devel/migration/postcopy.rst). Only the destination needs it: QEMU checks
 * `postcopy_ram_supported_by_host` when the postcopy-ram capability is set on the incoming side
 * ("it's only the destination that needs special support", migration/options.c
 * `migrate_caps_check`); the source just sends pages on request. So only the destination's
 * sysctl is checked.
 *
 * QEMU runs as the unprivileged qemu user without CAP_SYS_PTRACE. With
 * `vm.unprivileged_userfaultfd = 0` (Documentation/admin-guide/sysctl/vm.rst
 * "unprivileged_userfaultfd"; what current distributions run with — SUSE documents that KVM
 * hosts with kernel >= 5.11 need it set to 1 for post-copy) such a process may only create
 * user-mode-only userfaultfds, which cannot catch the kernel-side faults KVM takes on guest memory, and the
 * migration fails when post-copy is enabled: "Postcopy is not supported: Userfaultfd not
 * available: Operation not permitted" (kubevirt/kubevirt#17780). libvirt >= 8.0 ships
 * /usr/lib/sysctl.d/60-qemu-postcopy-migration.conf setting it to 1 (SUSE/doc-sle#1058), but
 * distributions may drop that file.
 *
 * Caveat: QEMU's util/userfaultfd.c prefers /dev/userfaultfd (kernel >= 6.1) when it can open
 * it, and recent libvirt adds /dev/userfaultfd to the guest's device ACL and namespace; on such
 * hosts the sysctl does not matter. The facts do not record /dev/userfaultfd access yet, so 0 is
 * reported as a blocker (override the rule's severity in the profile on such hosts). Unknown
 * value: warning.
 */
export const postcopyUserfaultfd: Rule = {
  id: 'postcopy-userfaultfd',
  category: 'host',
  severity: 'blocker',
  summary: 'Post-copy is enabled but the destination does not let the unprivileged QEMU use userfaultfd (vm.unprivileged_userfaultfd = 0).',
  remedy:
    'On the destination run sysctl -w vm.unprivileged_userfaultfd=1 and persist it in /etc/sysctl.d/60-qemu-postcopy-migration.conf (libvirt ships this file from 8.0 on), or remove postcopy-after / timeout-action: postcopy from the profile.',
  source:
    'QEMU docs/devel/migration/postcopy.rst and migration/options.c migrate_caps_check (destination needs userfaultfd); Linux Documentation/admin-guide/sysctl/vm.rst "unprivileged_userfaultfd"',
  check(ctx) {
    const {destination, profile} = ctx
    if (!postcopyEnabled(profile.migration) || isOfflineMigration(ctx)) return []
    const value = destination.sysctl.unprivilegedUserfaultfd
    if (value === undefined) {
      return [
        {
          subject: hostSubject(destination),
          message: `post-copy is enabled but vm.unprivileged_userfaultfd on ${destination.host} is unknown; with 0 the destination QEMU cannot use userfaultfd and post-copy fails`,
          severity: 'warning',
          remedy: `Check sysctl vm.unprivileged_userfaultfd on ${destination.host}; it must be 1 for post-copy (or QEMU must be able to open /dev/userfaultfd).`,
        },
      ]
    }
    if (value !== 0) return []
    return [
      {
        subject: hostSubject(destination),
        message: `post-copy is enabled (${describePolicy(profile.migration)}) but ${destination.host} has vm.unprivileged_userfaultfd = 0: the qemu user cannot use userfaultfd, so QEMU refuses post-copy`,
        data: {unprivilegedUserfaultfd: value},
      },
    ]
  },
}

function describePolicy(policy: {postcopyAfterSeconds?: number; timeoutAction: string}): string {
  return policy.postcopyAfterSeconds !== undefined ? `postcopy-after ${policy.postcopyAfterSeconds}s` : 'timeout-action postcopy'
}
