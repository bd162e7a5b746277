import {Args, Flags} from '@oclif/core'
import {siteStatus} from '../src/app/status.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import type {StatusReport} from '../src/report/status-report.js'
import {renderStatus} from '../src/report/status-text.js'

export default class Status extends BaseCommand {
  static override summary = 'The migrations in flight on this site and the recent ones: step, progress, ETA, outcome and finish reason.'
  static override description = `From the data dir (guest locks, migration and evacuation journals) and the hosts' jobs: for each migration in flight, virsh domjobinfo on its source (the job's progress: data processed, remaining, total; memory and disk) and its destination (libvirt shows an incoming job there, with its statistics on the source only), one SSH connection per host, all hosts at once. A lock whose process is gone is stale, shown with its --resume. HOST shows the migrations from or to that host (and every job it runs); GUEST, a name or UUID, that guest's.
Exit 0, also when nothing runs and when a host cannot be asked (it is said per host); 2: usage or profile error; 3: the HOST named cannot be reached.`
  static override args = {target: Args.string({description: 'A host of the profile, or a guest (name or UUID).'})}
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status zhost-a',
    '<%= config.bin %> status zdemo --json',
    '<%= config.bin %> status --recent 50',
  ]
  static override flags = {
    profile: profileFlag,
    recent: Flags.integer({summary: 'How many ended migrations (and evacuations) to list.', default: 10, min: 0, max: 10_000}),
  }

  async run(): Promise<StatusReport> {
    const {args, flags} = await this.parse(Status)
    const json = this.jsonEnabled()
    const profile = loadProfileFor(flags.profile, (m) => json || process.stderr.write(`zmigrate: ${m}\n`))
    const {report, exitCode} = await siteStatus({profile, dataDir: this.config.dataDir, target: args.target, recent: flags.recent})
    if (!json) this.log(renderStatus(report))
    process.exitCode = exitCode
    return report
  }
}
