import {Args, Flags} from '@oclif/core'
import {completeGuests, completeHosts} from '../src/app/complete.js'
import {bashCompletionScript} from '../src/cli/bash-completion.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import {UsageError} from '../src/errors.js'

export default class Complete extends BaseCommand {
  // for the shell, not for people: no help listing, and @oclif/plugin-autocomplete skips hidden commands
  static override hidden = true
  static override summary = "Print names for shell completion: the profile's hosts, or the guests on --from; or (bash) the bash script that uses them."
  static override examples = [
    '<%= config.bin %> complete hosts',
    '<%= config.bin %> complete guests --from zhost-a',
    '<%= config.bin %> complete bash >> ~/.bashrc',
  ]
  static override args = {what: Args.string({options: ['hosts', 'guests', 'bash'], required: true, description: 'hosts, guests or bash.'})}
  static override flags = {
    profile: profileFlag,
    from: Flags.string({summary: 'Source host whose guests to list (complete guests).'}),
  }

  async run(): Promise<string[] | string> {
    const {args, flags} = await this.parse(Complete)
    if (args.what === 'bash') {
      const script = bashCompletionScript(this.config.bin)
      if (!this.jsonEnabled()) process.stdout.write(script)
      return script
    }
    // no notice of where the profile came from: stderr would land in the middle of the command line
    const profile = loadProfileFor(flags.profile)
    if (args.what === 'guests' && !flags.from) throw new UsageError('complete guests needs --from HOST', {code: 'E_USAGE'})
    const names = args.what === 'hosts' ? completeHosts(profile) : await completeGuests(profile, flags.from!)
    if (!this.jsonEnabled()) for (const name of names) this.log(name)
    return names
  }
}
