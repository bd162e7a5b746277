import {Args, Flags} from '@oclif/core'
import {applyEvacuationPlan} from '../src/app/evacuation-plan.js'
import {migrateGuest, type GuestMigration} from '../src/app/migrate.js'
import {migrateHost, type HostMigration} from '../src/app/migrate-host.js'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {confirmOrRefuse} from '../src/cli/confirm.js'
import {withInterrupts} from '../src/cli/interrupt.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import {readPlanDocument} from '../src/app/plan-file.js'
import {UsageError} from '../src/errors.js'
import type {EvacuationPlan, Plan} from '../src/plan/types.js'
import type {EvacuationReport} from '../src/report/evacuation-report.js'
import {renderEvacuationPlan, renderEvacuationReport} from '../src/report/evacuation-text.js'
import type {HostMigrationReport} from '../src/report/host-migration-report.js'
import {renderHostMigrationReport, renderMigrationReport, renderOverview} from '../src/report/migrate-text.js'
import {renderPlan} from '../src/report/plan-text.js'
import {createRenderer} from '../src/report/progress.js'
import type {MigrationReport} from '../src/run/report.js'

type MigrateResult = MigrationReport | HostMigrationReport | EvacuationReport | {dryRun: true; plan: Plan | EvacuationPlan} | {cancelled: true; plan: Plan}

const DRY_RUN_EVACUATION = "the evacuation plan is intact and every guest's steps are what a fresh plan computes now; nothing was changed."

export default class Migrate extends BaseCommand {
  static override summary = 'Migrate a guest: detach what blocks live migration, prepare the destination, virsh migrate, re-attach, verify.'
  static override description = `Plans and applies in one go (GUEST --from A --to B), applies a reviewed plan (--plan FILE; refused when stale, exit 5), or continues an interrupted run (--resume JOURNAL). Every step is journaled; on failure, completed steps are undone in reverse order.
An evacuation plan (zmigrate evacuate HOST -o FILE) given to --plan is validated as a whole (edited: exit 5), every guest is planned again from fresh facts before anything moves (any stale guest refuses the whole file, exit 5), then its guests move as evacuate moves them, within the caps the file records (the file's caps apply; there are no flags to change them), each running its reviewed plan only if a fresh plan at its turn computes the same steps: a guest whose plan went stale by then stays (outcome stale, exit 5) and the others go on. Resume it with zmigrate evacuate --resume EVACUATION_JOURNAL.
While virsh migrate runs, the profile's max-total and max-downtime are enforced (on-limit: cancel with domjobabort and roll back, suspend, or postcopy), and Ctrl-C or zmigrate cancel abort the job; the journal and the report record why the run ended (finishReason: completed, cancelled-by-user, max-total-exceeded, max-downtime-exceeded, destination-lost, source-lost, postcopy-failed, failed, interrupted).
Exit 0: migrated and verified; 1: failed and fully rolled back (a cancel or a limit too); 2: usage/profile error; 3: host unreachable; 4: failed and rollback incomplete, or the journal could not be written (the report or error says what needs a human); 5: stale or edited plan; 6: another run holds the guest; 130: interrupted (resume with --resume).`
  static override args = {guest: Args.string({description: 'Guest name on the source host.'})}
  static override examples = [
    '<%= config.bin %> migrate zdemo --from zhost-a --to zhost-b',
    '<%= config.bin %> migrate --plan zdemo.plan.json --json',
    '<%= config.bin %> migrate --plan zlpar1.evacuation.json',
    '<%= config.bin %> migrate zdemo --from zhost-a --to zhost-b --dry-run',
    '<%= config.bin %> migrate --resume ~/.local/share/zmigrate/journals/20261122T101500Z-zdemo-1a2b3c.json',
    '<%= config.bin %> migrate --all --from zhost-a --to zhost-b --yes',
  ]
  static override flags = {
    profile: profileFlag,
    from: Flags.string({summary: 'Source host.'}),
    to: Flags.string({summary: 'Destination host.'}),
    plan: Flags.string({
      summary: 'Apply this plan file (from zmigrate plan -o, or an evacuation plan from zmigrate evacuate -o).',
      exclusive: ['resume', 'from', 'to'],
    }),
    resume: Flags.string({summary: 'Continue the migration recorded in this journal.', exclusive: ['plan', 'dry-run', 'from', 'to', 'all']}),
    all: Flags.boolean({
      summary: 'Move every guest of the source host, one at a time (blocked guests stay and are reported).',
      default: false,
      exclusive: ['plan', 'resume'],
    }),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation (required without a terminal).', default: false}),
    'dry-run': Flags.boolean({summary: 'Show what would run; change nothing.', default: false}),
  }

  /** NDJSON: the report is one line after the event lines. */
  protected override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json) + '\n')
  }

  async run(): Promise<MigrateResult> {
    const {args, flags} = await this.parse(Migrate)
    const json = this.jsonEnabled()
    const profile = loadProfileFor(flags.profile, (m) => json || process.stderr.write(`zmigrate: ${m}\n`))
    if (flags.all ? Boolean(args.guest) || !flags.from || !flags.to : !flags.plan && !flags.resume && (!args.guest || !flags.from || !flags.to)) {
      throw new UsageError('name a GUEST with --from and --to, or use --all --from A --to B, --plan FILE or --resume JOURNAL', {code: 'E_USAGE'})
    }
    const common = {
      profile,
      toolVersion: this.config.version,
      dataDir: this.config.dataDir,
      dryRun: flags['dry-run'],
      emit: createRenderer({json, tty: Boolean(process.stderr.isTTY)}),
    }
    if (flags.all) {
      const from = flags.from!
      const to = flags.to!
      const result = await withInterrupts((signal) =>
        migrateHost({
          ...common,
          from,
          to,
          signal,
          confirm: async (overview) => {
            if (!json && (process.stdin.isTTY || flags.yes)) this.log(renderOverview(overview, from, to))
            return confirmOrRefuse(
              `Migrate ${overview.movable.length} guest${overview.movable.length === 1 ? '' : 's'} from ${from} to ${to}, one at a time?`,
              {yes: flags.yes},
            )
          },
        }),
      )
      if (!json) this.log(this.renderHost(result))
      process.exitCode = result.exitCode
      return result.report
    }
    const saved = flags.plan ? await readPlanDocument(flags.plan) : undefined
    if (flags.plan && saved?.kind === 'evacuation') {
      const [file, {plan}] = [flags.plan, saved]
      const result = await withInterrupts((signal) => applyEvacuationPlan({...common, file, plan, signal}))
      if (!json) this.log(result.report ? renderEvacuationReport(result.report) : `${renderEvacuationPlan(plan)}\n\nDry run: ${DRY_RUN_EVACUATION}`)
      process.exitCode = result.exitCode
      return result.report ?? {dryRun: true, plan}
    }
    const result = await withInterrupts((signal) =>
      migrateGuest({
        ...common,
        guest: args.guest,
        from: flags.from,
        to: flags.to,
        saved: saved?.kind === 'guest' ? saved.plan : undefined,
        resumeFile: flags.resume,
        signal,
        confirm: async (plan) => {
          if (!json && process.stdin.isTTY && !flags.yes) this.log(renderPlan(plan, {commands: false}))
          return confirmOrRefuse(`Migrate ${plan.guest.name} from ${plan.source.host} to ${plan.destination.host}?`, {yes: flags.yes})
        },
      }),
    )
    if (!json) this.log(this.renderGuest(result))
    process.exitCode = result.exitCode
    return result.kind === 'applied' ? result.report : result.kind === 'dry-run' ? {dryRun: true, plan: result.plan} : {cancelled: true, plan: result.plan}
  }

  private renderGuest(result: GuestMigration): string {
    if (result.kind === 'dry-run') return `${renderPlan(result.plan)}\n\nDry run: nothing was changed.`
    if (result.kind === 'cancelled') return 'Cancelled; nothing was changed.'
    return renderMigrationReport(result.report)
  }

  private renderHost(result: HostMigration): string {
    if (result.ending === 'dry-run') return `${result.plans.map((p) => renderPlan(p)).join('\n\n')}\n\nDry run: nothing was changed.`
    if (result.ending === 'cancelled') return 'Cancelled; nothing was changed.'
    return renderHostMigrationReport(result.report)
  }
}
