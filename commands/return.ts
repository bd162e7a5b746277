import {Args, Flags} from '@oclif/core'
import {returnHome} from '../src/app/return-home.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {confirmOrRefuse} from '../src/cli/confirm.js'
import {withInterrupts} from '../src/cli/interrupt.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import {windowFlags, windowRequest} from '../src/cli/site-flags.js'
import {UsageError} from '../src/errors.js'
import {createRenderer} from '../src/report/progress.js'
import type {EvacuationReport} from '../src/report/evacuation-report.js'
import {renderEvacuationReport, renderReturnVerdicts} from '../src/report/evacuation-text.js'
import type {ReturnVerdict} from '../src/site/return-home.js'

export default class Return extends BaseCommand {
  static override summary = 'Bring back the guests an evacuation moved off HOST, through the same checks and window.'
  static override description = `Reads the newest evacuation of HOST (or --evacuation FILE), finds where each guest it moved is now (every profile host read once), checks each against its home, and moves those that can go back in a rolling window as evacuate does. Says which guests are home already and which can no longer come back (gone, renamed, running twice, home unreachable, blocked at home), with the reason.
Exit codes as for evacuate.`
  static override args = {host: Args.string({description: 'The host the guests came from.'})}
  static override examples = ['<%= config.bin %> return zhost-a --dry-run', '<%= config.bin %> return zhost-a --yes --json']
  static override flags = {
    profile: profileFlag,
    ...windowFlags,
    evacuation: Flags.string({summary: 'The evacuation journal to undo (default: the newest evacuation of HOST).'}),
    resume: Flags.string({summary: 'Continue the return recorded in this evacuation journal.', exclusive: ['evacuation', 'dry-run']}),
    'dry-run': Flags.boolean({summary: 'Show who would go home; change nothing.', default: false}),
  }

  protected override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json) + '\n')
  }

  async run(): Promise<EvacuationReport | {dryRun: true; verdicts: ReturnVerdict[]} | {cancelled: true; verdicts: ReturnVerdict[]}> {
    const {args, flags} = await this.parse(Return)
    const json = this.jsonEnabled()
    if (!args.host && !flags.resume) throw new UsageError('name the HOST the guests came from, or --resume EVACUATION_JOURNAL', {code: 'E_USAGE'})
    const profile = loadProfileFor(flags.profile, (m) => json || process.stderr.write(`zmigrate: ${m}\n`))
    const host = args.host ?? ''
    const result = await withInterrupts((signal) =>
      returnHome({
        ...windowRequest(this.config, flags, signal),
        emit: createRenderer({json, tty: Boolean(process.stderr.isTTY)}),
        profile,
        host,
        evacuationFile: flags.evacuation,
        confirm: async (verdicts) => {
          if (!json && (process.stdin.isTTY || flags.yes)) this.log(renderReturnVerdicts(verdicts, host))
          const n = verdicts.filter((v) => v.kind === 'return').length
          return n > 0 && confirmOrRefuse(`Bring ${n} guest${n === 1 ? '' : 's'} home to ${host}?`, {yes: flags.yes})
        },
      }),
    )
    process.exitCode = result.exitCode
    if (result.ending === 'dry-run') {
      if (!json) this.log(`${renderReturnVerdicts(result.verdicts, host)}\n\nDry run: nothing was changed.`)
      return {dryRun: true, verdicts: result.verdicts}
    }
    if (result.ending === 'cancelled' || !result.report) {
      if (!json) this.log(result.verdicts.some((v) => v.kind === 'return') ? 'Cancelled; nothing was changed.' : 'Nothing to bring home.')
      return {cancelled: true, verdicts: result.verdicts}
    }
    if (!json) this.log(renderEvacuationReport(result.report))
    return result.report
  }
}
