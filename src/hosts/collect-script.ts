/**
 * The constant POSIX sh scripts zmigrate runs on a host — one per round trip: the fact-gathering
 * one here, the probe in probe-script.ts — the preamble they share, and the collect script's stdin.
 *
 * Security rule: the remote command is always `['sh', '-c', SCRIPT]` with SCRIPT one of these
 * constants; every variable input (root directory, libvirt URI, disk paths from guest XML, CPU XML)
 * travels on stdin and is only ever expanded inside double quotes. Guest names never reach a
 * command line at all: guests are addressed by UUID, and UUIDs are checked to be hex and dashes.
 *
 * In the script sources, ${'$'}{ is the shell's ${ (a template literal would interpolate it); every
 * other ${…} is a constant of wire-format.ts, the section names and markers the parsers expect.
 *
 * Output framing: sections
 *     ::zm:<nonce>:begin:<name>
 *     <body>
 *     ::zm:<nonce>:end:<name>:<exit status>
 * where <nonce> is random per run (first stdin line), so no file content, guest XML or error text
 * can forge a frame. Inside most sections, lines are `key NUL value` (grep -Z, find -printf).
 *
 * Everything under /sys, /dev and /proc is read below $ROOT: '/' on a real host, a recorded tree
 * (test/fixtures/hosts/*, lab/trees/*) otherwise — the same code path, only the root differs.
 * libvirt is always the real daemon behind the URI. Forks are kept constant (about 20 plus two
 * virsh processes) whatever the number of devices or guests: one grep per device class reads all
 * attributes, one find lists all links, and one virsh reads every per-guest command from stdin.
 *
 * Host tools used: sh, GNU grep (-Z), find (-printf), readlink -f, stat -c, df -P, mktemp -d,
 * getent, virsh, qemu-img, and coreutils timeout when present — all in the base install of the
 * distributions IBM supports for KVM on Z (RHEL, SLES, Ubuntu).
 */
import {randomBytes} from 'node:crypto'
import {
  COLLECT_SECTIONS as S,
  FRAME_BEGIN,
  FRAME_END,
  FRAME_PREFIX,
  VIRSH_HOST_PARTS as V,
  VIRSH_OBJECT_MARK_CLOSE,
  VIRSH_OBJECTS,
  VIRSH_OBJECTS_END,
  VIRSH_PART_CLOSE,
  VIRSH_PART_OPEN,
  virshPartSeparator as part,
} from './wire-format.js'

/**
 * The start both scripts share: a known locale and PATH, the three stdin lines (nonce, root,
 * libvirt URI) validated, and the frame markers.
 */
export const preamble = (what: string) => String.raw`
LC_ALL=C; export LC_ALL
PATH=$PATH:/usr/sbin:/sbin:/usr/bin:/bin; export PATH
IFS= read -r NONCE || exit 64
IFS= read -r ROOT || exit 64
IFS= read -r URI || exit 64
case $NONCE in ''|*[!0-9a-f]*) echo 'zmigrate ${what}: bad nonce on stdin' >&2; exit 64 ;; esac
case $ROOT in /*) ;; *) echo 'zmigrate ${what}: the root directory must be an absolute path' >&2; exit 64 ;; esac
while :; do case $ROOT in */) ROOT=${'$'}{ROOT%/} ;; *) break ;; esac; done
M="${FRAME_PREFIX}$NONCE"
begin() { printf '\n%s:${FRAME_BEGIN}:%s\n' "$M" "$1"; }
end() { printf '\n%s:${FRAME_END}:%s:%s\n' "$M" "$1" "$2"; }
`

export const COLLECT_SCRIPT =
  preamble('collect') +
  String.raw`
# Run a section; its exit status goes into the end frame.
section() { name=$1; shift; begin "$name"; "$@"; end "$name" $?; cd /; }
# cd below the root; a missing directory is normal (no DASD, no zPCI, ...): the section stays empty.
at() { cd "$ROOT/$1" 2>/dev/null; }
# One process reads any number of sysfs attributes: lines "<file> NUL <line>"; unreadable files are skipped.
attrs() { grep -s -H -Z '' "$@"; }
is_uuid() { case $1 in *[!0-9a-f-]*) return 1 ;; esac; [ ${'$'}{#1} -eq 36 ]; }

meta() {
  if [ -d "$ROOT/sys" ]; then printf 'sys\000present\n'; else printf 'sys\000missing\n'; fi
}

files() {
  cd "$ROOT/" || return 1
  # /proc/mounts is a symlink to self/mounts on real hosts; some recorded trees only have the latter
  mounts=proc/mounts
  [ -r "$mounts" ] || mounts=proc/self/mounts
  attrs proc/meminfo "$mounts" proc/sys/vm/unprivileged_userfaultfd proc/sys/kernel/hostname proc/sys/kernel/osrelease \
    sys/devices/system/cpu/online sys/fs/selinux/enforce sys/fs/selinux/booleans/virt_use_nfs \
    sys/devices/system/node/node[0-9]*/meminfo sys/devices/system/node/node[0-9]*/cpulist \
    sys/devices/system/node/node[0-9]*/hugepages/hugepages-*/nr_hugepages \
    sys/devices/system/node/node[0-9]*/hugepages/hugepages-*/free_hugepages \
    sys/kernel/mm/hugepages/hugepages-*/nr_hugepages sys/kernel/mm/hugepages/hugepages-*/free_hugepages \
    sys/kernel/mm/hugepages/hugepages-*/resv_hugepages sys/kernel/mm/hugepages/hugepages-*/surplus_hugepages
}

# DASD: lsdasd's own enumeration (s390-tools zconf/lsdasd): the dasd-eckd/dasd-fba driver views.
dasd() {
  for drv in dasd-eckd dasd-fba; do
    at "sys/bus/ccw/drivers/$drv" || continue
    printf 'driver\000%s\n' "$drv"
    attrs */online */alias */uid */readonly */discipline
    printf 'block\000%s\n' */block/*
    cd /
  done
}

links() {
  at dev || return 0
  find disk mapper tape -type l -printf '%p\000%l\n' 2>/dev/null
}

dm() {
  at sys/block || return 0
  attrs dm-*/dm/name dm-*/dm/uuid
  printf 'slave\000%s\n' dm-*/slaves/*
}

scsi() {
  at sys/bus/scsi/devices || return 0
  attrs *:*:*:*/type *:*:*:*/vendor *:*:*:*/model *:*:*:*/hba_id *:*:*:*/wwpn *:*:*:*/fcp_lun
  printf 'child\000%s\n' *:*:*:*/block/* *:*:*:*/scsi_tape/* *:*:*:*/scsi_changer/* *:*:*:*/scsi_generic/*
}

zfcp() {
  at sys/bus/ccw/drivers/zfcp || return 0
  attrs */online
  printf 'host\000%s\n' */host[0-9]*
}

qeth() {
  at sys/bus/ccwgroup/drivers/qeth || return 0
  attrs */online */layer2 */card_type */if_name */bridge_role */vnicc/*
  # names too: a vnicc attribute that cannot be read (bridge port, no support) is 'n/a'
  printf 'vnicc\000%s\n' */vnicc/*
}

mdev() {
  at sys/bus/mdev/devices || return 0
  find . -mindepth 1 -maxdepth 1 -type l -printf 'dev\000%f\000%l\n'
  find */mdev_type -maxdepth 0 -printf 'type\000%p\000%l\n' 2>/dev/null
  # vfio_ccw: the subchannel's dev_busid names the device number (kernel >= 5.9); mdevs are few
  for u in *; do
    if [ -r "$u/../dev_busid" ] && IFS= read -r v <"$u/../dev_busid"; then printf 'busid\000%s\000%s\n' "$u" "$v"; fi
  done
}

ap() {
  at sys/devices/vfio_ap/matrix || return 0
  attrs */matrix */control_domains
}

pci() {
  at sys/bus/pci/devices || return 0
  attrs */function_id */uid */uid_is_unique */pchid */vendor */device */class
  find */driver -maxdepth 0 -printf 'driver\000%p\000%l\n' 2>/dev/null
  printf 'net\000%s\n' */net/*
  printf 'nvme\000%s\n' */nvme/nvme*/nvme*n*
}

net() {
  at sys/class/net || return 0
  attrs */operstate */address */type */uevent
  printf 'has\000%s\n' */bridge */bonding */tun_flags */macvtap */lower_*
  find */master */device -maxdepth 0 -printf 'link\000%p\000%l\n' 2>/dev/null
}

# qemu.conf is host configuration, not under $ROOT. Unset user/group: the libvirt capabilities'
# DAC baselabel tells the effective ids.
qemuconf() {
  [ -r /etc/libvirt/qemu.conf ] || return 0
  qu= qg=
  while IFS= read -r l; do
    case $l in
      user*=*) v=${'$'}{l#*\"}; qu=${'$'}{v%%\"*} ;;
      group*=*) v=${'$'}{l#*\"}; qg=${'$'}{v%%\"*} ;;
    esac
  done </etc/libvirt/qemu.conf
  if [ -n "$qu" ]; then printf 'user\000%s\n' "$qu"; pw=$(getent passwd "${'$'}{qu#+}"); printf 'passwd\000%s\n' "$pw"; fi
  if [ -n "$qg" ]; then printf 'group\000%s\n' "$qg"; gr=$(getent group "${'$'}{qg#+}"); printf 'grent\000%s\n' "$gr"; fi
  return 0
}

# All host-level libvirt queries in one virsh process (argv mode, fixed command string). Its output
# is guest-independent, so plain @@zm:<name>@@ separators suffice. 'version --daemon' fails on hosts
# without an emulator for the host arch ("Cannot find suitable emulator for x86_64"); the
# libvirtd/virtqemud binary's --version is the fallback (see libvirtd_version).
# A hung libvirtd must not hang the gather: virsh runs under coreutils timeout when the host has
# it (status 124 then reads as 'libvirt unreachable').
T30= T120=
if command -v timeout >/dev/null 2>&1; then T30='timeout 30' T120='timeout 120'; fi
VIRSH_HOST=
virsh_host() {
  VIRSH_HOST=$($T30 virsh -q -c "$URI" 'capabilities; echo ${part(V.domcapsKvm)}; domcapabilities --arch s390x --virttype kvm; echo ${part(V.domcapsQemu)}; domcapabilities --arch s390x --virttype qemu; echo ${part(V.version)}; version --daemon; echo ${part(V.nodeinfo)}; nodeinfo; echo ${part(V.guests)}; list --all --uuid; echo ${part(V.persistent)}; list --all --persistent --uuid; echo ${part(V.running)}; list --state-running --uuid; echo ${part(V.paused)}; list --state-paused --uuid; echo ${part(V.shutoff)}; list --state-shutoff --uuid; echo ${part(V.pools)}; pool-list --all --uuid; echo ${part(V.poolsInactive)}; pool-list --inactive --uuid; echo ${part(V.nets)}; net-list --all --uuid; echo ${part(V.netsInactive)}; net-list --inactive --uuid; echo ${part(V.end)}' </dev/null 2>&1)
  VIRSH_RC=$?
  printf '%s\n' "$VIRSH_HOST"
  return $VIRSH_RC
}

# Per-object details for all guests, pools and networks: ONE virsh reading commands from stdin,
# each preceded by an 'echo' of a nonce marker. The marker is written with quotes inside the
# token (echo ::zm:N:"x":UUID::) so virsh's own echo of the command line (readline, non-tty) never
# matches the marker it prints.
virsh_objects() {
  guests= pools= nets= sect= emulator= inarch= common=
  oldifs=$IFS
  IFS='
'
  set -f
  for l in $VIRSH_HOST; do
    case $l in *${VIRSH_PART_OPEN}*${VIRSH_PART_CLOSE}*) sect=${'$'}{l##*${VIRSH_PART_OPEN}}; sect=${'$'}{sect%%${VIRSH_PART_CLOSE}*}; l=${'$'}{l##*${VIRSH_PART_CLOSE}} ;; esac
    case $sect in
      '')
        case $l in *"<arch name='s390x'>"*) inarch=1 ;; *'</arch>'*) inarch= ;; esac
        if [ -n "$inarch" ] && [ -z "$emulator" ]; then
          case $l in *'<emulator>'*'</emulator>'*) emulator=${'$'}{l#*<emulator>}; emulator=${'$'}{emulator%%</emulator>*} ;; esac
        fi ;;
      ${V.guests}) is_uuid "$l" && guests="$guests $l" ;;
      ${V.running}|${V.paused}|${V.shutoff}) is_uuid "$l" && common="$common $l " ;;
      ${V.pools}) is_uuid "$l" && pools="$pools $l" ;;
      ${V.nets}) is_uuid "$l" && nets="$nets $l" ;;
    esac
  done
  set +f
  IFS=$oldifs
  EMULATOR=$emulator
  [ -n "$guests$pools$nets" ] || return 0
  {
    for u in $pools; do printf 'echo %s:"${VIRSH_OBJECTS.pool.kind}":%s${VIRSH_OBJECT_MARK_CLOSE}\n${VIRSH_OBJECTS.pool.command} %s\n' "$M" "$u" "$u"; done
    for u in $nets; do printf 'echo %s:"${VIRSH_OBJECTS.network.kind}":%s${VIRSH_OBJECT_MARK_CLOSE}\n${VIRSH_OBJECTS.network.command} %s\n' "$M" "$u" "$u"; done
    for u in $guests; do
      # the three state lists answer for almost every guest; only the rest (crashed, in
      # shutdown, pmsuspended, or changed between the lists) costs a domstate
      case $common in *" $u "*) ;; *) printf 'echo %s:"${VIRSH_OBJECTS.state.kind}":%s${VIRSH_OBJECT_MARK_CLOSE}\n${VIRSH_OBJECTS.state.command} %s\n' "$M" "$u" "$u" ;; esac
      printf 'echo %s:"${VIRSH_OBJECTS.domain.kind}":%s${VIRSH_OBJECT_MARK_CLOSE}\n${VIRSH_OBJECTS.domain.command} %s\n' "$M" "$u" "$u"
    done
    printf 'echo %s:"${VIRSH_OBJECTS_END.kind}":${VIRSH_OBJECTS_END.id}${VIRSH_OBJECT_MARK_CLOSE}\n' "$M"
  } | $T120 virsh -q -c "$URI" 2>&1
}

libvirtd_version() {
  # only meaningful when the URI names this host's daemon (no host part after ://)
  case $URI in *://[!/]*) return 0 ;; esac
  for d in virtqemud libvirtd; do
    if command -v "$d" >/dev/null 2>&1; then "$d" --version </dev/null 2>&1; return; fi
  done
  return 0
}

qemu_version() {
  if [ -n "$EMULATOR" ] && [ -x "$EMULATOR" ]; then "$EMULATOR" --version </dev/null 2>&1; return; fi
  if command -v qemu-system-s390x >/dev/null 2>&1; then qemu-system-s390x --version </dev/null 2>&1; fi
}

EMULATOR=
VIRSH_RC=1
section ${S.meta} meta
section ${S.files} files
section ${S.dasd} dasd
section ${S.links} links
section ${S.dm} dm
section ${S.scsi} scsi
section ${S.zfcp} zfcp
section ${S.qeth} qeth
section ${S.mdev} mdev
section ${S.ap} ap
section ${S.pci} pci
section ${S.net} net
section ${S.qemuconf} qemuconf
section ${S.virshHost} virsh_host
if [ "$VIRSH_RC" -eq 0 ]; then
  begin ${S.virshObjects}
  virsh_objects
  end ${S.virshObjects} $?
fi
section ${S.libvirtdVersion} libvirtd_version
section ${S.qemuVersion} qemu_version
exit 0
`

/** A fresh 128-bit nonce for one run's frames. */
export function newNonce(): string {
  return randomBytes(16).toString('hex')
}

export function checkLine(what: string, value: string): void {
  if (/[\n\r\0]/.test(value)) throw new Error(`${what} must not contain a line break or NUL: ${JSON.stringify(value)}`)
}

/** stdin of COLLECT_SCRIPT: nonce, root, URI, one per line. */
export function encodeCollectInput(input: {nonce: string; root: string; uri: string}): string {
  checkLine('root', input.root)
  checkLine('libvirt URI', input.uri)
  return `${input.nonce}\n${input.root}\n${input.uri}\n`
}
