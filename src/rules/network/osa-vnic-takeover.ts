import {interfaceLabel} from '../../domain/labels.js'
import type {QethDevice} from '../../hosts/facts-types.js'
import {mappedTo, qethForInterface} from '../device-helpers.js'
import type {FindingDraft, Rule} from '../types.js'

const SOURCE_ATTRS = ['takeover_setvmac', 'takeover_learning', 'learning'] as const
const DEST_ATTRS = ['learning', 'takeover_setvmac'] as const

function values(q: QethDevice, attrs: readonly string[]): string {
  return attrs.map((a) => `${a}=${q.vnicc[a] ?? '?'}`).join(' ')
}

function notConfigurable(value: string | undefined): boolean {
  return value === undefined || value.startsWith('n/a')
}

/** Why VNICC cannot be set on a device, from its `vnicc/takeover_setvmac` value. */
function whyNotConfigurable(q: QethDevice, host: string): string {
  const v = q.vnicc.takeover_setvmac
  if (v === undefined) return `${host} reports no VNIC characteristics for ${q.busId} (kernel or adapter without VNICC support)`
  if (v === 'n/a (BridgePort)')
    return `${q.busId} on ${host} has a bridge-port role${q.bridgeRole ? ` (${q.bridgeRole})` : ''}: VNICC and BridgePort are mutually exclusive`
  return `VNICC is not available on ${q.busId} on ${host} (vnicc/takeover_setvmac=${v})`
}

/**
 * When a guest with a MacVTap interface on an OSA or HiperSockets device (qeth, layer 2) moves
 * to a host whose device sits on the same adapter or LAN, its MAC moves from one qeth device to
 * another. The adapter lets the new device own a MAC another device registered only if that
 * device allows the takeover: MacVTap registers guest MACs explicitly (SETVMAC), so the SOURCE
 * device needs `vnicc/takeover_setvmac=1`; in setups that rely on learning, the source needs
 * `takeover_learning=1` and the destination `learning=1`. Kernel semantics: qeth VNICC patch
 * series (H. Wippel, netdev 2017); IBM says the takeover characteristics exist to "explicitly
 * permit takeover to facilitate migration" (IBM-DD "Advanced packet-handling configuration").
 * Which characteristic matters for MacVTap live migration is an INFERENCE from those
 * semantics, not an IBM statement (reference z-domain.md §3.2): the rule warns and reports the
 * values of both hosts instead of blocking. libvirt registers the MAC on the destination just
 * before the guest CPUs start there (qemuInterfaceStartDevices).
 *
 * "Same adapter or LAN" is approximated: the facts carry no CHPID, so a destination qeth device
 * with the interface's name (or the profile's net-source mapping) and the same card type
 * counts. Devices whose VNICC reads 'n/a' or 'n/a (BridgePort)' cannot be configured; that is
 * reported as info.
 */
export const osaVnicTakeover: Rule = {
  id: 'osa-vnic-takeover',
  category: 'network',
  severity: 'warning',
  summary: 'A MacVTap interface on an OSA/HiperSockets device whose VNIC characteristics do not let the guest MAC move to the destination device.',
  remedy:
    'Allow the MAC takeover on the source qeth device: chzdev qeth <bus-id> vnicc/takeover_setvmac=1 (learning setups: vnicc/takeover_learning=1 on the source, vnicc/learning=1 on the destination).',
  source:
    'IBM Device Drivers, Features, and Commands, "Advanced packet-handling configuration" (VNIC characteristics, takeover to facilitate migration); s390-tools zdev/src/qeth.c (vnicc attributes); inference per z-domain reference §3.2',
  check(ctx) {
    const {source, destination} = ctx
    const out: FindingDraft[] = []
    for (const iface of ctx.guest.domain.interfaces.filter((i) => i.type === 'direct' && i.source.dev !== undefined)) {
      const name = iface.source.dev as string
      const here = qethForInterface(source, name)
      if (!here || here.layer2 !== true) continue
      const destName = mappedTo(ctx, 'net-source', name) ?? name
      const there = qethForInterface(destination, destName)
      if (!there) continue
      // Different card types (OSA vs HiperSockets) are different LANs: no takeover between them.
      if (here.cardType && there.cardType && here.cardType !== there.cardType) continue
      const subject = interfaceLabel(iface)
      const data = {
        source: {busId: here.busId, ifname: here.ifname, vnicc: here.vnicc},
        destination: {busId: there.busId, ifname: there.ifname, vnicc: there.vnicc},
      }
      const both = `${source.host} ${here.busId} ${values(here, SOURCE_ATTRS)}; ${destination.host} ${there.busId} ${values(there, DEST_ATTRS)}`
      if (notConfigurable(here.vnicc.takeover_setvmac)) {
        out.push({
          subject,
          message: `${whyNotConfigurable(here, source.host)}; the guest MAC's move to ${there.busId} depends on the adapter's defaults (${both})`,
          severity: 'info',
          remedy:
            'Nothing zmigrate can set; if the guest loses its network after migration, check the OSA/HiperSockets MAC registration (bridge fdb show dev <if>) on both hosts.',
          data,
        })
        continue
      }
      const learningSetup = here.vnicc.learning === '1' || there.vnicc.learning === '1'
      const fixes: string[] = []
      const commands: string[] = []
      if (here.vnicc.takeover_setvmac !== '1') {
        fixes.push(`the source device must allow takeover of MACs set with SETVMAC (takeover_setvmac=1), as MacVTap registers the guest MAC that way`)
        commands.push(`chzdev qeth ${here.busId} vnicc/takeover_setvmac=1 (on ${source.host})`)
      }
      if (learningSetup && here.vnicc.takeover_learning !== '1') {
        fixes.push('learning is in use, so the source device must also allow takeover of learned MACs (takeover_learning=1)')
        commands.push(`chzdev qeth ${here.busId} vnicc/takeover_learning=1 (on ${source.host})`)
      }
      if (learningSetup && there.vnicc.learning !== '1' && !notConfigurable(there.vnicc.learning)) {
        fixes.push(`the destination device must learn MACs (learning=1)`)
        commands.push(`chzdev qeth ${there.busId} vnicc/learning=1 (on ${destination.host})`)
      }
      if (fixes.length === 0) continue
      out.push({
        subject,
        message: `guest MAC ${iface.mac ?? '(unset)'} moves from ${here.busId} to ${there.busId} on the same ${here.cardType ?? 'qeth'} LAN: ${fixes.join('; ')} (${both})`,
        remedy: `${commands.join('; ')}. chzdev applies it now and persistently; VNICC cannot be combined with a BridgePort role on that adapter.`,
        data,
      })
    }
    return out
  },
}
