import type {JobStats} from './jobinfo.js'

/**
 * What the runner tells its renderer (progress bar, plain lines, or NDJSON with --json). With
 * several migrations in flight (evacuate, return) every event names its guest.
 */
export type RunEvent = (
  | {type: 'plan'; guest: string; from: string; to: string; steps: number; journal: string}
  | {type: 'step-start'; step: string; kind: string; description: string}
  | {type: 'step-done'; step: string; durationMs: number; result?: Record<string, unknown>}
  | {type: 'step-skipped'; step: string; reason: string}
  | {type: 'step-failed'; step: string; error: string}
  | {type: 'progress'; step: string; stats: JobStats; etaSeconds?: number}
  | {type: 'undo-start'; step: string; description: string}
  | {type: 'undo-done'; step: string; durationMs: number}
  | {type: 'undo-failed'; step: string; error: string; manual: string}
  | {type: 'notice'; message: string}
) & {guest?: string}

export type EventSink = (event: RunEvent) => void
