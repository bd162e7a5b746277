/**
 * What the benches' "bare" side runs: the plain `virsh migrate` an admin types today, inside the
 * source host over ssh, with the lab's copy of the guest's data disk vda.
 */
import {onHost, IP, type CliResult, type LabHostName} from '../test/support/lab-cli.js'

/** `virsh migrate --live --copy-storage-all` of `guest` (its vda) from `from` to `to`, run in `from`. */
export function bareLiveMigrate(from: LabHostName, to: LabHostName, guest: string): Promise<CliResult> {
  const argv = ['migrate', '--live', '--persistent', '--undefinesource', '--copy-storage-all', '--migrate-disks', 'vda', '--domain', guest]
  return onHost(from, ['virsh', '-c', 'qemu:///system', ...argv, '--desturi', `qemu+ssh://root@${IP[to]}/system`], 300_000)
}
