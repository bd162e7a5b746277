/**
 * Recording the journal during a run. A write can fail (the data dir filled up, its disk went
 * read-only); that must never be taken for a failed step: undoing a step that succeeded — removing
 * the image a guest now runs from — is the one thing worse than stopping. So a failed write is
 * retried, then the run stops where it is with exit 4, saying what is known done; `--resume`
 * confirms on the hosts what the journal on disk could not record and continues.
 */
import {ZmigrateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import {saveJournal, type Journal} from './journal.js'

export interface JournalStore {
  save(journal: Journal): Promise<void>
}

/** Records the run's journal now (bound to one journal and store). */
export type Persist = () => Promise<void>

export const fileStore: JournalStore = {save: saveJournal}

/** Retry delays: a full disk may be freed by logrotate or an admin within seconds. */
export const DEFAULT_RETRY_DELAYS_MS = [200, 1000, 3000]

export class JournalWriteError extends ZmigrateError {
  constructor(journal: Journal, cause: unknown) {
    const done = journal.steps.filter((s) => s.state === 'done').map((s) => s.id)
    const running = journal.steps.find((s) => s.state === 'running')?.id
    const undone = journal.undo.filter((u) => u.state === 'done').map((u) => u.stepId)
    const changed = done.length > 0 || running !== undefined
    const reason = (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? String(cause)
    const known = [
      done.length > 0 ? `done: ${done.join(', ')}` : 'no step done',
      ...(running ? [`in progress: ${running}`] : []),
      ...(undone.length > 0 ? [`undone: ${undone.join(', ')}`] : []),
    ].join('; ')
    super(`cannot write the journal ${journal.file} (${reason}); stopped without undoing anything (${known})`, {
      exitCode: changed ? ExitCode.ROLLBACK_INCOMPLETE : ExitCode.USAGE,
      code: 'E_JOURNAL_WRITE',
      remedy: changed
        ? `Make room in the data dir (or fix its file system), then run: zmigrate migrate --resume ${journal.file} — it confirms on the hosts what is done and continues from there.`
        : 'Make room in the data dir (or fix its file system, or set ZMIGRATE_DATA_DIR), then run zmigrate migrate again; nothing was changed.',
      cause,
    })
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Saves the journal, retrying; throws JournalWriteError when every attempt failed. */
export async function recordJournal(journal: Journal, store: JournalStore = fileStore, delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.save(journal)
      return
    } catch (error) {
      if (attempt >= delaysMs.length) throw new JournalWriteError(journal, error)
      await pause(delaysMs[attempt])
    }
  }
}
