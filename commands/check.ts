import {Args, Flags} from '@oclif/core'
import {runCheck} from '../src/app/check.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import type {CheckReport} from '../src/report/check-report.js'
import {renderCheckReport} from '../src/report/check-text.js'

export default class Check extends BaseCommand {
  static override summary = 'Report every blocker for migrating guests between two IBM Z KVM hosts, with a remedy each.'
  static override description =
    "Gathers both hosts' facts (sysfs, /dev, /proc under the host's root, and virsh) and runs every rule for every guest. Never stops at the first problem. Exit 0: no blocker; 1: blocker(s); 2: usage/profile/input error; 3: host unreachable or host-key/auth failure."
  static override strict = false
  static override args = {guest: Args.string({description: 'Guest name(s) on the source host.'})}
  static override examples = [
    '<%= config.bin %> check zdemo --from zhost-a --to zhost-b',
    '<%= config.bin %> check --all --from zhost-a --to zhost-b --json',
    '<%= config.bin %> check --domain-xml guest.xml --from zhost-a --to zhost-b',
  ]
  static override flags = {
    profile: profileFlag,
    from: Flags.string({summary: 'Source host (a host of the profile).', required: true}),
    to: Flags.string({summary: 'Destination host (a host of the profile).', required: true}),
    all: Flags.boolean({summary: 'Check every guest on the source host.', default: false}),
    'domain-xml': Flags.file({summary: 'Check this domain XML file instead of (or as well as) guests on the source.', exists: false}),
  }

  async run(): Promise<CheckReport> {
    const {argv, flags} = await this.parse(Check)
    const profile = loadProfileFor(flags.profile, (msg) => this.warnOnStderr(msg))
    const {report, exitCode} = await runCheck({
      profile,
      from: flags.from,
      to: flags.to,
      guests: argv as string[],
      all: flags.all,
      domainXmlFile: flags['domain-xml'],
    })
    if (!this.jsonEnabled()) this.log(renderCheckReport(report, {color: process.stdout.isTTY}))
    process.exitCode = exitCode
    return report
  }

  private warnOnStderr(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`zmigrate: ${message}\n`)
  }
}
