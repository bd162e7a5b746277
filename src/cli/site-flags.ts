import {Flags} from '@oclif/core'

const cap = (summary: string) => Flags.integer({summary, min: 1, max: 64})

/** The flags evacuate and return share: the window's caps over the profile's, confirmation, dry run. */
export const windowFlags = {
  max: cap('At most this many migrations at once on the site (profile concurrency.site).'),
  outgoing: cap('At most this many leaving one host at once (concurrency.outgoing).'),
  incoming: cap('At most this many arriving at one host at once (concurrency.incoming).'),
  yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation (required without a terminal).', default: false}),
}

interface WindowFlagValues {
  max?: number
  outgoing?: number
  incoming?: number
  'dry-run': boolean
  resume?: string
}

/** The part of an evacuate or return request that comes from the shared flags and the command's config, the same for both. */
export function windowRequest(config: {version: string; dataDir: string}, flags: WindowFlagValues, signal: AbortSignal) {
  return {
    toolVersion: config.version,
    dataDir: config.dataDir,
    signal,
    caps: {site: flags.max, outgoing: flags.outgoing, incoming: flags.incoming},
    dryRun: flags['dry-run'],
    resumeFile: flags.resume,
  }
}
