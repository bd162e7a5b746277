/**
 * How long a live migration takes, how often pre-copy passes over memory, how long the guest is
 * paused, and whether it converges at all. Pure: numbers in, a Prediction out.
 *
 * The model is the geometric-series pre-copy model (Akoush, Sohan, Rice, Moore, Hopper,
 * "Predicting the Performance of Virtual Machine Migration", MASCOTS 2010; the passes and the
 * writable working set as in Clark et al., "Live Migration of Virtual Machines", NSDI 2005), with
 * QEMU's own rules for when pre-copy stops:
 *
 *   B  usable bandwidth: min(one connection's bandwidth x N connections, the cap)
 *   D  dirty rate; with auto-converge at throttle p: D x (1 - p/100). Measured in several short
 *      windows, D is their highest and decides whether pre-copy converges; when it does, the
 *      time is that at their average (predictMigration says why)
 *   M  RAM, W the working set (W <= M), S the disks to copy, d QEMU's downtime-limit
 *
 *   setup:      a fixed time first (setupSeconds: Akoush et al.'s initialisation and reservation
 *               stages and the commitment and activation after the switch-over, together; the
 *               destination QEMU starting, the connections, the mirror jobs): the site measures it
 *               as an idle guest's unthrottled migration (profile migration.setup-seconds)
 *   disks:      S / B seconds first (libvirt's NBD drive-mirror runs to "ready" before any
 *               memory moves: qemu_migration.c qemuMigrationSrcNBDStorageCopy, which gives each
 *               disk's mirror the migration bandwidth; the disks are counted as sharing it)
 *   pass 0:     V0 = M, lasting T0 = V0 / B
 *   pass i+1:   V(i+1) = min(D x Ti, W), Ti = Vi / B    (so Vi = M (D/B)^i while nothing caps it)
 *   switch-over at the first pass with Vn < B x d: QEMU completes when the pending bytes are below
 *               threshold_size = bandwidth x downtime-limit (migration.c migration_iteration_run,
 *               migration_update_counters); the guest then pauses for Vn / B
 *   total       setup + S/B + sum(Ti, i < n) + Vn/B = setup + S/B + (M - Vn) / (B - D) + Vn/B for a constant D
 *
 * So pre-copy converges when D < B, or when the working set fits the downtime at once
 * (W <= B x d); otherwise every pass leaves as much dirty as the last and it never ends: QEMU has no
 * iteration limit, virsh migrate runs until a timeout or a cancel.
 *
 * QEMU checks the switch-over condition between passes as well, against the unsent bytes plus
 * what the last bitmap sync found (pending estimate, then exact); since the unsent part of a pass
 * shrinks faster than new writes grow when D < B, the sum is smallest at a pass's end, where the
 * model checks it: at most one pass off.
 *
 * auto-converge (ram.c migration_trigger_throttle, mig_throttle_guest_down): at a bitmap sync more
 * than 1 s after the last counted one, the period is "high" when its dirtied bytes exceed
 * throttle-trigger-threshold (50 %) of its sent bytes; every second high period starts the
 * throttle at cpu-throttle-initial (20 %) or raises it by cpu-throttle-increment (10 %), up to
 * max-cpu-throttle (99 %). A throttled vCPU sleeps pct/(1-pct) of each 10 ms slice
 * (cpu-throttle.c cpu_throttle_thread), so it runs (1 - p) of the time and, writing as fast per
 * running second as before, dirties D x (1 - p).
 *
 * Post-copy: the guest starts on the destination and the rest (the unsent part of the pass plus
 * what was dirtied since) follows at B. Its pause is modelled as sending the discard list, one
 * 16-byte range per dirty 4 KiB page at worst (savevm.c qemu_savevm_send_postcopy_ram_discard).
 * A suspend (virsh --timeout-suspend, on-limit suspend) pauses the guest while the rest is sent.
 *
 * max-downtime (z/VM's MAXQUIESCE) is exceeded when the switch-over would pause the guest longer:
 * QEMU itself never switches over while the rest does not fit its downtime target, so pre-copy
 * that stops shrinking what is left (stationary passes, above the limit at the bandwidth) is called
 * exceeded after STALL_PASSES such passes, as zmigrate's runner judges it from domjobinfo
 * (run/limits.ts); and a pause to finish (a suspend) longer than the limit is cut off at the limit.
 *
 * What the model ignores, each a reason for the measured time to differ:
 * - zero pages (QEMU sends a flag, not 4 KiB) and compression: real first passes are faster for a
 *   guest with untouched memory; pass the bytes actually in use as ramBytes when known;
 * - that dirtying is not linear: a guest rewriting the same pages dirties fewer distinct pages in a
 *   long pass than rate x time (workingSetBytes caps it) and more in a short one than a 1 s
 *   measurement suggests;
 * - the guest's writes to its disks during the memory phase (the mirror keeps copying them), TCP
 *   ramp-up, a setup that is not the profile's figure, device state in the final pause, QEMU >= 9.2's extra bitmap syncs
 *   every 5 s during a long pass with auto-converge (they throttle earlier: the model is slower);
 * - post-copy page faults slowing the guest on the destination, and its risk: a link failure in
 *   post-copy leaves the guest unusable on both sides until virsh migrate --postcopy-resume;
 * - a post-copy switch requested during the disk copy is modelled as happening when memory starts
 *   to move (whether libvirt accepts it that early is not confirmed);
 * - a limit reached during the final pause: the switch-over is under way and nothing cancels it, so
 *   a converging migration may end a pause (at most the downtime target) after max-total.
 *
 * The passes are here; how they end (switch-over, a limit's cancel, post-copy, suspend) is in precopy-end.ts.
 */
import {checkScenario} from './check-scenario.js'
import {duringDiskCopy, onDeadline, result, switchOver, type Deadline, type Model, type PassState} from './precopy-end.js'
import {STALL_PASSES, type MigrationScenario, type Prediction} from './types.js'

/** QEMU counts a throttle period at the first bitmap sync more than this long after the last (ram.c migration_bitmap_sync). */
const THROTTLE_PERIOD_SECONDS = 1
/** Passes simulated one by one before the model gives up (a bug: the jumps below end every case sooner). */
const MAX_SIMULATED_PASSES = 1_000_000

/** min(one connection x N, cap): parallel connections gain only up to the link or the shared limit. */
export function usableBandwidth(s: Pick<MigrationScenario, 'bandwidthBytesPerSecond' | 'parallelConnections' | 'bandwidthCapBytesPerSecond'>): number {
  const connections = Math.max(1, s.parallelConnections ?? 1)
  return Math.min(s.bandwidthBytesPerSecond * connections, s.bandwidthCapBytesPerSecond ?? s.bandwidthBytesPerSecond)
}

/**
 * The prediction for the scenario. With an average dirty rate below the highest (a guest that
 * writes in bursts): whether pre-copy converges, at the highest, which the short passes before the
 * switch-over run into; how long a migration that converges takes, at the average, which the long
 * passes that make up most of its time see. Measured on the lab (bench/predict, a writer that
 * rewrites its buffer and sleeps a second): the highest of three 1 s windows alone predicted no
 * convergence that did not happen, but the converging totals up to 1.7 times too long; one 2 s
 * window's average said "converges" for a guest that never did.
 */
export function predictMigration(s: MigrationScenario): Prediction {
  checkScenario(s)
  const atHighest = predictAt(s)
  const average = s.averageDirtyBytesPerSecond
  if (average === undefined || average >= s.dirtyBytesPerSecond || atHighest.outcome !== 'converges') return atHighest
  return predictAt({...s, dirtyBytesPerSecond: average})
}

function predictAt(s: MigrationScenario): Prediction {
  const B = usableBandwidth(s)
  const deadlines: Deadline[] = []
  if (s.limits?.maxTotalSeconds !== undefined) deadlines.push({at: s.limits.maxTotalSeconds, action: s.limits.onLimit, by: 'max-total'})
  if (s.timeout) deadlines.push({at: s.timeout.seconds, action: s.timeout.action, by: 'timeout'})
  deadlines.sort((a, b) => a.at - b.at)
  const m: Model = {
    s,
    B,
    M: s.ramBytes,
    W: Math.min(s.workingSetBytes ?? s.ramBytes, s.ramBytes),
    thresholdBytes: (B * s.downtimeLimitMs) / 1000,
    diskSeconds: (s.diskBytes ?? 0) / B,
    memoryStart: (s.setupSeconds ?? 0) + (s.diskBytes ?? 0) / B,
    deadlines,
  }
  const first = deadlines[0]
  if (first && first.at < m.memoryStart) return duringDiskCopy(m, first)
  return precopy(m)
}

function precopy(m: Model): Prediction {
  const ac = m.s.autoConverge
  const st: PassState = {t: m.memoryStart, V: m.M, iterations: 0, throttle: 0}
  const period = {start: st.t, dirtied: 0, sent: 0, high: 0}
  for (let passes = 0; passes < MAX_SIMULATED_PASSES; passes++) {
    // QEMU: pending_size < threshold_size (or nothing pending)
    if (st.V < m.thresholdBytes || st.V === 0) return switchOver(m, st)
    const D = dirtyRate(m, st.throttle)
    const next = m.deadlines.find((d) => d.at >= st.t)
    // nothing changes any more: jump over the passes (or find that they never end)
    if (!ac || st.throttle >= ac.maxPercent || D / m.B <= ac.triggerPercent / 100) {
      const jumped = jump(m, st, D, next)
      if (jumped === 'never') return result(m, {outcome: 'never', throttlePercent: st.throttle})
      if (jumped === 'stalled') return onDeadline(m, {at: st.t, action: m.s.limits?.onLimit ?? 'cancel', by: 'max-downtime'}, st)
      if (jumped) continue
    }
    const T = st.V / m.B
    if (next && next.at < st.t + T) {
      const tau = next.at - st.t
      const remaining = Math.min(st.V - m.B * tau + Math.min(D * tau, m.W), m.M)
      return onDeadline(m, next, {...st, t: next.at, V: remaining})
    }
    const dirtied = Math.min(D * T, m.W)
    if (ac) {
      period.dirtied += dirtied
      period.sent += st.V
      if (st.t + T - period.start > THROTTLE_PERIOD_SECONDS) {
        // QEMU does not reset the count on a low period: every second high one steps the throttle
        if (period.dirtied > (period.sent * ac.triggerPercent) / 100 && ++period.high >= 2) {
          period.high = 0
          st.throttle = st.throttle === 0 ? ac.initialPercent : Math.min(st.throttle + ac.incrementPercent, ac.maxPercent)
        }
        Object.assign(period, {start: st.t + T, dirtied: 0, sent: 0})
      }
    }
    st.t += T
    st.V = dirtied
    st.iterations++
  }
  throw new Error(`the migration model simulated ${MAX_SIMULATED_PASSES} passes without an end (a bug in zmigrate's model)`)
}

function dirtyRate(m: Model, throttle: number): number {
  return m.s.dirtyBytesPerSecond * (1 - throttle / 100)
}

/**
 * Skips whole passes once the dirty rate is fixed. Geometric (D < B, V <= W): the passes until
 * V x rho^n <= B x d, or until the next deadline, in closed form. Stationary (each pass leaves as
 * much as it sent): the passes until the deadline, or 'never'. Otherwise (V still capped by W, or
 * growing towards it) nothing is skipped and the caller simulates the next pass.
 */
function jump(m: Model, st: PassState, D: number, next: Deadline | undefined): boolean | 'never' | 'stalled' {
  const rho = D / m.B
  const nextV = Math.min(rho * st.V, m.W)
  if (rho < 1 && st.V <= m.W && rho > 0) {
    const n = passesBelow(st.V, rho, m.thresholdBytes)
    const secondsFor = (k: number) => (st.V * (1 - rho ** k)) / (m.B * (1 - rho))
    let k = n
    if (next && next.at < st.t + secondsFor(n)) {
      // the complete passes before the deadline: secondsFor(k) <= next.at - t
      k = Math.floor(Math.log(1 - ((next.at - st.t) * m.B * (1 - rho)) / st.V) / Math.log(rho))
      k = Math.min(Math.max(k, 0), n - 1)
    }
    if (k < 2) return false
    st.t += secondsFor(k)
    st.V *= rho ** k
    st.iterations += k
    return true
  }
  if (nextV < st.V) return false
  if (nextV > st.V) return false
  // stationary: every pass sends V and finds V dirty again
  const passSeconds = st.V / m.B
  const max = m.s.limits?.maxDowntimeMs
  if (max !== undefined && passSeconds * 1000 > max) {
    // zmigrate's runner calls this max-downtime exceeded after STALL_PASSES passes without progress (run/limits.ts)
    const stallAt = st.t + STALL_PASSES * passSeconds
    if (!next || next.at >= stallAt) {
      st.t = stallAt
      st.iterations += STALL_PASSES
      return 'stalled'
    }
  }
  if (!next) return 'never'
  const k = Math.floor((next.at - st.t) / passSeconds)
  if (k < 2) return false
  st.t += k * passSeconds
  st.iterations += k
  return true
}

/** The fewest passes n >= 1 after which V x rho^n is below the threshold (0 < rho < 1, V >= threshold). */
function passesBelow(V: number, rho: number, threshold: number): number {
  let n = Math.max(1, Math.floor(Math.log(threshold / V) / Math.log(rho)) + 1)
  // the logarithms are approximate; the comparison the loop makes is not
  while (n > 1 && V * rho ** (n - 1) < threshold) n--
  while (!(V * rho ** n < threshold)) n++
  return n
}
