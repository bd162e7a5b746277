/**
 * A migration plan: an ordered list of reversible steps, computed (purely) from one guest's
 * check findings, both hosts' facts and the site profile. It records fingerprints of what it
 * was computed from, so applying it later refuses a stale plan (the Terraform saved-plan idea).
 * The JSON form of this type IS the plan file; schemas/plan.json is generated from plan/schema.ts.
 */
import type {DirtyRateFact, DirtyRateMode, ResidentMemoryFact} from '../hosts/facts-types.js'
import type {LimitAction, MigrationScenario, Prediction} from '../predict/types.js'
import type {Finding} from '../rules/types.js'
import type {DEVICE_ELEMENTS, IMAGE_FORMATS} from './values.js'

export type DeviceElement = (typeof DEVICE_ELEMENTS)[number]
export type ImageFormat = (typeof IMAGE_FORMATS)[number]

export type PlanHostRole = 'source' | 'destination'

export interface DeviceRef {
  kind: DeviceElement
  /** Human label, e.g. 'hostdev vfio-ccw 90c6c135-… (devno 0x0009)'. */
  label: string
  /** The device XML to detach (source) or attach (destination: rewritten with its identities). */
  xml: string
  /** How to find the device in a live XML to confirm presence/absence. */
  match: {element: DeviceElement; attributes: Record<string, string>}
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
  /**
   * zmigrate's limits on a live migration (profile max-total, max-downtime, on-limit), enforced by
   * the runner while the job runs (run/limits.ts); absent when the profile sets neither limit.
   */
  limits?: {maxTotalSeconds?: number; maxDowntimeMs?: number; onLimit: LimitAction}
}

/** What every step has, whatever its kind. */
interface StepBase {
  host: PlanHostRole
  /** One runbook line: what happens, with concrete names. */
  description: string
  /** The virsh/chzdev/qemu-img argv this will run (for review and --dry-run); informative. */
  commands: string[][]
}

/** attach/detach: `--live` and/or `--config` (live for a running guest, config for a persistent one). */
export type DeviceScope = ('live' | 'config')[]

/** An image for disk migration: created empty, same format and virtual size as the source's. */
export interface ImageSpec {
  /** Absolute, normalised. */
  path: string
  format: ImageFormat
  virtualSizeBytes: number
}

/** An image the migration copies: its path on the source, and its size there when known. */
export interface CopiedImage {
  target: string
  /** Absolute, normalised. */
  path: string
  sizeBytes?: number
}

export interface VerifyExpectation {
  guestOn: PlanHostRole
  state: 'running' | 'paused' | 'shut off'
  sourceState: 'absent' | 'shut off'
  devices: DeviceRef[]
}

/**
 * A step's action, one variant per kind (the runner switches on `kind` and gets exactly the
 * fields that kind needs). Every value in it is validated to its domain when a plan or journal
 * is read (plan/schema.ts), since the runner hands them to commands on the hosts.
 */
export type StepAction =
  | (StepBase & {kind: 'set-dasd-online' | 'set-dasd-offline'; busIds: string[]})
  | (StepBase & {kind: 'create-image' | 'remove-image'; image: ImageSpec})
  | (StepBase & {kind: 'detach-device' | 'attach-device'; device: DeviceRef; scope: DeviceScope})
  | (StepBase & {kind: 'migrate'; migrate: MigrateOptions})
  | (StepBase & {kind: 'verify'; expect: VerifyExpectation})
  /**
   * After verification (profile migration.source-images: remove): the source's copy of an image
   * the migration copied, removed unless a guest there still names it or a process holds it open.
   * Irreversible, so it has no undo, and its failure leaves the image and never rolls back.
   */
  | (StepBase & {kind: 'remove-copied-image'; image: CopiedImage})

export type StepKind = StepAction['kind']
/** The action variant of one kind (variants may cover two kinds, as a step and its undo). */
export type ActionOf<K extends StepKind> = StepAction extends infer A ? (A extends {kind: infer AK} ? (K extends AK ? A & {kind: K} : never) : never) : never

/** A step of the plan: an action, its undo, and the findings it answers. */
export type PlanStep = StepAction & {
  /** Stable within the plan, e.g. '03-detach-hostdev-0x0009'. */
  id: string
  /** How to reverse it; absent for steps with nothing to undo (verify). */
  undo?: StepAction
  /** The finding(s) this step answers (rule ids). */
  because: string[]
}

/**
 * What the migration model (src/predict) says this migration will take: from the guest's memory,
 * the disks copied, the policy's bandwidth and options, and the dirty rate check measured (none
 * measured: the model assumes 0, and says so). Informational: no fingerprint covers it, so a
 * dirty rate measured again does not make the plan stale; the runner predicts again from the same
 * scenario with the rate it measures right before the migration (run/migrate-step.ts).
 */
export type PlanPrediction =
  | {
      kind: 'predicted'
      dirtyRate: DirtyRateFact | {kind: 'not-measured'}
      /** The guest's RAM resident on the source when check read it: the scenario's ramBytes is at most this (absent in older plans). */
      residentMemory?: ResidentMemoryFact | {kind: 'not-measured'}
      /** How migrate measures the guest right before virsh migrate: the dirty-rate mode for its domain type, its <memory> (absent in older plans). */
      measure?: {dirtyRateMode: DirtyRateMode; memoryKiB?: number}
      scenario: MigrationScenario
      result: Prediction
    }
  /** Why there is none: the profile gives no bandwidth, or the model refused its inputs. */
  | {kind: 'unavailable'; reason: string}

export interface PlanFingerprints {
  /** sha256 of the guest's live domain XML on the source. */
  domainXml: string
  /**
   * sha256 of the findings (rule, severity, subject, message, data, fix) the plan was computed from,
   * but the measured ones (a dirty rate differs each time: plan/fingerprint.ts stalenessFindings).
   * Facts matter exactly as far as they change a finding: free memory drifting by a few MiB does
   * not make a plan stale, a destination mdev disappearing does.
   */
  findings: string
  /** sha256 of the step list; applying hashes the file's steps and compares them with a fresh plan's. */
  steps: string
  /** sha256 of the profile file. */
  profile: string
}

export interface Plan {
  formatVersion: 1
  tool: {name: 'zmigrate'; version: string}
  createdAt: string
  profile: {site: string; file: string}
  /** Steps address the guest by its UUID: virsh resolves a bare name as an ID first (a guest named '1'). */
  guest: {name: string; uuid: string; state: string; memoryKiB: number}
  source: {host: string; hostUuid?: string}
  destination: {host: string; hostUuid?: string}
  fingerprints: PlanFingerprints
  /** The check findings the plan was computed from. */
  findings: Finding[]
  steps: PlanStep[]
  /** The file images the migration copies (left on the source unless the policy removes them). */
  copiedImages?: CopiedImage[]
  /** A live migration's predicted time, passes and downtime (absent for offline and non-live migrations). */
  prediction?: PlanPrediction
}

/**
 * An evacuation as one reviewable file (`zmigrate evacuate HOST -o FILE`): where each guest of the
 * host goes and in which order, each with its own full plan (the Plan a single-guest plan file
 * holds, with its own fingerprints), the guests that stay and why, and the window caps the
 * migrations run within. `kind` tells it from a single-guest plan; `fingerprint` covers the
 * whole document (canonical JSON of every other field). schemas/evacuation-plan.json is
 * generated from plan/evacuation-schema.ts.
 */
export interface EvacuationPlan {
  formatVersion: 1
  kind: 'evacuation-plan'
  tool: {name: 'zmigrate'; version: string}
  createdAt: string
  profile: {site: string; file: string}
  /** The host being emptied: every guest plan's source. */
  host: string
  /** The candidate destinations placement considered. */
  destinations: string[]
  /** Migrations at once: in the site, leaving one host, arriving at one host. `migrate --plan` runs within these. */
  caps: {site: number; outgoing: number; incoming: number}
  /** In the order their migrations start. */
  guests: EvacuationPlanGuest[]
  /** Guests placement found nowhere for. */
  stays: EvacuationPlanStay[]
  /** sha256 of the canonical JSON of the document without this field. */
  fingerprint: string
}

export interface EvacuationPlanGuest {
  name: string
  uuid: string
  destination: string
  /** 1, 2, …: the order guests were placed in and their migrations start. */
  order: number
  /** Why this destination, one line (placement's). */
  why: string
  warnings: string[]
  /** Its own plan, exactly as `zmigrate plan -o` writes one. */
  plan: Plan
}

export interface EvacuationPlanStay {
  name: string
  /** Absent only for a guest whose XML has none (it cannot be planned either). */
  uuid?: string
  /** Every destination considered, with every reason (placement's codes: memory, blocked, anti-affinity, …). */
  nowhere: {destination: string; reasons: {code: string; message: string}[]}[]
}
