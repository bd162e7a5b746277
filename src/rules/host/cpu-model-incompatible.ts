import {isOfflineMigration} from '../host-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

const PASSTHROUGH_REMEDY =
  "Give the guest a CPU model both hosts support instead: <cpu mode='host-model'/> or a back-level <cpu mode='custom' match='exact'><model fallback='forbid'>…</model></cpu> from virsh domcapabilities on both hosts (virsh hypervisor-cpu-baseline computes a common one), then restart the guest; host-passthrough can only live-migrate between identical machines."

/**
 * The destination must offer the guest's CPU model: the same or a later machine, or, to move to
 * older hardware, a guest restricted to a back-level model the older machine has (IBM Linux on
 * Z, "IBM Z hardware CPU model", https://www.ibm.com/docs/en/linux-on-systems?topic=migration-z-hardware-cpu-model).
 * zmigrate runs `virsh hypervisor-cpu-compare` with the guest's `<cpu>` on the destination
 * (IBM-KVM "hypervisor-cpu-compare"; Nova does the same with compareHypervisorCPU in
 * `check_can_live_migrate_destination`): incompatible means the destination QEMU refuses to
 * start the guest's CPU.
 *
 * host-passthrough and maximum hand the source machine's CPU to the guest as-is. libvirt's
 * domain format documentation (formatdomain, "CPU model and topology") warns that migrating such a
 * guest is dangerous unless both hosts are identical in hardware, QEMU version, microcode and
 * configuration (the guest may hang or crash on resume), and hypervisor-cpu-compare cannot vouch
 * for it. Same model name on both hosts is necessary but not
 * sufficient (firmware level, installed features), hence a warning; anything else is a blocker.
 * For an offline migration passthrough is harmless: the guest takes the destination's CPU when
 * it next starts.
 *
 * No `<cpu>`: nothing to check. The s390x KVM default is host-model, which libvirt expands into
 * a custom model in the live XML; that expanded `<cpu>` is what gets compared.
 */
export const cpuModelIncompatible: Rule = {
  id: 'cpu-model-incompatible',
  category: 'host',
  severity: 'blocker',
  summary: "The destination cannot provide the guest's CPU model (hypervisor-cpu-compare, or host-passthrough between different hosts).",
  remedy:
    "Restrict the guest to a back-level CPU model both hosts have: set <cpu mode='custom' match='exact'><model fallback='forbid'>…</model></cpu> to a model listed usable='yes' in virsh domcapabilities on the destination (or computed with virsh hypervisor-cpu-baseline over both hosts' CPUs), confirm with virsh hypervisor-cpu-compare on the destination, then restart the guest.",
  source:
    'IBM Linux on Z, "IBM Z hardware CPU model" (https://www.ibm.com/docs/en/linux-on-systems?topic=migration-z-hardware-cpu-model); IBM KVM "virsh hypervisor-cpu-compare" (ldva_r_virsh_hypervisor_cpu_compare)',
  check(ctx) {
    const {guest, source, destination, cpuCompare} = ctx
    const cpu = guest.domain.cpu
    if (!cpu) return []
    const subject = `cpu ${cpu.model ?? cpu.mode ?? 'default'}`

    if (cpu.mode === 'host-passthrough' || cpu.mode === 'maximum') {
      if (isOfflineMigration(ctx)) return []
      return [passthrough(cpu.mode, source.hostCpu, destination.hostCpu, source.host, destination.host)]
    }

    if (cpuCompare) {
      if (cpuCompare.result === 'incompatible') {
        return [
          {
            subject,
            message: `guest CPU ${describe(cpu)} is incompatible with ${destination.host}${cpuCompare.detail ? `: ${cpuCompare.detail}` : ''}`,
            data: {model: cpu.model, mode: cpu.mode, result: cpuCompare.result},
          },
        ]
      }
      if (cpuCompare.result === 'error') {
        return [
          {
            subject,
            message: `could not compare guest CPU ${describe(cpu)} on ${destination.host}: ${cpuCompare.detail ?? 'hypervisor-cpu-compare failed'}`,
            severity: 'warning',
            remedy: `Run virsh hypervisor-cpu-compare with the guest's <cpu> element on ${destination.host} by hand and check the result is identical or superset.`,
          },
        ]
      }
      return []
    }

    // Not compared (no connection to the destination's libvirt for it): domcapabilities' usable list is the fallback.
    const usable = destination.usableCpuModels
    if (cpu.mode === 'custom' && cpu.model && usable.length > 0 && !usable.includes(cpu.model)) {
      return [
        {
          subject,
          message: `guest CPU model ${cpu.model} is not usable on ${destination.host} (usable: ${usable.join(', ')})`,
          data: {model: cpu.model, usable},
        },
      ]
    }
    return []
  },
}

function describe(cpu: {mode?: string; model?: string}): string {
  return cpu.model ? `${cpu.model} (${cpu.mode ?? 'custom'})` : (cpu.mode ?? 'default')
}

type HostCpu = {model?: string; features: string[]} | undefined

function passthrough(mode: string, src: HostCpu, dst: HostCpu, srcName: string, dstName: string): FindingDraft {
  const subject = `cpu ${mode}`
  const srcModel = src?.model
  const dstModel = dst?.model
  if (!srcModel || !dstModel || srcModel !== dstModel) {
    return {
      subject,
      message: `${mode} gives the guest ${srcName}'s CPU (${srcModel ?? 'unknown model'}); ${dstName} has ${dstModel ?? 'an unknown model'}, and live migration needs an identical host`,
      remedy: PASSTHROUGH_REMEDY,
      data: {mode, sourceModel: srcModel, destinationModel: dstModel},
    }
  }
  const missing = (src?.features ?? []).filter((f) => !(dst?.features ?? []).includes(f))
  if (missing.length > 0 && (dst?.features.length ?? 0) > 0) {
    return {
      subject,
      message: `${mode}: both hosts are ${srcModel}, but ${dstName} lacks CPU features ${srcName} has: ${missing.join(', ')}`,
      remedy: PASSTHROUGH_REMEDY,
      data: {mode, model: srcModel, missingFeatures: missing},
    }
  }
  return {
    subject,
    message: `${mode}: both hosts report ${srcModel}; live migration works only if the machines are identical (same features and firmware level)`,
    severity: 'warning',
    remedy: PASSTHROUGH_REMEDY,
    data: {mode, model: srcModel},
  }
}
