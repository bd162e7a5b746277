/**
 * Names for shell completion (`zmigrate complete hosts|guests`, wired into bash by the script
 * `zmigrate complete bash` prints): oclif's autocomplete completes commands and flags only, not
 * values that depend on the site profile or on what a host runs.
 */
import {HostPool} from '../hosts/connect.js'
import {guestNames} from '../hosts/guest-names.js'
import {profileHost} from '../profiles/hosts.js'
import type {ResolvedProfile} from '../profiles/types.js'

/** The profile's host names, as --from, --to and facts HOST take them. */
export function completeHosts(profile: ResolvedProfile): string[] {
  return Object.keys(profile.hosts)
}

/** The guests defined on the source host (one round trip to it), as check, plan and migrate take them. */
export async function completeGuests(profile: ResolvedProfile, from: string): Promise<string[]> {
  const host = profileHost(profile, from, '--from')
  const pool = new HostPool()
  try {
    return await guestNames(await pool.get(host), host)
  } finally {
    await pool.closeAll()
  }
}
