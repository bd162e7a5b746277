import {Args} from '@oclif/core'
import {statSync} from 'node:fs'
import path from 'node:path'
import {BaseCommand, profileFlag} from '../../src/cli/base-command.js'
import {ExitCode} from '../../src/exit-codes.js'
import {checkProfileFile, formatIssue, locateProfile} from '../../src/profiles/load.js'

export interface ProfileProblem {
  file: string
  line: number
  col: number
  message: string
}

export interface ProfileValidation {
  ok: boolean
  file: string
  problems: ProfileProblem[]
}

export default class ProfileValidate extends BaseCommand {
  static override summary = 'Check a site profile and print every problem as file:line:col: message.'
  static override description =
    'Checks YAML syntax, every setting against the profile schema, rule ids, host names in mappings and device identities. Exit status 0: valid; 2: problems found.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ~/.config/zmigrate/profiles/prod.yaml',
    '<%= config.bin %> <%= command.id %> prod',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override args = {
    file: Args.string({description: 'Profile file or NAME (default: the profile --profile, ZMIGRATE_PROFILE or discovery picks).'}),
  }
  static override flags = {profile: profileFlag}

  async run(): Promise<ProfileValidation> {
    const {args, flags, raw} = await this.parse(ProfileValidate)
    // an existing file is taken as given (even without .yaml); otherwise the argument is a NAME or path like --profile
    const file =
      args.file && isFile(args.file)
        ? path.resolve(args.file)
        : args.file
          ? locateProfile(args.file, {...process.env, ZMIGRATE_PROFILE: undefined}, {refSource: 'argument'}).file
          : locateProfile(raw.some((t) => t.type === 'flag' && t.flag === 'profile') ? flags.profile : undefined, process.env).file

    const {profile, issues} = checkProfileFile(file)
    const result: ProfileValidation = {
      ok: issues.length === 0,
      file,
      problems: issues.map((i) => ({...i.location, message: i.message})),
    }
    if (!result.ok) process.exitCode = ExitCode.USAGE
    if (!this.jsonEnabled()) {
      if (profile)
        this.log(
          `${file}: valid profile for site ${profile.site} (${Object.keys(profile.hosts).length} host${Object.keys(profile.hosts).length === 1 ? '' : 's'})`,
        )
      for (const issue of issues) this.log(formatIssue(issue))
      if (!result.ok) this.log(`${issues.length} problem${issues.length === 1 ? '' : 's'}`)
    }
    return result
  }
}

function isFile(file: string): boolean {
  return statSync(file, {throwIfNoEntry: false})?.isFile() ?? false
}
