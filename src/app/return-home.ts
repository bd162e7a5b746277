/**
 * The return use case (`zmigrate return HOST`): bring back every guest an evacuation moved off
 * HOST, as Proxmox's HA maintenance mode moves guests back to the node they came from. The
 * evacuation journal says who left and where they went; every profile host is read (one round
 * trip each, in parallel) to find where each guest is now; each one elsewhere is checked against
 * its home; src/site/return-home.ts decides which go back, which are home already and which can no
 * longer come back (each with a reason from a fixed list); the same rolling window moves them.
 */
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {UsageError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {gatherFacts} from '../hosts/facts.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedProfile} from '../profiles/types.js'
import {evacuationDir, loadEvacuationJournal, newEvacuationJournal, type EvacuationJournal} from '../run/evacuation-journal.js'
import {planReturnHome, type ReturnVerdict} from '../site/return-home.js'
import type {HostCapacity, Readiness} from '../site/types.js'
import {checkSite} from './check-site.js'
import type {Evacuation, EvacuateRequest} from './evacuate.js'
import {hostCapacity, placementCapacity} from './host-capacity.js'
import {moveGuests} from './move-guests.js'

export interface ReturnRequest extends Omit<EvacuateRequest, 'to' | 'confirm'> {
  /** The evacuation to undo; default: the newest evacuation of HOST in the data dir. */
  evacuationFile?: string
  confirm: (verdicts: readonly ReturnVerdict[]) => Promise<boolean>
}

export interface Return extends Omit<Evacuation, 'placements'> {
  verdicts: ReturnVerdict[]
}

/** The newest evacuation journal of `host` in the data dir. */
async function newestEvacuation(dataDir: string, host: string): Promise<EvacuationJournal> {
  const dir = evacuationDir(dataDir)
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && f.includes('-evacuate-')).sort()
  for (const f of files.reverse()) {
    const j = await loadEvacuationJournal(join(dir, f))
    if (j.purpose === 'evacuate' && j.host === host) return j
  }
  throw new UsageError(`no evacuation of ${host} recorded in ${dir}`, {code: 'E_NO_EVACUATION', remedy: 'Name the evacuation journal with --evacuation FILE.'})
}

/** Every host read now (those that answer), and each guest elsewhere checked against its home. */
async function whereAndWhether(
  profile: ResolvedProfile,
  home: string,
  evacuation: EvacuationJournal,
  pool: HostPool,
): Promise<{hosts: HostCapacity[]; readiness: Readiness[]}> {
  const names = Object.keys(profile.hosts)
  const read = await Promise.allSettled(
    names.map(async (name) => {
      const host = profileHost(profile, name, 'return')
      return placementCapacity(name, hostCapacity(await gatherFacts(await pool.get(host), host)))
    }),
  )
  const hosts = read.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const away = new Map<string, string[]>()
  const wanted = new Set(evacuation.guests.filter((g) => g.state === 'migrated').map((g) => g.uuid))
  for (const h of hosts) {
    if (h.host === home) continue
    for (const g of h.guests) if (wanted.has(g.uuid)) away.set(h.host, [...(away.get(h.host) ?? []), g.name])
  }
  const readiness: Readiness[] = []
  for (const [from, guests] of away) {
    const site = await checkSite({profile, from, to: [home], guests, all: false}, pool)
    readiness.push(...site.readiness)
  }
  return {hosts, readiness}
}

export async function returnHome(req: ReturnRequest, callerPool?: HostPool): Promise<Return> {
  const pool = callerPool ?? new HostPool()
  try {
    if (req.resumeFile) {
      const {report, exitCode} = await moveGuests(await loadEvacuationJournal(req.resumeFile), req, pool)
      return {ending: 'ran', verdicts: [], report, exitCode}
    }
    profileHost(req.profile, req.host, 'return')
    const evacuation = req.evacuationFile ? await loadEvacuationJournal(req.evacuationFile) : await newestEvacuation(req.dataDir, req.host)
    const record = evacuation.guests.filter((g) => g.state === 'migrated').map((g) => ({uuid: g.uuid, name: g.name, home: evacuation.host}))
    const {hosts, readiness} = await whereAndWhether(req.profile, evacuation.host, evacuation, pool)
    const verdicts = planReturnHome({record, hosts, readiness, policy: req.profile})
    if (req.dryRun) return {ending: 'dry-run', verdicts, exitCode: ExitCode.OK}
    // nobody to move: all home is nothing to do (exit 0); guests that cannot come back are reported by the run (exit 1), as evacuate does
    const movable = verdicts.some((v) => v.kind === 'return')
    if (!movable && !verdicts.some((v) => v.kind === 'stays')) return {ending: 'cancelled', verdicts, exitCode: ExitCode.OK}
    if (movable && !(await req.confirm(verdicts))) return {ending: 'cancelled', verdicts, exitCode: ExitCode.OK}
    const journal = newEvacuationJournal(
      {
        purpose: 'return',
        host: evacuation.host,
        guests: verdicts.flatMap((v) =>
          v.kind === 'return' ? [{name: v.guest, uuid: v.uuid, home: v.home, source: v.from, destination: v.home, order: v.order}] : [],
        ),
        stays: verdicts.flatMap((v) => (v.kind === 'stays' ? [{name: v.guest, reasons: [`${v.code}: ${v.reasons.join('; ')}`]}] : v.kind === 'home' ? [] : [])),
      },
      req.dataDir,
    )
    const {report, exitCode} = await moveGuests(journal, req, pool)
    return {ending: 'ran', verdicts, report, exitCode}
  } finally {
    if (!callerPool) await pool.closeAll()
  }
}
