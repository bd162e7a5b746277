/**
 * A migration plan: an ordered list of reversible steps, computed (purely) from one guest's
 * check findings, both hosts' facts and the site profile. It records fingerprints of what it
 * was computed from, so applying it later refuses a stale plan (the Terraform saved-plan idea).
 * The JSON form of this type IS the plan file; schemas/plan.json is generated from plan/schema.ts.
 */
import type {Finding} from '../rules/types.js'

export type PlanHostRole = 'source' | 'destination'

/** What a step does; the runner has one handler per kind. */
export type StepKind =
  /** Set DASD devices online on a host (`chzdev -e` or sysfs `online`). */
  | 'set-dasd-online'
  /** Set DASD devices offline again (undo of set-dasd-online, only the ones zmigrate changed). */
  | 'set-dasd-offline'
  /** Create an empty image at a path on a host, same format and virtual size (for --copy-storage-all). */
  | 'create-image'
  /** Remove an image zmigrate itself created (undo of create-image). */
  | 'remove-image'
  /** `virsh detach-device --live [--config]` and wait until the device is gone from the live XML. */
  | 'detach-device'
  /** `virsh attach-device --live [--config]` and check the device is in the live XML. */
  | 'attach-device'
  /** `virsh migrate …` from one host to the other, with progress. */
  | 'migrate'
  /** Check the end state: guest where it should be, devices present. */
  | 'verify'

export interface DeviceRef {
  /** disk | hostdev | interface | filesystem */
  kind: string
  /** Human label, e.g. 'hostdev vfio-ccw 90c6c135-… (devno 0x0009)'. */
  label: string
  /** The device XML to detach (source) or attach (destination: rewritten with its identities). */
  xml: string
  /** How to find the device in a live XML to confirm presence/absence. */
  match: {element: string; attributes: Record<string, string>}
}

export interface MigrateOptions {
  mode: 'live' | 'non-live' | 'offline'
  persistent: boolean
  undefineSource: boolean
  suspend: boolean
  /** Disk targets to copy (`--copy-storage-all --migrate-disks …`); empty: no copy. */
  copyDisks: string[]
  parallelConnections: number
  autoConverge: boolean
  postcopy: boolean
  /** Seconds before the timeout action; undefined: none. */
  timeoutSeconds?: number
  timeoutAction?: 'suspend' | 'postcopy'
  bandwidthMiB?: number
  maxDowntimeMs?: number
  p2p: boolean
  tunnelled: boolean
  unsafe: boolean
  /** libvirt URI of the destination, as the source reaches it. */
  destinationUri: string
}

export interface StepAction {
  kind: StepKind
  host: PlanHostRole
  /** One runbook line: what happens, with concrete names. */
  description: string
  /** The virsh/chzdev/qemu-img argv this will run (for review and --dry-run); informative. */
  commands: string[][]
  device?: DeviceRef
  /** attach/detach: `--live` and/or `--config` (live for a running guest, config for a persistent one). */
  scope?: ('live' | 'config')[]
  /** set-dasd-online/offline */
  busIds?: string[]
  /** create-image/remove-image */
  image?: {path: string; format: string; virtualSizeBytes: number}
  migrate?: MigrateOptions
  /** verify */
  expect?: {guestOn: PlanHostRole; state: 'running' | 'paused' | 'shut off'; sourceState: 'absent' | 'shut off'; devices: DeviceRef[]}
}

export interface PlanStep extends StepAction {
  /** Stable within the plan, e.g. '03-detach-hostdev-0x0009'. */
  id: string
  /** How to reverse it; absent for steps with nothing to undo (verify). */
  undo?: StepAction
  /** The finding(s) this step answers (rule ids). */
  because: string[]
}

export interface PlanFingerprints {
  /** sha256 of the guest's live domain XML on the source. */
  domainXml: string
  /**
   * sha256 of the findings (rule, severity, subject, message, data) the plan was computed from.
   * Facts matter exactly as far as they change a finding: free memory drifting by a few MiB does
   * not make a plan stale, a destination mdev disappearing does.
   */
  findings: string
  /** sha256 of the step list; applying re-plans from fresh facts and compares. */
  steps: string
  /** sha256 of the profile file. */
  profile: string
}

export interface Plan {
  formatVersion: 1
  tool: {name: 'zmigrate'; version: string}
  createdAt: string
  profile: {site: string; file: string}
  guest: {name: string; uuid?: string; state: string; memoryKiB: number}
  source: {host: string; hostUuid?: string}
  destination: {host: string; hostUuid?: string}
  fingerprints: PlanFingerprints
  /** The check findings the plan was computed from. */
  findings: Finding[]
  steps: PlanStep[]
}
