import {interfaceLabel, interfaceSourceName} from '../../domain/labels.js'
import type {NetInterface} from '../../domain/types.js'
import type {HostFacts} from '../../hosts/facts-types.js'
import {listOrNone, mappedTo, similarNames} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

const CHECKED_TYPES = new Set(['direct', 'bridge', 'network'])

/** Why `name` cannot serve as this interface's source on a host; undefined when it can. */
function problemWith(iface: NetInterface, name: string, facts: HostFacts): string | undefined {
  const host = facts.host
  switch (iface.type) {
    case 'direct':
      return facts.netInterfaces.some((n) => n.name === name) ? undefined : `${host} has no network interface ${name}`
    case 'bridge': {
      const dev = facts.netInterfaces.find((n) => n.name === name)
      if (!dev) return `${host} has no bridge ${name}`
      // An Open vSwitch bridge is an internal 'openvswitch' device, not a Linux bridge.
      if (dev.kind === 'bridge' || iface.virtualport === 'openvswitch') return undefined
      return `${name} on ${host} is a ${dev.kind} interface, not a bridge`
    }
    case 'network': {
      const net = facts.libvirtNetworks.find((n) => n.name === name)
      if (!net) return `${host} has no libvirt network ${name}`
      return net.active ? undefined : `libvirt network ${name} on ${host} is defined but not active`
    }
    default:
      return undefined
  }
}

/** What the host has that could be meant instead, for the message. */
function lookalikes(iface: NetInterface, name: string, facts: HostFacts): string {
  switch (iface.type) {
    case 'direct':
      return `interfaces like it: ${listOrNone(
        similarNames(
          name,
          facts.netInterfaces.map((n) => n.name),
        ),
      )}`
    case 'bridge':
      return `bridges: ${listOrNone(facts.netInterfaces.filter((n) => n.kind === 'bridge').map((n) => n.name))}`
    default:
      return `networks: ${listOrNone(facts.libvirtNetworks.map((n) => `${n.name}${n.active ? '' : ' (inactive)'}`))}`
  }
}

function createRemedy(iface: NetInterface, name: string, dest: string): string {
  switch (iface.type) {
    case 'direct':
      return `Create or rename the interface ${name} on ${dest} (for an OSA/HiperSockets device: set the same qeth device online, chzdev -e qeth <bus-id>; its name enc<devno> follows the device number), or map it in the profile (devices.mappings: kind net-source, from ${name}, to <interface>, to-host ${dest}).`
    case 'bridge':
      return `Create the bridge ${name} on ${dest} with the same uplink (nmcli/ip link, or ovs-vsctl add-br for Open vSwitch), or map it in the profile (devices.mappings: kind net-source, from ${name}, to <bridge>, to-host ${dest}).`
    default:
      return `Define and start the libvirt network ${name} on ${dest} (virsh net-define; virsh net-start ${name}; virsh net-autostart ${name}), or map it in the profile (devices.mappings: kind net-source, from ${name}, to <network>, to-host ${dest}).`
  }
}

/**
 * libvirt resolves an interface's source by name on the destination: a MacVTap
 * (`type='direct'`) needs a network interface of that name, `type='bridge'` a bridge,
 * `type='network'` a defined and active libvirt network. IBM: for migration, an interface with
 * the chosen `source dev` must exist on both hosts (IBM KVM "Configuring a MacVTap
 * interface"); virtual switches must exist with the same name (inference from libvirt's
 * by-name lookup). When the destination uses another name, the site maps it in the profile
 * (`devices.mappings`, kind net-source) and zmigrate rewrites the interface in the
 * destination XML.
 */
export const netSourceMissing: Rule = {
  id: 'net-source-missing',
  category: 'network',
  severity: 'blocker',
  summary: "An interface's source (MacVTap device, bridge or libvirt network) does not exist on the destination.",
  remedy:
    "Create the interface, bridge or network with the same name on the destination (and start the network), or map the name to the destination's in the profile (devices.mappings, kind net-source).",
  source:
    'IBM KVM Virtual Server Management, "Configuring a MacVTap interface" (the source device must exist on both hosts); libvirt formatdomain "Network interfaces" (sources are looked up by name)',
  check(ctx) {
    const dest = ctx.destination.host
    const out: FindingDraft[] = []
    for (const iface of ctx.guest.domain.interfaces.filter((i) => CHECKED_TYPES.has(i.type))) {
      const name = interfaceSourceName(iface)
      const subject = interfaceLabel(iface)
      if (name === undefined) {
        out.push({subject, message: `the ${iface.type} interface names no source, so its destination cannot be checked`})
        continue
      }
      const mapped = mappedTo(ctx, 'net-source', name)
      if (mapped !== undefined) {
        const problem = problemWith(iface, mapped, ctx.destination)
        if (problem) {
          out.push({
            subject,
            message: `the profile maps ${name} to ${mapped}, but ${problem}; ${dest}'s ${lookalikes(iface, mapped, ctx.destination)}`,
            remedy: createRemedy(iface, mapped, dest),
            data: {deviceIndex: iface.index, from: name, to: mapped, type: iface.type},
          })
        } else {
          out.push({
            subject,
            message: `${iface.type === 'network' ? 'network' : iface.type === 'bridge' ? 'bridge' : 'source device'} ${name} becomes ${mapped} on ${dest} (site profile): the interface is rewritten in the destination XML`,
            severity: 'action',
            remedy: `Nothing to do; check that ${mapped} on ${dest} reaches the same network as ${name}.`,
            data: {deviceIndex: iface.index, from: name, to: mapped, type: iface.type},
            fix: {kind: 'move-device', deviceIndex: iface.index, identity: {kind: 'interface-source', to: mapped}},
          })
        }
        continue
      }
      const problem = problemWith(iface, name, ctx.destination)
      if (!problem) continue
      out.push({
        subject,
        message: `${problem}; ${dest}'s ${lookalikes(iface, name, ctx.destination)}`,
        remedy: createRemedy(iface, name, dest),
        data: {deviceIndex: iface.index, source: name, type: iface.type},
      })
    }
    return out
  },
}
