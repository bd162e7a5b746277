import type {Rule} from '../types.js'
import {archMismatch} from './arch-mismatch.js'
import {cpuModelIncompatible} from './cpu-model-incompatible.js'
import {destCpus} from './dest-cpus.js'
import {destMemory} from './dest-memory.js'
import {destNameConflict} from './dest-name-conflict.js'
import {guestState} from './guest-state.js'
import {hugepagesUnavailable} from './hugepages-unavailable.js'
import {libvirtUnreachable} from './libvirt-unreachable.js'
import {machineTypeUnsupported} from './machine-type-unsupported.js'
import {migrationMayNotConverge} from './migration-may-not-converge.js'
import {numaPinning} from './numa-pinning.js'
import {postcopyUserfaultfd} from './postcopy-userfaultfd.js'
import {qemuIdsMismatch} from './qemu-ids-mismatch.js'
import {sameHost} from './same-host.js'
import {secureExecution} from './secure-execution.js'

/** Host-level rules: reachability and identity first, then state, platform, resources, policy. */
export const hostRules: readonly Rule[] = [
  libvirtUnreachable,
  sameHost,
  guestState,
  secureExecution,
  archMismatch,
  machineTypeUnsupported,
  cpuModelIncompatible,
  destMemory,
  hugepagesUnavailable,
  destCpus,
  numaPinning,
  destNameConflict,
  qemuIdsMismatch,
  postcopyUserfaultfd,
  migrationMayNotConverge,
]
