/**
 * A wait that neither outlives an abort nor keeps the process alive once the work is done. Its
 * abort listener goes when the timer fires: one per poll would pile up on the run's signal over a
 * long wait (Node warns at 11: MaxListenersExceededWarning on `migrate --resume`).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    timer.unref()
    signal?.addEventListener('abort', done, {once: true})
  })
}
