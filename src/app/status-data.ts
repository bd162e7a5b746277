/**
 * What the data dir says about migrations, for `zmigrate status` and `zmigrate cancel`: every
 * migration journal (read with a light schema of the fields shown: status only displays them, and
 * a journal a newer zmigrate wrote must not hide the others), every guest lock with whether its
 * holder lives, and every evacuation journal. A file that cannot be read is a note, not an error.
 */
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {z} from 'zod'
import {UUID} from '../plan/values.js'
import {evacuationDir, loadEvacuationJournal, type EvacuationJournal} from '../run/evacuation-journal.js'
import {listLocks, type LockEntry} from '../run/guest-lock.js'
import {journalDir} from '../run/journal.js'

const journalSummarySchema = z.looseObject({
  id: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: z.enum(['running', 'succeeded', 'rolling-back', 'rolled-back', 'rollback-incomplete']),
  plan: z.looseObject({
    guest: z.looseObject({name: z.string(), uuid: z.string().regex(UUID)}),
    source: z.looseObject({host: z.string()}),
    destination: z.looseObject({host: z.string()}),
    steps: z.array(z.looseObject({id: z.string(), kind: z.string(), description: z.string()})),
  }),
  steps: z.array(
    z.looseObject({
      id: z.string(),
      state: z.string(),
      startedAt: z.string().optional(),
      endedAt: z.string().optional(),
      error: z.string().optional(),
      result: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  undo: z.array(
    z.looseObject({
      stepId: z.string(),
      state: z.string(),
      action: z.looseObject({description: z.string()}),
      error: z.string().optional(),
      manual: z.string().optional(),
    }),
  ),
  failedStep: z.string().optional(),
  events: z.array(z.looseObject({at: z.string(), type: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional()})),
})

export type JournalSummary = z.infer<typeof journalSummarySchema> & {file: string}

export interface DataDirView {
  dataDir: string
  /** Newest first (journal names begin with their creation time). */
  journals: JournalSummary[]
  locks: LockEntry[]
  /** Newest first. */
  evacuations: EvacuationJournal[]
  notes: string[]
}

async function jsonFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  return names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .reverse()
    .map((n) => join(dir, n))
}

async function readSummary(file: string): Promise<JournalSummary | string> {
  try {
    const parsed = journalSummarySchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
    return parsed.success ? {...parsed.data, file} : `${file}: not a zmigrate journal (${parsed.error.issues[0]?.path.join('.') || 'shape'})`
  } catch (error) {
    return `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
  }
}

export async function readDataDir(dataDir: string): Promise<DataDirView> {
  const notes: string[] = []
  const [journalFiles, evacuationFiles, locks] = await Promise.all([jsonFiles(journalDir(dataDir)), jsonFiles(evacuationDir(dataDir)), listLocks(dataDir)])
  const journals: JournalSummary[] = []
  for (const read of await Promise.all(journalFiles.map(readSummary))) {
    if (typeof read === 'string') notes.push(read)
    else journals.push(read)
  }
  const evacuations: EvacuationJournal[] = []
  for (const file of evacuationFiles) {
    try {
      evacuations.push(await loadEvacuationJournal(file))
    } catch (error) {
      notes.push(`${file}: ${(error as Error).message}`)
    }
  }
  return {dataDir, journals, locks, evacuations, notes}
}

/** The journal a lock's run writes: the one it names, else the newest for its guest begun since it took the lock. */
export function journalOfLock(view: Pick<DataDirView, 'journals'>, lock: LockEntry): JournalSummary | undefined {
  if (lock.holder.journal) {
    const named = view.journals.find((j) => j.file === lock.holder.journal)
    if (named) return named
  }
  const since = Date.parse(lock.holder.since) - 1000
  return view.journals.find((j) => j.plan.guest.uuid.toLowerCase() === lock.uuid && Date.parse(j.createdAt) >= since)
}

/** A guest named by name or UUID: every UUID the data dir knows under that name (or the UUID itself), with where it is known from. */
export function guestsNamed(view: DataDirView, nameOrUuid: string): Map<string, string> {
  const found = new Map<string, string>()
  if (UUID.test(nameOrUuid)) {
    found.set(nameOrUuid.toLowerCase(), nameOrUuid)
    return found
  }
  for (const l of view.locks) if (l.holder.guest === nameOrUuid) found.set(l.uuid, l.holder.guest)
  for (const j of view.journals) if (j.plan.guest.name === nameOrUuid) found.set(j.plan.guest.uuid.toLowerCase(), j.plan.guest.name)
  for (const e of view.evacuations) for (const g of e.guests) if (g.name === nameOrUuid) found.set(g.uuid.toLowerCase(), g.name)
  return found
}
