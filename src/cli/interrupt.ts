import {ExitCode} from '../exit-codes.js'

/**
 * Runs `work` with an AbortSignal that the first SIGINT/SIGTERM aborts: the current step stops
 * and the run rolls back (or leaves a journal to --resume). A second signal exits at once (130).
 */
export async function withInterrupts<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++
    if (interrupts === 1) {
      process.stderr.write(`\nzmigrate: ${signal}: stopping the current step and rolling back (again to stop at once; resume with --resume)\n`)
      controller.abort()
    } else {
      process.exit(ExitCode.INTERRUPTED)
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return await work(controller.signal)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
