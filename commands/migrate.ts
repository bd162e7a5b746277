import {Args, Flags} from '@oclif/core'
import {BaseCommand, profileFlag} from '../src/cli/base-command.js'
import {confirmOrRefuse} from '../src/cli/confirm.js'
import {loadProfileFor} from '../src/cli/load-profile.js'
import {UsageError} from '../src/errors.js'
import {ExitCode} from '../src/exit-codes.js'
import type {Plan} from '../src/plan/types.js'
import {renderMigrationReport} from '../src/report/migrate-text.js'
import {renderPlan} from '../src/report/plan-text.js'
import {createRenderer} from '../src/report/progress.js'
import {HostPool} from '../src/hosts/connect.js'
import {applyPlanOrResume, obtainPlan} from '../src/run/migrate-service.js'
import type {PreflightTimings} from '../src/run/journal.js'
import type {MigrationReport} from '../src/run/report.js'
import {evacuate, type HostMigrationReport} from '../src/run/evacuate.js'
import {renderHostMigrationReport, renderOverview} from '../src/report/migrate-text.js'

type MigrateResult = MigrationReport | HostMigrationReport | {dryRun: true; plan: Plan} | {cancelled: true; plan: Plan}

export default class Migrate extends BaseCommand {
  static override summary = 'Migrate a guest: detach what blocks live migration, prepare the destination, virsh migrate, re-attach, verify.'
  static override description = `Plans and applies in one go (GUEST --from A --to B), applies a reviewed plan (--plan FILE; refused when stale, exit 5), or continues an interrupted run (--resume JOURNAL). Every step is journaled; on failure, completed steps are undone in reverse order.
Exit 0: migrated and verified; 1: failed and fully rolled back; 2: usage/profile error; 3: host unreachable; 4: failed and rollback incomplete, or the journal could not be written (the report or error says what needs a human); 5: stale or edited plan; 6: another run holds the guest; 130: interrupted (resume with --resume).`
  static override args = {guest: Args.string({description: 'Guest name on the source host.'})}
  static override examples = [
    '<%= config.bin %> migrate zdemo --from zhost-a --to zhost-b',
    '<%= config.bin %> migrate --plan zdemo.plan.json --json',
    '<%= config.bin %> migrate zdemo --from zhost-a --to zhost-b --dry-run',
    '<%= config.bin %> migrate --resume ~/.local/share/zmigrate/journals/20261122T101500Z-zdemo-1a2b3c.json',
    '<%= config.bin %> migrate --all --from zhost-a --to zhost-b --yes',
  ]
  static override flags = {
    profile: profileFlag,
    from: Flags.string({summary: 'Source host.'}),
    to: Flags.string({summary: 'Destination host.'}),
    plan: Flags.string({summary: 'Apply this plan file (from zmigrate plan -o).', exclusive: ['resume', 'from', 'to']}),
    resume: Flags.string({summary: 'Continue the migration recorded in this journal.', exclusive: ['plan', 'dry-run', 'from', 'to', 'all']}),
    all: Flags.boolean({summary: 'Move every guest of the source host, one at a time (blocked guests stay and are reported).', default: false, exclusive: ['plan', 'resume']}),
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
    const pool = new HostPool()
    const controller = new AbortController()
    let interrupts = 0
    const onSignal = (signal: NodeJS.Signals) => {
      interrupts++
      if (interrupts === 1) {
        process.stderr.write(`\nzmigrate: ${signal}: stopping the current step and rolling back (again to stop at once; resume with --resume)\n`)
        controller.abort()
      } else {
        process.exit(ExitCode.INTERRUPTED)
      }
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      if (flags.all) {
        const {report, plans, cancelled} = await evacuate(
          {
            profile,
            from: flags.from!,
            to: flags.to!,
            toolVersion: this.config.version,
            dataDir: this.config.dataDir,
            emit: createRenderer({json, tty: Boolean(process.stderr.isTTY)}),
            signal: controller.signal,
            dryRun: flags['dry-run'],
            confirm: async (overview) => {
              if (!json && (process.stdin.isTTY || flags.yes)) this.log(renderOverview(overview, flags.from!, flags.to!))
              return confirmOrRefuse(`Migrate ${overview.movable.length} guest${overview.movable.length === 1 ? '' : 's'} from ${flags.from} to ${flags.to}, one at a time?`, {yes: flags.yes})
            },
          },
          pool,
        )
        if (!json) {
          if (flags['dry-run']) this.log(`${plans.map((p) => renderPlan(p)).join('\n\n')}\n\nDry run: nothing was changed.`)
          else if (cancelled) this.log('Cancelled; nothing was changed.')
          else this.log(renderHostMigrationReport(report))
        }
        const outcomes = new Set(report.guests.map((g) => g.outcome))
        process.exitCode = outcomes.has('rollback-incomplete')
          ? ExitCode.ROLLBACK_INCOMPLETE
          : outcomes.has('interrupted')
            ? ExitCode.INTERRUPTED
            : report.ok || flags['dry-run'] || cancelled
              ? ExitCode.OK
              : ExitCode.BLOCKED
        return report
      }
      let plan: Plan | undefined
      let timings: PreflightTimings | undefined
      if (!flags.resume) {
        const started = performance.now()
        plan = await obtainPlan({profile, toolVersion: this.config.version, planFile: flags.plan, guest: args.guest, from: flags.from, to: flags.to, dataDir: this.config.dataDir}, pool)
        timings = {startupMs: Math.round(started), connectMs: Math.max(0, ...Object.values(pool.connectTimes())), preflightMs: Math.round(performance.now() - started)}
        if (flags['dry-run']) {
          if (!json) this.log(`${renderPlan(plan)}\n\nDry run: nothing was changed.`)
          return {dryRun: true, plan}
        }
        // a saved plan was reviewed when it was made (as with terraform apply PLANFILE)
        if (!flags.plan) {
          if (!json && process.stdin.isTTY && !flags.yes) this.log(renderPlan(plan, {commands: false}))
          if (!(await confirmOrRefuse(`Migrate ${plan.guest.name} from ${plan.source.host} to ${plan.destination.host}?`, {yes: flags.yes}))) {
            if (!json) this.log('Cancelled; nothing was changed.')
            return {cancelled: true, plan}
          }
        }
      }
      const {report} = await applyPlanOrResume(
        {profile, plan, resumeFile: flags.resume, dataDir: this.config.dataDir, emit: createRenderer({json, tty: Boolean(process.stderr.isTTY)}), signal: controller.signal, timings},
        pool,
      )
      if (!json) this.log(renderMigrationReport(report))
      process.exitCode = {migrated: ExitCode.OK, 'rolled-back': ExitCode.BLOCKED, 'rollback-incomplete': ExitCode.ROLLBACK_INCOMPLETE, interrupted: ExitCode.INTERRUPTED}[report.outcome]
      return report
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await pool.closeAll()
    }
  }
}
