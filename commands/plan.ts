import {Args, Flags} from '@oclif/core'
import {planGuest} from '../src/app/plan.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import type {Plan} from '../src/plan/types.js'
import {renderPlan} from '../src/report/plan-text.js'

export default class PlanCommand extends BaseCommand {
  static override summary = 'Compute a reviewable migration plan: ordered, reversible steps with their commands and undos.'
  static override description =
    "Runs the checks, then turns every action finding into steps (DASD online, images for disk copy, detach, migrate, re-attach with the destination's identities, verify). Refuses while a blocker remains (exit 1). The plan records fingerprints of what it was computed from; migrate --plan refuses it once the guest or the hosts changed (exit 5). With a bandwidth in the profile it predicts the live migration's total time, pre-copy passes and downtime (the dirty rate assumed 0 unless measured: --measure); a measured dirty rate is not in the fingerprints, so measuring again does not make the plan stale."
  static override args = {guest: Args.string({description: 'Guest name on the source host.', required: true})}
  static override examples = [
    '<%= config.bin %> plan zdemo --from zhost-a --to zhost-b -o zdemo.plan.json',
    '<%= config.bin %> plan zdemo --from zhost-a --to zhost-b --json',
  ]
  static override flags = {
    profile: profileFlag,
    from: Flags.string({summary: 'Source host.', required: true}),
    to: Flags.string({summary: 'Destination host.', required: true}),
    output: Flags.string({char: 'o', summary: 'Write the plan file here.'}),
    measure: Flags.boolean({
      summary:
        "Measure the guest's dirty rate for the prediction (the highest of dirty-rate-windows windows of dirty-rate-seconds); default: the profile's migration.measure-dirty-rate.",
      allowNo: true,
    }),
  }

  async run(): Promise<Plan> {
    const {args, flags} = await this.parse(PlanCommand)
    const profile = loadProfileFor(flags.profile, (m) => this.jsonEnabled() || process.stderr.write(`zmigrate: ${m}\n`))
    const {plan, exitCode} = await planGuest({
      profile,
      guest: args.guest,
      from: flags.from,
      to: flags.to,
      toolVersion: this.config.version,
      output: flags.output,
      measure: flags.measure,
    })
    if (!this.jsonEnabled()) {
      this.log(renderPlan(plan))
      if (flags.output) this.log(`\nPlan written to ${flags.output}. Apply it with: ${this.config.bin} migrate --plan ${flags.output}`)
    }
    process.exitCode = exitCode
    return plan
  }
}
