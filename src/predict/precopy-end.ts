/**
 * How the pre-copy model (precopy.ts) ends a migration: the switch-over once pre-copy converged, a
 * timeout's or limit's action (cancel, post-copy, suspend), a deadline before memory moves; and
 * the Prediction built from where pre-copy stands then. Pure, as the model.
 */
import type {EndedBy, LimitAction, MigrationScenario, Outcome, Prediction} from './types.js'

/** s390x pages are 4 KiB (TARGET_PAGE_SIZE); post-copy's discard list has one 16-byte range per page at worst. */
const PAGE_BYTES = 4096
const DISCARD_RANGE_BYTES = 16

/** A time at which a timeout or limit acts (seconds from the start). */
export interface Deadline {
  at: number
  action: LimitAction
  by: EndedBy
}

/** The scenario with what the passes need worked out once (precopy.ts predictAt). */
export interface Model {
  s: MigrationScenario
  B: number
  M: number
  W: number
  thresholdBytes: number
  diskSeconds: number
  /** When memory starts to move: the setup, then the disks. */
  memoryStart: number
  deadlines: Deadline[]
}

/** Where pre-copy stands at the start of a pass. */
export interface PassState {
  t: number
  V: number
  iterations: number
  throttle: number
}

/** Pre-copy converged: the guest pauses while the last V goes over. */
export function switchOver(m: Model, st: PassState): Prediction {
  const downtimeMs = (st.V / m.B) * 1000
  const max = m.s.limits?.maxDowntimeMs
  if (max !== undefined && downtimeMs > max && m.s.limits?.onLimit === 'cancel') {
    return result(m, {...ended(m, st), outcome: 'cancelled', totalSeconds: st.t + max / 1000, endedBy: 'max-downtime'})
  }
  return result(m, {...ended(m, st), outcome: 'converges', totalSeconds: st.t + st.V / m.B, downtimeMs})
}

/** A timeout or limit ends pre-copy at st.t with st.V bytes still to send. */
export function onDeadline(m: Model, d: Deadline, st: PassState): Prediction {
  if (d.action === 'cancel') return result(m, {...ended(m, st), outcome: 'cancelled', totalSeconds: d.at, endedBy: d.by})
  if (d.action === 'postcopy') return postcopy(m, st, d.by)
  return suspended(m, st, d)
}

function postcopy(m: Model, st: PassState, by: EndedBy): Prediction {
  const downtimeMs = (((st.V / PAGE_BYTES) * DISCARD_RANGE_BYTES) / m.B) * 1000
  const postcopySeconds = st.V / m.B
  return result(m, {
    ...ended(m, st),
    outcome: 'postcopy',
    totalSeconds: st.t + downtimeMs / 1000 + postcopySeconds,
    downtimeMs,
    postcopy: {switchAfterSeconds: st.t, postcopySeconds},
    endedBy: by,
  })
}

/** The guest is paused while the rest goes over; a later max-total or max-downtime with on-limit cancel still cancels it. */
function suspended(m: Model, st: PassState, d: Deadline): Prediction {
  const pause = st.V / m.B
  const cancels: {at: number; by: EndedBy}[] = m.deadlines.filter((x) => x !== d && x.action === 'cancel' && x.at > st.t && x.at < st.t + pause)
  const max = m.s.limits?.maxDowntimeMs
  if (max !== undefined && pause * 1000 > max && m.s.limits?.onLimit === 'cancel') cancels.push({at: st.t + max / 1000, by: 'max-downtime'})
  const cancel = cancels.sort((a, b) => a.at - b.at)[0]
  if (cancel) return result(m, {...ended(m, st), outcome: 'cancelled', totalSeconds: cancel.at, endedBy: cancel.by})
  return result(m, {...ended(m, st), outcome: 'suspended', totalSeconds: st.t + pause, downtimeMs: pause * 1000, endedBy: d.by})
}

/** A deadline during the setup or before the disks are copied: nothing of memory has moved yet. */
export function duringDiskCopy(m: Model, d: Deadline): Prediction {
  const start: PassState = {t: d.at, V: m.M, iterations: 0, throttle: 0}
  if (d.action === 'cancel') return result(m, {outcome: 'cancelled', totalSeconds: d.at, iterations: 0, precopySeconds: 0, endedBy: d.by, throttlePercent: 0})
  if (d.action === 'postcopy') return postcopy(m, {...start, t: m.memoryStart}, d.by)
  // paused: the rest of the disks, then all of memory, go over while the guest waits
  return suspended(m, {...start, V: m.M + Math.min(m.s.diskBytes ?? 0, (m.memoryStart - d.at) * m.B)}, d)
}

function ended(m: Model, st: PassState): Pick<Prediction, 'iterations' | 'precopySeconds' | 'throttlePercent'> {
  return {iterations: st.iterations, precopySeconds: Math.max(0, st.t - m.memoryStart), throttlePercent: st.throttle}
}

export function result(m: Model, p: Omit<Prediction, 'converges' | 'diskSeconds' | 'bandwidthBytesPerSecond'> & {outcome: Outcome}): Prediction {
  return {converges: p.outcome === 'converges' || p.outcome === 'postcopy', diskSeconds: m.diskSeconds, bandwidthBytesPerSecond: m.B, ...p}
}
