/**
 * What the benches' "bare" side runs: the plain virsh commands an admin types today, inside the
 * source host over ssh, with the lab's copy of the guest's data disk vda.
 */
import {execa} from 'execa'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {onHost, IP, LAB, REPO, type CliResult, type LabHostName} from '../test/support/lab-cli.js'

/** `virsh migrate --live --copy-storage-all` of `guest` (its vda) from `from` to `to`, run in `from`. */
export function bareLiveMigrate(from: LabHostName, to: LabHostName, guest: string): Promise<CliResult> {
  const argv = ['migrate', '--live', '--persistent', '--undefinesource', '--copy-storage-all', '--migrate-disks', 'vda', '--domain', guest]
  return onHost(from, ['virsh', '-c', 'qemu:///system', ...argv, '--desturi', `qemu+ssh://root@${IP[to]}/system`], 300_000)
}

/**
 * zdemo's scratch disk vdb as lab/guest/zdemo.xml defines it (serial and cache mode included: the
 * guest finds the device by its serial, so `virsh attach-disk`, which sets neither, would not do).
 */
const SCRATCH_XML = /<disk\b(?:(?!<\/disk>)[\s\S])*zdemo-scratch\.img(?:(?!<\/disk>)[\s\S])*<\/disk>/.exec(
  readFileSync(join(REPO, 'lab', 'guest', 'zdemo.xml'), 'utf8'),
)?.[0]

/** Detach (`detach`) or re-attach zdemo's scratch disk on `host`, live and in its definition, as an admin would around a bare migration. */
export async function scratchDisk(host: LabHostName, action: 'attach' | 'detach'): Promise<void> {
  if (!SCRATCH_XML) throw new Error('lab/guest/zdemo.xml defines no zdemo-scratch.img disk')
  const r = await execa(
    'ssh',
    ['-F', join(LAB, 'ssh', 'config'), `root@${IP[host]}`, `virsh -c qemu:///system ${action}-device zdemo /dev/stdin --live --config`],
    {
      input: SCRATCH_XML,
      reject: false,
      timeout: 60_000,
    },
  )
  if (r.exitCode !== 0) throw new Error(`${action} zdemo's vdb on ${host}: ${String(r.stderr).trim()}`)
}
