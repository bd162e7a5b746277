import {guestSubject} from '../host-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

/** States in which QEMU is running normally ('idle' and 'blocked' are scheduler states some drivers report). */
const RUNNING = new Set(['running', 'idle', 'blocked'])
/** States a migration cannot start from: the guest is going away or has failed. */
const BROKEN = new Set(['crashed', 'dying', 'in shutdown'])

/**
 * What a migration can do depends on the guest's state on the source (IBM KVM Virtual Server
 * Management, "Live guest migration"; virsh.rst migrate):
 * - shut off: only the definition can move (virsh migrate --offline --persistent); a live or
 *   non-live migration needs a running QEMU, so a profile that asks for one is a blocker;
 * - paused: libvirt migrates it and it arrives paused on the destination (warning: it stays
 *   paused until resumed);
 * - crashed, dying, in shutdown: there is no healthy QEMU to migrate from (Nova likewise only
 *   live-migrates RUNNING or PAUSED instances, `_check_instance_is_active`);
 * - pmsuspended: the guest suspended itself to RAM; unusual on s390x, and whether libvirt
 *   migrates it is not established here, so a warning to wake it first;
 * - running + profile mode offline: only the definition is copied and the guest keeps running on
 *   the source (warning, it is easy to misread as a move);
 * - unknown (checked from --domain-xml without a source guest): info, the other rules assume a
 *   running guest.
 */
export const guestState: Rule = {
  id: 'guest-state',
  category: 'host',
  severity: 'blocker',
  summary: "The guest's state on the source decides what kind of migration is possible (shut off, paused, crashed …).",
  remedy:
    'Bring the guest into a state the chosen migration mode accepts: start it (virsh start) for a live or non-live migration, or set migration mode to offline or auto in the profile for a shut-off guest; for a crashed or dying guest, destroy and restart it first.',
  source:
    'IBM KVM Virtual Server Management, "Live guest migration" (ldva_c_migration); libvirt virsh.rst migrate (--live, --offline); OpenStack Nova _check_instance_is_active',
  check({guest, profile}) {
    const state = guest.state
    const mode = profile.migration.mode
    const subject = guestSubject(guest.name)
    const one = (d: Omit<FindingDraft, 'subject'>): FindingDraft[] => [{subject, ...d, data: {state, mode, ...d.data}}]

    if (state === 'shut off') {
      if (mode === 'live' || mode === 'non-live') {
        return one({message: `${guest.name} is shut off, but the profile asks for a ${mode} migration, which needs a running guest`})
      }
      return one({message: `${guest.name} is shut off: offline migration, only the definition moves`, severity: 'info'})
    }
    if (state === 'unknown') {
      return one({message: `no source state for ${guest.name} (checked from a domain XML); checked as if it were running`, severity: 'info'})
    }
    if (BROKEN.has(state)) {
      return one({message: `${guest.name} is ${state} on the source; there is no healthy QEMU to migrate`})
    }
    if (state === 'paused') {
      return one({
        message: `${guest.name} is paused; it will arrive paused on the destination and stay so until resumed`,
        severity: 'warning',
        remedy: `Resume it before migrating (virsh resume ${guest.name}) if it should run afterwards, or resume it on the destination.`,
      })
    }
    if (state === 'pmsuspended') {
      return one({
        message: `${guest.name} is suspended to RAM (pmsuspended); wake it before migrating`,
        severity: 'warning',
        remedy: `Wake it with virsh dompmwakeup ${guest.name}, then check again.`,
      })
    }
    if (RUNNING.has(state)) {
      if (mode !== 'offline') return []
      return one({
        message: `${guest.name} is running but the profile's migration mode is offline: only its definition is copied and it keeps running on the source`,
        severity: 'warning',
        remedy: 'Use migration mode auto or live to move the running guest; keep offline only to copy the definition.',
      })
    }
    return one({
      message: `${guest.name} is in unexpected state '${state}' on the source`,
      severity: 'warning',
      remedy: `Check virsh domstate --reason ${guest.name} on the source.`,
    })
  },
}
