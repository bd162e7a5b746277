import {formatKiB} from '../../units.js'
import {hostSubject, isOfflineMigration} from '../host-helpers.js'
import type {Rule} from '../types.js'

/**
 * The destination QEMU must be able to hold the guest's memory: IBM asks for "the same or
 * equivalent" memory on both hosts (IBM KVM Virtual Server Management, "Preservation of the
 * virtual server resources", ldva_c_migration_VSresources), and Nova refuses a forced host with
 * "Lack of memory" for the same reason (nova/conductor/tasks/live_migrate.py,
 * `_check_destination_has_enough_memory`). libvirt itself does not check: the destination QEMU
 * starts, and the migration dies when the host runs out of memory or the OOM killer picks a guest.
 *
 * Measured against MemAvailable (free plus reclaimable page cache), else MemFree, and against the
 * guest's current memory (`<currentMemory>`, the balloon size; QEMU touches no more than that on
 * the destination). Guests backed by huge pages are left to hugepages-unavailable: their memory
 * comes from the huge page pool, which MemAvailable does not count.
 *
 * For an offline migration only the definition moves, so a shortfall is reported as info: the
 * guest will need that memory when it is started there.
 */
export const destMemory: Rule = {
  id: 'dest-memory',
  category: 'host',
  severity: 'blocker',
  summary: "The destination's available memory cannot hold the guest's current memory.",
  remedy:
    'Free memory on the destination (stop or migrate away other guests, drop caches), pick a destination with more memory, or reduce the guest with virsh setmem <guest> <size> --live before migrating.',
  source:
    'IBM KVM Virtual Server Management, "Preservation of the virtual server resources" (ldva_c_migration_VSresources): same or equivalent memory on both hosts',
  check(ctx) {
    const {guest, destination} = ctx
    if (guest.domain.memoryBacking && hugepageBacked(guest.domain.memoryBacking)) return []
    const neededKiB = guest.domain.currentMemoryKiB ?? guest.domain.memoryKiB
    const offline = isOfflineMigration(ctx)
    const {availableKiB, freeKiB} = destination.memory
    const haveKiB = availableKiB ?? freeKiB
    if (haveKiB === undefined) {
      return [
        {
          subject: hostSubject(destination),
          message: `could not read the memory of ${destination.host} (no MemAvailable or MemFree in the facts); guest ${guest.name} needs ${formatKiB(neededKiB)}`,
          severity: offline ? 'info' : 'warning',
          remedy: `Check /proc/meminfo on ${destination.host} and that at least ${formatKiB(neededKiB)} is available.`,
        },
      ]
    }
    if (haveKiB >= neededKiB) return []
    const measure = availableKiB === undefined ? 'free' : 'available'
    const what = offline ? '; offline migration: it will need that memory when it is started there' : ''
    return [
      {
        subject: hostSubject(destination),
        message: `guest ${guest.name} needs ${formatKiB(neededKiB)} but ${destination.host} has ${formatKiB(haveKiB)} ${measure}${what}`,
        severity: offline ? 'info' : undefined,
        data: {neededKiB, availableKiB: haveKiB, measure},
      },
    ]
  },
}

function hugepageBacked(backing: {hugepages: unknown[]; hugepagesDefault: boolean}): boolean {
  return backing.hugepagesDefault || backing.hugepages.length > 0
}
