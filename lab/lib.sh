# lab/lib.sh -- shared by lab/up, lab/down, lab/status, lab/fault. Source it, don't run it.
# Callers set PROG (for messages) and `set -euo pipefail` first.

# root's alone (0700, see lab_dir_check): lab/up reuses the SSH keys it finds here
LAB=${ZMIGRATE_LAB:-/var/lib/zmigrate-lab}
CACHE=${ZMIGRATE_LAB_CACHE:-/var/cache/zmigrate-lab}
LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ST=$LAB/state
PIDS=$ST/pids          # "<role> <pid> <starttime>" for every process the lab started
FAULTS=$ST/faults      # one marker file per active fault: <kind>-<h>
GUEST=zdemo
# the lab's guests (lab/guest/): zdemo (the demo; a copied data disk and a host-local device that
# is detached), zweb and zapp (small, each with a copied data disk), zidle (defined, shut off)
RUNNING_GUESTS=(zdemo zweb zapp)
IDLE_GUESTS=(zidle)
HOSTS=(a b c)
declare -A IP=([a]=127.0.0.2 [b]=127.0.0.3 [c]=127.0.0.4)
declare -A UUID=([a]=5a5a5a5a-0000-4000-8000-00000000000a [b]=5a5a5a5a-0000-4000-8000-00000000000b [c]=5a5a5a5a-0000-4000-8000-00000000000c)
# the hosts share one network namespace: migration (and NBD) ports must not overlap
declare -A PMIN=([a]=49152 [b]=49184 [c]=49216)
declare -A PMAX=([a]=49183 [b]=49215 [c]=49247)
others() { local o; for o in "${HOSTS[@]}"; do [ "$o" = "$1" ] || echo "$o"; done; }
# root-namespace path <- per-host subdir of $LAB/<h> bind-mounted over it inside the host
BINDS=(/etc/libvirt:etc /run/libvirt:run /var/lib/libvirt:lib /var/log/libvirt:log
       /var/cache/libvirt:cache /root/.ssh:root-ssh)
DAEMONS=(virtlogd libvirtd sshd)   # start order; each runs in its host's namespace
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

: "${PROG:=lab}"
T0=${T0:-$(date +%s.%N)}
log() { printf '[%s %6.2fs] %s\n' "$PROG" "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')" "$*"; }
warn() { echo "$PROG: WARNING: $*" >&2; }
die() { echo "$PROG: ERROR: $*" >&2; exit 1; }

case $LAB in /?*) ;; *) die "ZMIGRATE_LAB must be an absolute path other than / (got '$LAB')" ;; esac
case $CACHE in /?*) ;; *) die "ZMIGRATE_LAB_CACHE must be an absolute path other than / (got '$CACHE')" ;; esac
[ "$(id -u)" = 0 ] || die "the lab needs root (namespaces, bind mounts, sshd on port 22)"

# $LAB holds root's key to the lab hosts, the known_hosts that vouches for them, and the PIDs lab/down
# kills and lab/status enters: whoever can write there can plant a key, a host key, a PID or a symlink
# for root to follow. So it must be a real directory owned by root that nobody else can write (refused
# otherwise: anything may have been planted in it); one that others can only read is tightened to 0700.
# Its parent must not let others replace it (not writable by them, or sticky like /tmp).
mode_has() { (( (8#$1 & 8#$2) != 0 )); }  # mode_has <octal mode> <octal bits>
lab_dir_check() {
  local parent m u
  [ -e "$LAB" ] || [ -L "$LAB" ] || return 0
  { [ -d "$LAB" ] && [ ! -L "$LAB" ]; } || die "$LAB is not a directory (or is a symbolic link): refusing to use it (remove it, or set ZMIGRATE_LAB to another path)"
  u=$(stat -c %u "$LAB") m=$(stat -c %a "$LAB")
  [ "$u" = 0 ] || die "$LAB belongs to uid $u, not root: another user may have planted keys or links in it; refusing to use it (rm -rf $LAB, or set ZMIGRATE_LAB to another path)"
  ! mode_has "$m" 022 || die "$LAB is writable by group or others (mode $m): another user may have planted keys or links in it; refusing to use it (check it, then chmod 700 $LAB; or rm -rf $LAB)"
  if mode_has "$m" 077; then chmod 0700 "$LAB"; warn "$LAB was mode $m: now 0700"; fi
  parent=$(dirname "$LAB")
  u=$(stat -c %u "$parent") m=$(stat -c %a "$parent")
  [ "$u" = 0 ] || die "$parent (holding $LAB) belongs to uid $u, not root: its owner could replace $LAB; set ZMIGRATE_LAB to a path under root's directories"
  ! mode_has "$m" 022 || mode_has "$m" 1000 || die "$parent (holding $LAB) is writable by group or others without the sticky bit (mode $m): anyone could replace $LAB; set ZMIGRATE_LAB elsewhere"
}
lab_dir_create() {
  mkdir -p "$(dirname "$LAB")"
  mkdir -m 0700 "$LAB" 2>/dev/null || true  # exists already: lab_dir_check judges it
  lab_dir_check
}
lab_dir_check

# host argument: a | zhost-a | 127.0.0.2 (and so on for b, c)  ->  a
host_arg() {
  case ${1:-} in
    a | zhost-a | 127.0.0.2) echo a ;;
    b | zhost-b | 127.0.0.3) echo b ;;
    c | zhost-c | 127.0.0.4) echo c ;;
    *) die "unknown host '${1:-}' (use zhost-a, zhost-b or zhost-c)" ;;
  esac
}

# bounded retry: wait_for <seconds> <cmd...>
wait_for() {
  local end=$((SECONDS + $1)); shift
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ $SECONDS -lt $end ] || return 1
    sleep 0.1
  done
}

# one lab command at a time (bounded wait). fd 9 holds the lock: never let a daemon inherit it.
# A lab command run by another one (lab/up -> lab/down) inherits the lock via ZMIGRATE_LAB_LOCKED.
lab_lock() {
  [ "${ZMIGRATE_LAB_LOCKED:-}" = "$LAB" ] && return 0
  lab_dir_create
  exec 9>"$LAB/.lock"
  flock -w "${1:-600}" 9 || die "another lab command holds $LAB/.lock for more than ${1:-600}s"
  export ZMIGRATE_LAB_LOCKED=$LAB
}

# ---- processes: a recorded PID counts only with its recorded start time, and a zombie is dead
# (daemons are re-parented to PID 1 once lab/up exits, and PID 1 here reaps lazily)
proc_field() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v f="$2" '{print $f}'; }
starttime() { proc_field "$1" 20; }
ok_pid() { [ -n "${2:-}" ] && [ "$(starttime "$1")" = "$2" ] && [ "$(proc_field "$1" 1)" != Z ]; }
role_line() { [ ! -f "$PIDS" ] || awk -v r="$1" '$1 == r {l = $2 " " $3} END {if (l) print l}' "$PIDS"; }
role_pid() {  # prints the PID of a live recorded role, else fails
  local l; l=$(role_line "$1")
  [ -n "$l" ] && ok_pid ${l% *} ${l#* } && echo "${l% *}"
}
record() {  # record <role> <pid>: replaces an earlier line of the same role
  local st; st=$(starttime "$2")
  [ -n "$st" ] || die "$1 (pid $2) exited right after start"
  { [ -f "$PIDS" ] && awk -v r="$1" '$1 != r' "$PIDS"; echo "$1 $2 $st"; } >"$PIDS.tmp"
  mv "$PIDS.tmp" "$PIDS"
}
ns_pid() { role_pid "ns-$1"; }

# run a command inside host <h> (its mount+UTS namespace), bounded by $TMO seconds (default 30)
in_host() {
  local h=$1 ns; shift
  ns=$(ns_pid "$h") || { echo "$PROG: zhost-$h namespace is not running" >&2; return 1; }
  timeout "${TMO:-30}" nsenter -t "$ns" -m -u -- "$@"
}
hvirsh() { local h=$1; shift; in_host "$h" virsh -q -c qemu:///system "$@"; }

daemon_argv() {
  case $1 in
    virtlogd) echo "virtlogd -f /etc/libvirt/virtlogd.conf -p /run/libvirt/virtlogd.pid" ;;
    libvirtd) echo "libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid" ;;
    # sshd needs an absolute path: it re-execs itself per connection and on SIGHUP
    sshd) echo "/usr/sbin/sshd -D -e -f $LAB/$2/sshd/sshd_config" ;;
  esac
}

# start_daemon <h> <virtlogd|libvirtd|sshd>: start in host h's namespace with a clean
# environment, in its own session (so it outlives the caller's process group), and record it
start_daemon() {
  local h=$1 d=$2 ns pid
  ns=$(ns_pid "$h") || die "zhost-$h namespace is not running (run lab/up)"
  # shellcheck disable=SC2046
  setsid nsenter -t "$ns" -m -u -- env -i PATH="$SYS_PATH" HOME=/root LANG=C.UTF-8 \
    $(daemon_argv "$d" "$h") </dev/null >>"$LAB/$h/log/$d.stdout" 2>&1 9>&- &
  pid=$!
  # setsid/nsenter/env all exec in place: wait until the PID is the daemon itself
  wait_for 5 grep -qx "$d" "/proc/$pid/comm" || die "zhost-$h: $d did not start (see $LAB/$h/log/$d.stdout)"
  record "$d-$h" "$pid"
}

listening() { ss -Hltn "sport = :22" | awk '{print $4}' | grep -qx "$1:22"; }
ssh_lab() { ssh -F "$LAB/ssh/config" "$@"; }

# wait until host h's daemons answer; die with a pointer to the log otherwise
wait_host_ready() {
  local h=$1
  wait_for 20 test -S "$LAB/$h/run/virtlogd-sock" || die "zhost-$h: virtlogd socket missing (see $LAB/$h/log/)"
  # 'virsh version' would fail here: no emulator for the host arch (x86_64) is visible
  wait_for 60 hvirsh "$h" hostname || die "zhost-$h: libvirtd does not answer (see $LAB/$h/log/libvirtd.log)"
  wait_for 20 listening "${IP[$h]}" || die "zhost-$h: sshd not listening on ${IP[$h]}:22 (see $LAB/$h/log/sshd.stdout)"
  wait_for 20 ssh_lab "root@${IP[$h]}" true || die "zhost-$h: ssh root@${IP[$h]} with the lab key fails: $(ssh_lab "root@${IP[$h]}" true 2>&1 | tail -1)"
}

# a guest's location: guest_where [<guest>] prints "<h> <state>" for each host that has it defined
guest_where() {
  local h s g=${1:-$GUEST}
  for h in "${HOSTS[@]}"; do
    s=$(TMO=10 hvirsh "$h" domstate "$g" 2>/dev/null | head -1) && [ -n "$s" ] && echo "$h $s"
  done
  return 0
}
