/**
 * Every command the runner sends to a host, each a fixed argv (the transport quotes it). Variable
 * data either is an argv element or travels on stdin; `sh -c` scripts here are constants that read
 * their inputs as positional parameters ("$1") — never pasted into the script text.
 */
import {isQemuImageFormat} from '../domain/image-format.js'
import {findChild, parseXmlFragment, type XmlNode} from '../domain/xml-fragment.js'
import {RemoteCommandError, ZmigrateError, firstLine} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {HostTransport, RunResult} from '../hosts/transport.js'
import type {DeviceRef} from '../plan/types.js'

export interface HostRef {
  t: HostTransport
  /** libvirt URI on that host. */
  uri: string
  /** Directory /sys is read under (the profile's root). */
  root: string
}

export async function virsh(h: HostRef, args: string[], opts: {timeoutMs?: number; stdin?: string} = {}): Promise<RunResult> {
  return h.t.run(['virsh', '-c', h.uri, ...args], opts)
}

async function virshOk(h: HostRef, args: string[], opts: {timeoutMs?: number} = {}): Promise<string> {
  const r = await virsh(h, args, opts)
  if (r.exitCode !== 0) throw new RemoteCommandError(h.t.hostName, ['virsh', ...args], r)
  return r.stdout
}

/** Runs `argv… --file <tmp>` with `content` written to a temporary file on the host, removed afterwards. */
const WITH_TEMP_FILE = 'f=$(mktemp) || exit 1; cat >"$f" || { rm -f "$f"; exit 1; }; "$@" --file "$f"; rc=$?; rm -f "$f"; exit $rc'

export async function virshWithFile(h: HostRef, args: string[], content: string, timeoutMs = 120_000): Promise<RunResult> {
  return h.t.run(['sh', '-c', WITH_TEMP_FILE, 'zmigrate', 'virsh', '-c', h.uri, ...args], {stdin: content, timeoutMs})
}

/** Guest state on a host, or 'absent' when the host has no such guest. */
export async function domainState(h: HostRef, guest: string): Promise<string> {
  const r = await virsh(h, ['domstate', '--domain', guest], {timeoutMs: 30_000})
  if (r.exitCode !== 0) {
    if (/failed to get domain|Domain not found|no domain with matching name/i.test(r.stderr)) return 'absent'
    throw new RemoteCommandError(h.t.hostName, ['virsh', 'domstate', guest], r)
  }
  return r.stdout.trim().split('\n')[0].trim()
}

export async function liveXml(h: HostRef, guest: string, inactive = false): Promise<string> {
  return virshOk(h, ['dumpxml', '--domain', guest, ...(inactive ? ['--inactive'] : [])], {timeoutMs: 30_000})
}

function attrAt(node: XmlNode, dotted: string): string | undefined {
  const parts = dotted.split('.')
  const attr = parts.pop() ?? dotted
  let cur: XmlNode | undefined = node
  for (const p of parts) cur = findChild(cur, p) ?? findChild(findChild(cur, 'address'), p)
  return cur?.attrs[attr]
}

function sameValue(a: string | undefined, b: string): boolean {
  if (a === undefined) return false
  if (a === b) return true
  const num = (v: string) => (/^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : Number.NaN)
  return !Number.isNaN(num(a)) && num(a) === num(b)
}

/** Does a domain XML contain the device (by its match attributes)? */
export function hasDevice(domainXml: string, device: DeviceRef): boolean {
  const devices = findChild(parseXmlFragment(domainXml), 'devices')
  const entries = Object.entries(device.match.attributes)
  if (entries.length === 0) return false
  return (devices?.children ?? []).some((c) => c.name === device.match.element && entries.every(([k, v]) => sameValue(attrAt(c, k), v)))
}

/**
 * Sets DASD devices online or offline and reports which ones changed. On a host whose root is
 * `/` and that has chzdev (s390-tools), chzdev does it (active configuration only: `-a`);
 * otherwise the sysfs `online` attribute is written under the root — the same path
 * `chccwdev` uses, and the only one a recorded host tree has.
 */
const SET_DASD = `root=$1; want=$2; shift 2
for id in "$@"; do
  f="$root/sys/bus/ccw/devices/$id/online"
  [ -e "$f" ] || { echo "no such DASD $id ($f)" >&2; exit 3; }
  read -r cur <"$f" || cur=
  [ "$cur" = "$want" ] && continue
  if [ "$root" = / ] && command -v chzdev >/dev/null 2>&1; then
    if [ "$want" = 1 ]; then chzdev -e -a dasd "$id" >&2 || exit 4; else chzdev -d -a dasd "$id" >&2 || exit 4; fi
  else
    printf '%s\\n' "$want" >"$f" || exit 4
  fi
  echo "$id"
done`

export async function setDasdOnline(h: HostRef, busIds: string[], online: boolean): Promise<string[]> {
  const r = await h.t.run(['sh', '-c', SET_DASD, 'zmigrate', h.root, online ? '1' : '0', ...busIds], {timeoutMs: 120_000})
  if (r.exitCode !== 0) throw new RemoteCommandError(h.t.hostName, ['set DASD', online ? 'online' : 'offline', ...busIds], r)
  return r.stdout.split('\n').filter(Boolean)
}

export async function dasdOnlineStates(h: HostRef, busIds: string[]): Promise<Record<string, boolean>> {
  const r = await h.t.run([
    'sh',
    '-c',
    'root=$1; shift; for id in "$@"; do v=; read -r v <"$root/sys/bus/ccw/devices/$id/online" 2>/dev/null; echo "$id $v"; done',
    'zmigrate',
    h.root,
    ...busIds,
  ])
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.split(' ')[0], l.split(' ')[1] === '1']),
  )
}

const CREATE_IMAGE = '[ -e "$1" ] && { echo "$1 already exists" >&2; exit 17; }; qemu-img create -q -f "$2" -- "$1" "$3"'

/**
 * Creates an empty image; refuses to overwrite anything. The plan file is data: a path that is not
 * absolute or a format QEMU does not know is refused before anything runs, and the path follows
 * `--`, so it is never read as an option.
 */
export async function createImage(h: HostRef, image: {path: string; format: string; virtualSizeBytes: number}): Promise<void> {
  if (!image.path.startsWith('/') || !isQemuImageFormat(image.format) || !Number.isSafeInteger(image.virtualSizeBytes) || image.virtualSizeBytes < 0) {
    throw new ZmigrateError(
      `${h.t.hostName}: refusing to create ${JSON.stringify(image.path)} as ${JSON.stringify(image.format)} of ${image.virtualSizeBytes} bytes: the plan needs an absolute path, a QEMU image format and a byte count`,
      {exitCode: ExitCode.BLOCKED, code: 'E_STEP', remedy: 'Plan again: zmigrate writes only such images into a plan.'},
    )
  }
  const r = await h.t.run(['sh', '-c', CREATE_IMAGE, 'zmigrate', image.path, image.format, String(image.virtualSizeBytes)], {timeoutMs: 120_000})
  if (r.exitCode !== 0)
    throw new RemoteCommandError(
      h.t.hostName,
      ['qemu-img', 'create', image.path],
      r,
      r.exitCode === 17 ? `${image.path} exists on ${h.t.hostName}: the plan is stale; plan again.` : undefined,
    )
}

/**
 * Removes the source's copy of an image the migration copied — unless a guest defined there still
 * names the path (live or persistent XML, as a source or a backing store) or a process holds it
 * open (a running QEMU keeps its backing files open, declared or not). Exit 3: in use, with why.
 */
const REMOVE_UNUSED_IMAGE = `uri=$1; p=$2
[ -e "$p" ] || exit 0
for u in $(virsh -q -c "$uri" list --all --uuid); do
  for x in "" --inactive; do
    if virsh -q -c "$uri" dumpxml $x "$u" 2>/dev/null | grep -F -q -- "$p"; then echo "guest $u names $p" >&2; exit 3; fi
  done
done
# the same file (device and inode), not the same name: a process in another mount namespace may
# have another file open under that name; -inum, unlike -samefile, does not open the file itself
id=$(stat -L -c '%d %i' -- "$p") || exit 4
set -- $id
fd=$(find -L /proc/[0-9]*/fd -maxdepth 1 -inum "$2" -printf '%D %p\\n' 2>/dev/null | grep "^$1 " | head -n 1)
[ -n "$fd" ] && { echo "a process holds $p open (\${fd#* })" >&2; exit 3; }
rm -f -- "$p"`

export async function removeUnusedImage(h: HostRef, path: string): Promise<void> {
  const r = await h.t.run(['sh', '-c', REMOVE_UNUSED_IMAGE, 'zmigrate', h.uri, path], {timeoutMs: 120_000})
  if (r.exitCode !== 0)
    throw new RemoteCommandError(
      h.t.hostName,
      ['remove', 'copied image', path],
      r,
      r.exitCode === 3 ? `${path} is still in use on ${h.t.hostName}: it was left there.` : undefined,
    )
}

/** `test` takes no `--`: the path is absolute (plan/values.ts), so it cannot read as an operator. */
export async function pathExists(h: HostRef, path: string): Promise<boolean> {
  const r = await h.t.run(['test', '-e', path])
  return r.exitCode === 0
}

export async function removeImage(h: HostRef, path: string): Promise<void> {
  const r = await h.t.run(['rm', '-f', '--', path], {timeoutMs: 60_000})
  if (r.exitCode !== 0) throw new RemoteCommandError(h.t.hostName, ['rm', path], r)
}

export function failureText(r: RunResult): string {
  return firstLine(r.stderr.replace(/^error:\s*/gim, '')) || `exit status ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}`
}
