import {openProfile, type ProfileEnv} from '../profiles/load.js'
import type {ResolvedProfile} from '../profiles/types.js'

/**
 * Find and load the profile a command should use. `flagValue` is --profile as parsed (oclif also
 * fills it from ZMIGRATE_PROFILE); `notice` hears where the profile came from when it was not named.
 */
export function loadProfileFor(flagValue: string | undefined, notice?: (message: string) => void): ResolvedProfile {
  const fromEnv = flagValue !== undefined && flagValue === process.env.ZMIGRATE_PROFILE
  const {profile, found} = openProfile(fromEnv ? undefined : flagValue, process.env as ProfileEnv)
  if (flagValue === undefined && notice)
    notice(
      `profile ${profile.site} from ${found.file}${/bundled/.test(found.how) ? ' (the bundled default; name one with --profile or ZMIGRATE_PROFILE)' : ''}`,
    )
  return profile
}
