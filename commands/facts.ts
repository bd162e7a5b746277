import {Args} from '@oclif/core'
import {hostFacts} from '../src/app/facts.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import type {HostFacts} from '../src/hosts/facts-types.js'
import {renderFacts} from '../src/report/facts-text.js'

export default class Facts extends BaseCommand {
  static override summary = 'Show what zmigrate gathers from a host: DASD, SCSI, qeth, mdevs, zPCI, network, memory, libvirt, guests.'
  static override args = {host: Args.string({description: 'A host of the profile.', required: true})}
  static override examples = ['<%= config.bin %> facts zhost-a', '<%= config.bin %> facts zhost-b --json']
  static override flags = {profile: profileFlag}

  async run(): Promise<HostFacts> {
    const {args, flags} = await this.parse(Facts)
    const profile = loadProfileFor(flags.profile, (m) => this.jsonEnabled() || process.stderr.write(`zmigrate: ${m}\n`))
    const {facts, exitCode} = await hostFacts(profile, args.host)
    if (!this.jsonEnabled()) this.log(renderFacts(facts))
    process.exitCode = exitCode
    return facts
  }
}
