/**
 * The facts use case (`zmigrate facts HOST`): what zmigrate reads from one host, in one round trip.
 */
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {HostPool} from '../hosts/connect.js'
import {gatherFacts} from '../hosts/facts.js'
import type {HostFacts} from '../hosts/facts-types.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedProfile} from '../profiles/types.js'

export interface FactsOutcome {
  facts: HostFacts
  /** Facts were read (an unreachable host throws HostAccessError, exit 3, instead). */
  exitCode: ExitCodeValue
}

export async function hostFacts(profile: ResolvedProfile, hostName: string): Promise<FactsOutcome> {
  const host = profileHost(profile, hostName, 'HOST')
  const pool = new HostPool()
  try {
    return {facts: await gatherFacts(await pool.get(host), host), exitCode: ExitCode.OK}
  } finally {
    await pool.closeAll()
  }
}
