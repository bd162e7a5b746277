/**
 * The evacuation journal: what ties the guests of one evacuation (or return) together. Each guest
 * keeps its own migration journal; this one records, per guest, where it came from (so `return`
 * can bring it home), where it was placed, the order, its journal and its outcome. Several guests
 * move at once, so writes are serialised here; each is atomic (src/atomic-file.ts). Read back with
 * a schema: `--resume` acts on it.
 */
import {randomBytes} from 'node:crypto'
import {dirname, join} from 'node:path'
import {z} from 'zod'
import {ensurePrivateDir, writeFileAtomic} from '../atomic-file.js'
import {InputError} from '../errors.js'
import {readJsonFile} from '../json-file.js'
import {issueText, sha256Schema} from '../plan/schema.js'
import {timestampSchema, uuidSchema} from '../plan/values.js'
import {finishReasonSchema} from './finish-reason.js'

export const EVACUATION_GUEST_STATES = [
  'pending',
  'running',
  'migrated',
  'rolled-back',
  'rollback-incomplete',
  'interrupted',
  'blocked',
  'stale',
  'not-attempted',
] as const
export type EvacuationGuestState = (typeof EVACUATION_GUEST_STATES)[number]

const guestSchema = z.object({
  name: z.string().min(1),
  uuid: uuidSchema,
  /** The host it was on when the evacuation began: where `return` brings it. */
  home: z.string().min(1),
  /** The host it leaves in this run (evacuate: its home; return: where it is now) and where it goes. */
  source: z.string().min(1),
  destination: z.string().min(1),
  order: z.number().int().nonnegative(),
  state: z.enum(EVACUATION_GUEST_STATES),
  /** Its own migration journal, once it started. */
  journal: z.string().optional(),
  /** Why its migration ended (its journal's finish reason), once it ran. */
  finishReason: finishReasonSchema.optional(),
  /** One line: why it did not move (blockers, a stale plan, an error). */
  reason: z.string().optional(),
})

const capSchema = z.number().int().min(1).max(64)

/** The reviewed evacuation plan file this evacuation runs (`migrate --plan`), and the caps it runs within. */
const planRefSchema = z.object({
  file: z.string().min(1),
  fingerprint: sha256Schema,
  caps: z.object({site: capSchema, outgoing: capSchema, incoming: capSchema}),
})

export const evacuationJournalSchema = z.object({
  formatVersion: z.literal(1),
  kind: z.literal('evacuation'),
  id: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/),
  purpose: z.enum(['evacuate', 'return']),
  /** evacuate: the host being emptied; return: the host guests come back to. */
  host: z.string().min(1),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  status: z.enum(['running', 'finished', 'stopped']),
  /** Why new starts stopped (a rollback that needs a human, an interrupt). */
  stopReason: z.string().optional(),
  guests: z.array(guestSchema),
  /** Guests that stayed, with the reason per destination (placement found nowhere to go). */
  stays: z.array(z.object({name: z.string(), reasons: z.array(z.string())})),
  /** Set when the evacuation runs a reviewed evacuation plan: each guest runs its plan from that file. */
  plan: planRefSchema.optional(),
  /**
   * The process moving the guests now (or last): status tells a live evacuation from one whose
   * process is gone, and `zmigrate cancel --evacuation` addresses its request to it.
   */
  runner: z
    .object({pid: z.number().int().positive(), startTicks: z.number().int().nonnegative().optional(), host: z.string().min(1), since: timestampSchema})
    .optional(),
})

export type EvacuationJournal = z.infer<typeof evacuationJournalSchema> & {file: string}
export type EvacuationGuest = EvacuationJournal['guests'][number]
export type EvacuationPlanRef = z.infer<typeof planRefSchema>

export function evacuationDir(dataDir: string): string {
  return join(dataDir, 'evacuations')
}

export function newEvacuationJournal(
  input: {purpose: 'evacuate' | 'return'; host: string; guests: Omit<EvacuationGuest, 'state'>[]; stays: EvacuationJournal['stays']; plan?: EvacuationPlanRef},
  dataDir: string,
  now = new Date(),
): EvacuationJournal {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const id = `${stamp}-${input.purpose}-${input.host.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${randomBytes(3).toString('hex')}`
  return {
    formatVersion: 1,
    kind: 'evacuation',
    id,
    file: join(evacuationDir(dataDir), `${id}.json`),
    purpose: input.purpose,
    host: input.host,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    status: 'running',
    guests: input.guests.map((g) => ({...g, state: 'pending'})),
    stays: input.stays,
    ...(input.plan ? {plan: input.plan} : {}),
  }
}

/** Serialised, atomic writes of one evacuation journal (guests finish concurrently). */
export class EvacuationRecorder {
  private chain: Promise<void> = Promise.resolve()
  constructor(readonly journal: EvacuationJournal) {}

  save(): Promise<void> {
    const next = this.chain.then(async () => {
      this.journal.updatedAt = new Date().toISOString()
      await ensurePrivateDir(dirname(this.journal.file), 'evacuation journal directory')
      const {file, ...document} = this.journal
      void file
      await writeFileAtomic(this.journal.file, JSON.stringify(document, null, 2) + '\n', {mode: 0o600})
    })
    // a failed write must not poison the next one; the caller sees this one's failure
    this.chain = next.catch(() => undefined)
    return next
  }

  async update(uuid: string, change: Partial<EvacuationGuest>): Promise<void> {
    const g = this.journal.guests.find((x) => x.uuid === uuid)
    if (g) Object.assign(g, change)
    await this.save()
  }
}

export async function loadEvacuationJournal(file: string): Promise<EvacuationJournal> {
  const parsed = evacuationJournalSchema.safeParse(await readJsonFile(file, 'evacuation journal', 'E_JOURNAL'))
  if (!parsed.success) {
    throw new InputError(`not a valid zmigrate evacuation journal (formatVersion 1): ${issueText(parsed.error)}`, {location: {file}, code: 'E_JOURNAL'})
  }
  return {...parsed.data, file}
}
