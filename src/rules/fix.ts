/**
 * What an `action` finding proposes the plan do about it: a typed fix, as an ESLint rule reports
 * `{node, messageId, fix}` and the linter's source-code fixer applies every fix without knowing
 * which rule made it. The planner (src/plan) reads only these, never a rule id or `data`: a new
 * rule that wants a device moved proposes a `move-device` fix and the planner moves it.
 * The zod schema of a fix (what check --json and plan files carry) is report/check-report.ts.
 */

/**
 * The identity a moved device takes on the destination, per kind of device: exactly what its XML
 * needs rewritten before it is attached there (libvirt's per-domain `<alias>` is always dropped).
 */
export type DestinationIdentity =
  /** Re-attached as it was (a virtio-fs share of the same directory, a site-selected device). */
  | {kind: 'same'}
  /** A mediated device (vfio-ccw, vfio-ap): `<source><address uuid>` becomes the destination's mdev. */
  | {kind: 'mdev'; uuid: string}
  /** A PCI function: `<source><address domain bus slot function>` becomes the destination's, text 'dddd:bb:ss.f'. */
  | {kind: 'pci'; address: string}
  /** A SCSI pass-through: `<source><adapter name>` (and `<address bus target unit>`) become the destination's H:C:T:L. */
  | {kind: 'scsi-host'; adapter: string; address?: {bus: string; target: string; unit: string}}
  /** An interface: its source (MacVTap device, bridge or libvirt network, by the interface's type) is renamed. */
  | {kind: 'interface-source'; to: string}
  /** A file or block disk: `<source file>` / `<source dev>` becomes this path. */
  | {kind: 'disk-source'; path: string}

export type Fix =
  /** Prepare the destination: set these DASDs (base or alias devices) online before migrating. */
  | {kind: 'set-dasd-online'; busIds: string[]}
  /**
   * The migration copies this disk (`--copy-storage-all --migrate-disks`). For a file image, `path`:
   * the planner pre-creates it on the destination when missing, in the format the domain XML
   * declares and the size the source probe read as that format.
   */
  | {kind: 'copy-disk'; target: string; path?: string}
  /** Detach the device (by its index among `<devices>` children) before migrating, re-attach it after with `identity`. */
  | {kind: 'move-device'; deviceIndex: number; identity: DestinationIdentity}

export type FixKind = Fix['kind']
