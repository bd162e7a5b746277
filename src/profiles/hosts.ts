import {UsageError} from '../errors.js'
import type {ResolvedHost, ResolvedProfile} from './types.js'

/**
 * A host of the profile by name, or a usage error that lists the profile's hosts. Only the
 * profile's own entries count: `--from constructor` must not find Object.prototype's.
 */
export function profileHost(profile: ResolvedProfile, name: string, what: string): ResolvedHost {
  const h = Object.hasOwn(profile.hosts, name) ? profile.hosts[name] : undefined
  if (!h) {
    throw new UsageError(
      `unknown host '${name}' for ${what}: profile ${profile.site} (${profile.file}) defines ${Object.keys(profile.hosts).join(', ') || 'no hosts'}`,
      {
        code: 'E_UNKNOWN_HOST',
        remedy: `Use one of the profile's hosts, or add '${name}' under hosts: in ${profile.file}.`,
      },
    )
  }
  return h
}
