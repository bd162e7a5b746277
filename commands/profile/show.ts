import {BaseCommand, profileFlag} from '../../src/cli/base-command.js'
import {loadProfile, locateProfile} from '../../src/profiles/load.js'
import {renderProfile, type ProfileShowing} from '../../src/profiles/show-text.js'
import {findRule} from '../../src/rules/registry.js'

export type {ProfileShowing} from '../../src/profiles/show-text.js'

export default class ProfileShow extends BaseCommand {
  static override summary = 'Show the site profile zmigrate uses: where it was found, hosts with effective settings, rule overrides, migration policy, devices.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --profile prod --json']
  static override flags = {profile: profileFlag}

  async run(): Promise<ProfileShowing> {
    const {flags, raw} = await this.parse(ProfileShow)
    // oclif also fills --profile from ZMIGRATE_PROFILE; only a value typed on the command line is "--profile"
    const typed = raw.some((t) => t.type === 'flag' && t.flag === 'profile') ? flags.profile : undefined
    const found = locateProfile(typed, process.env)
    const showing: ProfileShowing = {found, profile: loadProfile(found.file)}
    if (!this.jsonEnabled()) this.log(renderProfile(showing, (id) => findRule(id)?.severity))
    return showing
  }
}
