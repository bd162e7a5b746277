/**
 * The evacuation as one reviewable plan file: `zmigrate evacuate HOST -o FILE` writes it (each
 * placed guest with its own full plan, built from the same site check that placed it), and
 * `zmigrate migrate --plan FILE` applies it. Applying validates the whole file first — schema,
 * document fingerprint, every guest plan intact and towards the profile's URIs, the placement
 * within the profile's rules — then, before anything moves, re-plans every guest from fresh facts
 * (one site check: each host read once) and refuses the whole file if any guest is stale. Then
 * the guests move through the same window as an evacuation, each running its reviewed plan only
 * if a fresh plan at its turn still computes the same steps.
 */
import {resolve} from 'node:path'
import {StalePlanError, ZmigrateError} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {buildPlan, PlanBlockedError} from '../plan/build-plan.js'
import {assertEvacuationIntact, editedRemedy, evacuationFingerprint, EVACUATION_PLAN_KIND, inOrder} from '../plan/evacuation-plan.js'
import type {EvacuationPlan, EvacuationPlanGuest, EvacuationPlanStay, Plan} from '../plan/types.js'
import type {ConcurrencyLimits, ResolvedProfile} from '../profiles/types.js'
import type {EvacuationReport} from '../report/evacuation-report.js'
import {newEvacuationJournal} from '../run/evacuation-journal.js'
import {fixedReasons} from '../site/constraints.js'
import type {GuestPlacement, Refusal} from '../site/types.js'
import {evaluateSite, type PairEvaluation} from './check-site.js'
import {checkSavedPlan} from './migrate.js'
import {moveGuests, windowProfile, type MoveRequest} from './move-guests.js'

/** A guest's refusals as the evacuation journal and report keep them: one line per destination. */
export function stayReasons(nowhere: readonly {destination: string; reasons: readonly {message: string}[]}[]): string[] {
  return nowhere.map((n) => `${n.destination}: ${n.reasons.map((r) => r.message).join('; ')}`)
}

export interface EvacuationPlanInput {
  /** The profile the guests were checked with: the window's (evacuate's bandwidth share for these caps). */
  profile: ResolvedProfile
  host: string
  destinations: string[]
  caps: ConcurrencyLimits
  placements: readonly GuestPlacement[]
  /** The site check the placement came from: each placed guest's plan is built from its pair. */
  pairs: readonly PairEvaluation[]
  toolVersion: string
  now?: Date
}

export function evacuationPlanFor(input: EvacuationPlanInput): EvacuationPlan {
  const now = input.now ?? new Date()
  const guests: EvacuationPlanGuest[] = []
  const stays: EvacuationPlanStay[] = []
  const stay = (name: string, uuid: string, nowhere: Refusal[]) =>
    stays.push({
      name,
      ...(uuid ? {uuid} : {}),
      nowhere: nowhere.map((n) => ({destination: n.destination, reasons: n.reasons.map(({code, message}) => ({code, message}))})),
    })
  for (const p of input.placements) {
    if (p.kind === 'nowhere') {
      stay(p.guest, p.uuid, p.nowhere)
      continue
    }
    const pair = input.pairs.find((x) => x.guest.name === p.guest && x.destination === p.destination)
    if (!pair?.context) throw new Error(`placement put ${p.guest} on ${p.destination}, which the site check did not reach`)
    let plan: Plan
    try {
      plan = buildPlan({context: pair.context, findings: pair.findings, toolVersion: input.toolVersion, now})
    } catch (error) {
      // placement never puts a guest where it has a blocker; a guest without a UUID cannot be planned at all
      if (!(error instanceof ZmigrateError)) throw error
      stay(p.guest, p.uuid, [{destination: p.destination, reasons: [{code: 'blocked', message: error.message}]}])
      continue
    }
    guests.push({name: p.guest, uuid: p.uuid, destination: p.destination, order: p.order, why: p.why, warnings: p.warnings, plan})
  }
  guests.sort((a, b) => a.order - b.order)
  const content = {
    formatVersion: 1 as const,
    kind: EVACUATION_PLAN_KIND,
    tool: {name: 'zmigrate' as const, version: input.toolVersion},
    createdAt: now.toISOString(),
    profile: {site: input.profile.site, file: input.profile.file},
    host: input.host,
    destinations: input.destinations,
    caps: {site: input.caps.site, outgoing: input.caps.outgoing, incoming: input.caps.incoming},
    guests,
    stays,
  } satisfies Omit<EvacuationPlan, 'fingerprint'>
  return {...content, fingerprint: evacuationFingerprint(content)}
}

/**
 * The placement keeps to the profile's rules as they are now: each destination inside the guest's
 * relocation domain, pinned there if pinned, not excluded, and no two guests of an anti-affinity
 * group placed on one host. (Placement made it so; a file that breaks them was edited, or the
 * profile changed since.)
 */
function assertPlacementAllowed(doc: EvacuationPlan, profile: ResolvedProfile): void {
  const refuse = (why: string) => new StalePlanError(`the evacuation plan for ${doc.host} ${why}, which ${profile.file} does not allow`, editedRemedy(doc.host))
  for (const g of doc.guests) {
    const guest = {name: g.name, uuid: g.uuid, state: g.plan.guest.state, memoryKiB: g.plan.guest.memoryKiB, vcpus: 1, source: doc.host}
    const reasons = fixedReasons(guest, g.destination, {guest: g.name, destination: g.destination, status: 'ok', blockers: []}, profile)
    if (reasons.length > 0) throw refuse(`places ${g.name} on ${g.destination} (${reasons.map((r) => r.message).join('; ')})`)
  }
  for (const [group, members] of Object.entries(profile.placement.antiAffinity)) {
    for (const destination of new Set(doc.guests.map((g) => g.destination))) {
      const there = doc.guests.filter((g) => g.destination === destination && members.includes(g.name)).map((g) => g.name)
      if (there.length > 1) throw refuse(`places ${there.join(' and ')} of anti-affinity group ${group} on ${destination}`)
    }
  }
}

/**
 * Before anything moves: every guest re-planned from fresh facts (one site check of the host
 * against the file's destinations) and compared with its reviewed plan through checkSavedPlan.
 * Any stale guest refuses the whole file, naming each and why; a host that cannot be read is its error.
 */
async function assertAllFresh(doc: EvacuationPlan, profile: ResolvedProfile, pool: HostPool, dataDir: string): Promise<void> {
  if (doc.guests.length === 0) return
  const to = [...new Set(doc.guests.map((g) => g.destination))]
  const site = await evaluateSite({profile, from: doc.host, to, guests: [], all: true}, pool)
  for (const d of site.destinations) if (!d.reachable) throw d.error
  const stale: string[] = []
  for (const g of inOrder(doc)) {
    const pair = site.pairs.find((p) => p.guest.name === g.name && p.destination === g.destination)
    const fresh = async () => {
      if (!pair?.context) throw new StalePlanError(`${g.name} is no longer on ${doc.host}`)
      return buildPlan({context: pair.context, findings: pair.findings, toolVersion: g.plan.tool.version, now: new Date(g.plan.createdAt)})
    }
    try {
      await checkSavedPlan(g.plan, {profile, dataDir}, fresh)
    } catch (error) {
      if (error instanceof StalePlanError) stale.push(error.message)
      else if (error instanceof PlanBlockedError) stale.push(`blocked now on ${g.destination}: ${error.message}`)
      else throw error
    }
  }
  if (stale.length > 0) {
    throw new StalePlanError(
      `the evacuation plan for ${doc.host} (${doc.createdAt}) is stale for ${stale.length} of ${doc.guests.length} guest${doc.guests.length === 1 ? '' : 's'}, so nothing was moved: ${stale.join(' | ')}`,
      `Run zmigrate evacuate ${doc.host} -o FILE again and review the new plan.`,
    )
  }
}

export interface EvacuationPlanRequest extends Omit<MoveRequest, 'caps'> {
  /** The file it was read from: the evacuation journal records it (absolute) and its fingerprint. */
  file: string
  plan: EvacuationPlan
  /** Validate everything, fresh plans included, and stop there. */
  dryRun?: boolean
}

export interface AppliedEvacuationPlan {
  ending: 'dry-run' | 'ran'
  report?: EvacuationReport
  exitCode: ExitCodeValue
}

/** With a `pool` from the caller, connections stay open for the caller; without one, they are closed before returning. */
export async function applyEvacuationPlan(req: EvacuationPlanRequest, callerPool?: HostPool): Promise<AppliedEvacuationPlan> {
  const pool = callerPool ?? new HostPool()
  try {
    const doc = req.plan
    assertEvacuationIntact(doc, req.profile)
    assertPlacementAllowed(doc, req.profile)
    await assertAllFresh(doc, windowProfile(req.profile, doc.caps), pool, req.dataDir)
    if (req.dryRun) return {ending: 'dry-run', exitCode: ExitCode.OK}
    const journal = newEvacuationJournal(
      {
        purpose: 'evacuate',
        host: doc.host,
        guests: inOrder(doc).map((g) => ({name: g.name, uuid: g.uuid, home: doc.host, source: doc.host, destination: g.destination, order: g.order})),
        stays: doc.stays.map((s) => ({name: s.name, reasons: stayReasons(s.nowhere)})),
        plan: {file: resolve(req.file), fingerprint: doc.fingerprint, caps: doc.caps},
      },
      req.dataDir,
    )
    const {report, exitCode} = await moveGuests(journal, req, pool, new Map(doc.guests.map((g) => [g.uuid, g.plan])))
    return {ending: 'ran', report, exitCode}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}
