/**
 * Cuts the migration progress sampler's stdout into one text per `domjobinfo`, at a separator line
 * the sampler prints after each. The sampler runs as long as the migration, so its output is never
 * kept whole (RunOptions.keepStdout false); what waits here for its separator is bounded instead:
 * a host printing without end and without the separator must not grow zmigrate's memory.
 *
 * Each chunk is searched once, joined with the separator's length of what came before it, never the
 * whole pending text again: a host sending a byte at a time would make rescanning quadratic.
 */
export const MAX_PENDING_SAMPLE_CHARS = 1024 * 1024

export class SampleStream {
  private pending: string[] = []
  private pendingChars = 0
  /** The last separator.length - 1 characters pending: a separator may arrive split over two chunks. */
  private tail = ''

  constructor(
    private readonly separator: string,
    private readonly maxPendingChars = MAX_PENDING_SAMPLE_CHARS,
  ) {}

  /** The samples this chunk completes; `dropped` when an unfinished one grew past the bound and was thrown away. */
  push(chunk: string): {samples: string[]; dropped: boolean} {
    const window = this.tail + chunk
    this.tail = this.suffix(window)
    this.pending.push(chunk)
    this.pendingChars += chunk.length
    // A host sending bytes singly: a million one-character strings would hold far more than the bound.
    if (this.pending.length > 1024) this.pending = [this.pending.join('')]
    if (!window.includes(this.separator)) {
      if (this.pendingChars <= this.maxPendingChars) return {samples: [], dropped: false}
      // Keep the tail: it may be the start of the next separator.
      this.pending = [this.tail]
      this.pendingChars = this.tail.length
      return {samples: [], dropped: true}
    }
    const parts = this.pending.join('').split(this.separator)
    const rest = parts.pop() ?? ''
    this.pending = [rest]
    this.pendingChars = rest.length
    this.tail = this.suffix(rest)
    return {samples: parts, dropped: false}
  }

  private suffix(text: string): string {
    return text.slice(Math.max(0, text.length - (this.separator.length - 1)))
  }
}
