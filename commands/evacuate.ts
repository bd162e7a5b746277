import {Args, Flags} from '@oclif/core'
import {evacuate} from '../src/app/evacuate.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {confirmOrRefuse} from '../src/cli/confirm.js'
import {withInterrupts} from '../src/cli/interrupt.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import {windowFlags, windowRequest} from '../src/cli/site-flags.js'
import {UsageError} from '../src/errors.js'
import {createRenderer} from '../src/report/progress.js'
import type {EvacuationPlan} from '../src/plan/types.js'
import type {EvacuationReport} from '../src/report/evacuation-report.js'
import {evacuationPlanWritten, renderEvacuationReport, renderPlacements} from '../src/report/evacuation-text.js'
import type {GuestPlacement} from '../src/site/types.js'

export default class Evacuate extends BaseCommand {
  static override summary = 'Empty a host: place every guest on the site, then migrate them within the concurrency limits.'
  static override description = `Checks every guest of HOST against every candidate destination (--to B,C or the whole site), places each where it has no blocker (relocation domains, pins, anti-affinity, reserve and memory from the profile), then migrates them in a rolling window: at most --max at once on the site, --outgoing from one host, --incoming to one host. Each guest is planned again from fresh facts right before it starts, has its own journal and lock, and is rolled back on its own if it fails; a rollback that needs a human stops new starts. The evacuation journal records where each guest came from.
With -o FILE (with or without --dry-run) it writes the evacuation as one reviewable, fingerprinted plan file instead and changes nothing: each placed guest with its destination, order and its own plan (as zmigrate plan -o writes one), the guests that stay and why, and the window caps; apply it with zmigrate migrate --plan FILE, which runs within the caps the file records.
Exit 0: every guest moved and verified; 1: a guest stayed (nowhere to go, blocked, or rolled back); 2: usage/profile error; 3: host unreachable; 4: a rollback needs a human; 130: interrupted (resume with --resume).`
  static override args = {host: Args.string({description: 'The host to empty.'})}
  static override examples = [
    '<%= config.bin %> evacuate zhost-a --dry-run',
    '<%= config.bin %> evacuate zhost-a --to site --yes --json',
    '<%= config.bin %> evacuate zlpar1 --to zlpar2,zlpar3 -o zlpar1.evacuation.json',
    '<%= config.bin %> evacuate zlpar1 --to zlpar2,zlpar3 --max 3 --incoming 2 --yes',
    '<%= config.bin %> evacuate --resume ~/.local/share/zmigrate/evacuations/20261201T220000Z-evacuate-zlpar1-1a2b3c.json',
  ]
  static override flags = {
    profile: profileFlag,
    ...windowFlags,
    to: Flags.string({summary: 'Candidate destinations: host names separated by commas, or site (every other host; the default).'}),
    resume: Flags.string({
      summary: "Continue the evacuation recorded in this evacuation journal (one that runs an evacuation plan keeps the file's caps).",
      exclusive: ['to', 'dry-run', 'output'],
    }),
    output: Flags.string({
      char: 'o',
      summary: 'Write the evacuation as one reviewable plan file here and change nothing; apply it with zmigrate migrate --plan FILE.',
    }),
    'dry-run': Flags.boolean({summary: 'Show where each guest would go; change nothing.', default: false}),
  }

  protected override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json) + '\n')
  }

  async run(): Promise<EvacuationReport | EvacuationPlan | {dryRun: true; placements: GuestPlacement[]} | {cancelled: true; placements: GuestPlacement[]}> {
    const {args, flags} = await this.parse(Evacuate)
    const json = this.jsonEnabled()
    if (!args.host && !flags.resume) throw new UsageError('name the HOST to evacuate, or --resume EVACUATION_JOURNAL', {code: 'E_USAGE'})
    const profile = loadProfileFor(flags.profile, (m) => json || process.stderr.write(`zmigrate: ${m}\n`))
    const host = args.host ?? ''
    const result = await withInterrupts((signal) =>
      evacuate({
        ...windowRequest(this.config, flags, signal),
        emit: createRenderer({json, tty: Boolean(process.stderr.isTTY)}),
        profile,
        host,
        to: flags.to?.split(',').map((h) => h.trim()),
        output: flags.output,
        confirm: async (placements) => {
          if (!json && (process.stdin.isTTY || flags.yes)) this.log(renderPlacements(placements, host))
          const n = placements.filter((p) => p.kind === 'placed').length
          return confirmOrRefuse(`Migrate ${n} guest${n === 1 ? '' : 's'} off ${host}?`, {yes: flags.yes})
        },
      }),
    )
    process.exitCode = result.exitCode
    if (result.ending === 'planned' && result.plan && flags.output) {
      if (!json) this.log(`${renderPlacements(result.placements, host)}\n\n${evacuationPlanWritten(result.plan, flags.output, this.config.bin)}`)
      return result.plan
    }
    if (result.ending === 'dry-run') {
      if (!json) this.log(`${renderPlacements(result.placements, host)}\n\nDry run: nothing was changed.`)
      return {dryRun: true, placements: result.placements}
    }
    if (result.ending === 'cancelled' || !result.report) {
      if (!json) this.log('Cancelled; nothing was changed.')
      return {cancelled: true, placements: result.placements}
    }
    if (!json) this.log(renderEvacuationReport(result.report))
    return result.report
  }
}
