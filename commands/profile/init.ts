import {Args, Flags} from '@oclif/core'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {checkProfileText, formatIssue} from '../../src/profiles/load.js'
import {starterProfile, type StarterHost} from '../../src/profiles/starter.js'

export interface ProfileInit {
  file: string
  site: string
  hosts: StarterHost[]
  /** True when no --host was given and the file names placeholder hosts to replace. */
  placeholders: boolean
}

export default class ProfileInitCommand extends BaseCommand {
  static override summary = 'Write a commented starter profile for a site.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> ~/.config/zmigrate/profiles/prod.yaml --host kvmlp01=192.0.2.21 --host kvmlp02=192.0.2.22',
    '<%= config.bin %> <%= command.id %> site.yaml --site dc1 --force',
  ]
  static override args = {
    file: Args.string({description: 'Profile file to write (a NAME.yaml in ~/.config/zmigrate/profiles can then be used as --profile NAME).', required: true}),
  }
  static override flags = {
    site: Flags.string({summary: 'Site name (default: the file name without .yaml).'}),
    host: Flags.string({summary: 'A host as NAME=ADDRESS; repeat for each host.', multiple: true, helpValue: 'NAME=ADDRESS'}),
    force: Flags.boolean({summary: 'Overwrite FILE if it exists.', default: false}),
  }

  async run(): Promise<ProfileInit> {
    const {args, flags} = await this.parse(ProfileInitCommand)
    const file = path.resolve(args.file)
    const site = flags.site ?? path.basename(file).replace(/\.ya?ml$/i, '')
    const hosts = (flags.host ?? []).map(parseHost)
    const duplicate = hosts.find((h, i) => hosts.findIndex((o) => o.name === h.name) !== i)
    if (duplicate) throw new UsageError(`--host ${duplicate.name} is given twice`, {remedy: 'Give each host once, as --host NAME=ADDRESS.'})

    const text = starterProfile(site, hosts)
    // never write a starter the loader would reject (e.g. a control character in an address)
    const {issues} = checkProfileText(text, file)
    if (issues.length > 0) throw new UsageError(`the profile would not be valid: ${formatIssue(issues[0])}`, {remedy: 'Check --site and --host values.'})

    mkdirSync(path.dirname(file), {recursive: true})
    try {
      writeFileSync(file, text, {flag: flags.force ? 'w' : 'wx'})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`${file} exists; not overwriting it`, {code: 'E_EXISTS', remedy: 'Pass --force to replace it, or choose another file name.'})
      }
      throw error
    }

    const result: ProfileInit = {file, site, hosts, placeholders: hosts.length === 0}
    if (!this.jsonEnabled()) {
      this.log(
        `wrote ${file} (site ${site}${hosts.length > 0 ? `, hosts ${hosts.map((h) => h.name).join(', ')}` : ', placeholder hosts kvm-a and kvm-b: replace them'})`,
      )
      this.log(`next: edit it, then run: ${this.config.bin} profile validate ${file}`)
    }
    return result
  }
}

function parseHost(spec: string): StarterHost {
  const eq = spec.indexOf('=')
  const name = eq > 0 ? spec.slice(0, eq) : ''
  const address = eq > 0 ? spec.slice(eq + 1) : ''
  // the name itself is checked with the rest of the generated profile
  if (name === '' || address === '') {
    throw new UsageError(`--host ${spec}: expected NAME=ADDRESS, e.g. kvmlp01=192.0.2.21`, {remedy: 'Give each host as --host NAME=ADDRESS.'})
  }
  return {name, address}
}
