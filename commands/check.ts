import {Args, Flags} from '@oclif/core'
import {runCheck} from '../src/app/check.js'
import {checkSite, chooseDestinations} from '../src/app/check-site.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import type {CheckReport} from '../src/report/check-report.js'
import type {SiteCheckReport} from '../src/report/check-site-report.js'
import {renderSiteCheckReport} from '../src/report/check-site-text.js'
import {renderCheckReport} from '../src/report/check-text.js'

export default class Check extends BaseCommand {
  static override summary = 'Report every blocker for migrating guests between IBM Z KVM hosts, with a remedy each.'
  static override description =
    "Gathers the hosts' facts (sysfs, /dev, /proc under the host's root, and virsh) and runs every rule for every guest. Never stops at the first problem. With several destinations (--to B,C or --to site), every guest is checked against each one, each host's facts read once, and the result is a readiness matrix; an unreachable destination is a column blocked by libvirt-unreachable. Exit 0: no blocker (several destinations: every guest has a destination without one); 1: blocker(s); 2: usage/profile/input error; 3: the source (or every destination) unreachable, or a host-key/auth failure there."
  static override strict = false
  static override args = {guest: Args.string({description: 'Guest name(s) on the source host.'})}
  static override examples = [
    '<%= config.bin %> check zdemo --from zhost-a --to zhost-b',
    '<%= config.bin %> check --all --from zhost-a --to zhost-b --json',
    '<%= config.bin %> check --domain-xml guest.xml --from zhost-a --to zhost-b',
    '<%= config.bin %> check --all --from zlpar1 --to zlpar2,zlpar3',
    '<%= config.bin %> check --all --from zlpar1 --to site --json',
  ]
  static override flags = {
    profile: profileFlag,
    from: Flags.string({summary: 'Source host (a host of the profile).', required: true}),
    to: Flags.string({
      summary: "Destination host(s): a host of the profile, a comma-separated list, or 'site' (every other host of the profile).",
      required: true,
      helpValue: 'HOST|HOST,HOST…|site',
    }),
    all: Flags.boolean({summary: 'Check every guest on the source host.', default: false}),
    'domain-xml': Flags.file({summary: 'Check this domain XML file instead of (or as well as) guests on the source.', exists: false}),
    verbose: Flags.boolean({summary: 'With several destinations: the findings of every guest and destination, not only the blocked ones.', default: false}),
    measure: Flags.boolean({
      summary:
        "Measure each running guest's dirty rate (dirty-bitmap mode for KVM guests; the highest of dirty-rate-windows windows of dirty-rate-seconds, all guests at once) for the convergence rule; default: the profile's migration.measure-dirty-rate.",
      allowNo: true,
    }),
  }

  async run(): Promise<CheckReport | SiteCheckReport> {
    const {argv, flags} = await this.parse(Check)
    const profile = loadProfileFor(flags.profile, (msg) => this.warnOnStderr(msg))
    const request = {profile, from: flags.from, guests: argv as string[], all: flags.all, domainXmlFile: flags['domain-xml'], measure: flags.measure}
    const destinations = chooseDestinations(profile, flags.from, flags.to)
    if (destinations.form === 'one') {
      const {report, exitCode} = await runCheck({...request, to: destinations.to})
      if (!this.jsonEnabled()) this.log(renderCheckReport(report, {color: process.stdout.isTTY}))
      process.exitCode = exitCode
      return report
    }
    const {report, exitCode} = await checkSite({...request, to: destinations.to})
    if (!this.jsonEnabled()) this.log(renderSiteCheckReport(report, {color: process.stdout.isTTY, verbose: flags.verbose}))
    process.exitCode = exitCode
    return report
  }

  private warnOnStderr(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`zmigrate: ${message}\n`)
  }
}
