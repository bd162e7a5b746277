import {Args, Flags} from '@oclif/core'
import {cancelGuest} from '../src/app/cancel.js'
import {cancelEvacuation} from '../src/app/cancel-evacuation.js'
import {CANCEL_EXIT} from '../src/app/exit-status.js'
import {BaseCommand} from '../src/cli/base-command.js'
import {UsageError} from '../src/errors.js'
import type {CancelReport} from '../src/report/cancel-report.js'
import {renderCancel} from '../src/report/cancel-text.js'

const exits = Object.entries(CANCEL_EXIT)
  .map(([outcome, {code, meaning}]) => `${code} (${outcome}): ${meaning}`)
  .join('; ')

export default class Cancel extends BaseCommand {
  static override summary = 'Stop a running zmigrate migration of GUEST (or a whole evacuation) from another shell: it rolls back.'
  static override description = `Asks the zmigrate run that holds GUEST (its lock in the data dir names the process) to stop: a request file beside the lock, then a signal to that process once it is verified by PID and start time. The run stops its step and rolls back as for Ctrl-C, and its report says "cancelled by user (USER@PID)"; a migration already verified stands. Cancel waits (--wait, default 120 s) until the run lets the guest go and reports how it ended, from its journal. GUEST is a name or a UUID; a name two guests being migrated share is refused (exit 2). A run on another host is named and left alone (exit 3).
--evacuation FILE|HOST stops an evacuation (or return): no more guests start, and every guest in flight is cancelled and rolled back on its own.
Exit ${exits}; 2: usage.`
  static override args = {guest: Args.string({description: 'The guest being migrated: its name or UUID.'})}
  static override examples = [
    '<%= config.bin %> cancel zdemo',
    '<%= config.bin %> cancel 0b4c2a6e-0d2f-4a53-9d0c-2f6a1e7f9b01 --json',
    '<%= config.bin %> cancel --evacuation zhost-a --wait 600',
    '<%= config.bin %> cancel --evacuation ~/.local/share/zmigrate/evacuations/20261201T220000Z-evacuate-zlpar1-1a2b3c.json',
  ]
  static override flags = {
    evacuation: Flags.string({
      summary: 'Stop this evacuation instead of one guest: its journal (a path, with a / or ending in .json), or the host it empties.',
      helpValue: 'FILE|HOST',
    }),
    wait: Flags.integer({summary: 'Seconds to wait for the run to stop and roll back (0: ask and return).', default: 120, min: 0, max: 86_400}),
  }

  async run(): Promise<CancelReport> {
    const {args, flags} = await this.parse(Cancel)
    if (Boolean(args.guest) === Boolean(flags.evacuation)) throw new UsageError('name the GUEST to cancel, or --evacuation FILE|HOST', {code: 'E_USAGE'})
    const common = {dataDir: this.config.dataDir, waitSeconds: flags.wait}
    const result = flags.evacuation
      ? await cancelEvacuation({...common, evacuation: flags.evacuation})
      : await cancelGuest({...common, guest: args.guest ?? ''})
    if (!this.jsonEnabled()) this.log(renderCancel(result.report))
    process.exitCode = result.exitCode
    return result.report
  }
}
