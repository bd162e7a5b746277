/**
 * The probe script (the second round trip to a host: the guests' disk and boot paths, free space,
 * qemu-img info read as the declared format, `hypervisor-cpu-compare`) and the encoder of its
 * stdin. The same security rule and framing as the collect script (collect-script.ts): a constant
 * script, every variable input on stdin, expanded only inside double quotes.
 */
import {QEMU_IMAGE_FORMATS, isQemuImageFormat} from '../domain/image-format.js'
import {checkLine, preamble} from './collect-script.js'
import type {ProbeTarget} from './facts-types.js'
import {END_OF_DOCUMENT, PROBE_SECTIONS as P, frameMark} from './wire-format.js'

export const PROBE_SCRIPT =
  preamble('probe') +
  String.raw`
is_count() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }
T30=
if command -v timeout >/dev/null 2>&1; then T30='timeout 30'; fi

# Disk images live on the real host, so a path is probed as given; /dev paths are read below
# $ROOT so that recorded trees work. A /dev path is a block device when its kernel name (what the
# udev link resolves to) exists in /sys/class/block — true on real hosts, and the only thing a
# recorded tree (which cannot hold device nodes) can show. The path itself is never printed.
# An empty format is a plain file (a kernel, an initrd, firmware): its type and size, no qemu-img.
probe_path() {
  idx=$1 fmt=$2 p=$3
  begin "${P.path}:$idx"
  case $p in
    /*) ;;
    *) printf 'error\000not an absolute path\n'; end "${P.path}:$idx" 2; return ;;
  esac
  case $fmt in
    ''|${QEMU_IMAGE_FORMATS.join('|')}) ;;
    *) printf 'error\000not a known image format\n'; end "${P.path}:$idx" 2; return ;;
  esac
  rp=$p strip=
  case $p in /dev/*) rp=$ROOT$p strip=$ROOT ;; esac
  kind= kname=
  case $p in
    /dev/*)
      t=$(readlink -f -- "$rp" 2>/dev/null)
      kname=${'$'}{t##*/}
      if [ -n "$kname" ] && [ -e "$ROOT/sys/class/block/$kname" ]; then
        kind=block
        printf 'kernel\000%s\n' "$kname"
        if [ -r "$ROOT/sys/class/block/$kname/size" ] && IFS= read -r sectors <"$ROOT/sys/class/block/$kname/size"; then
          case $sectors in ''|*[!0-9]*) ;; *) printf 'size\000%s\n' "$((sectors * 512))" ;; esac
        fi
      else kname=
      fi ;;
  esac
  if [ -z "$kind" ]; then
    if [ -b "$rp" ]; then kind=block
    elif [ -f "$rp" ]; then kind=regular
    elif [ -d "$rp" ]; then kind=directory
    elif [ -e "$rp" ]; then kind=other
    else kind=missing
    fi
  fi
  if [ "$kind" = block ] && [ -z "$kname" ]; then
    # a device node outside /dev (made with mknod next to images): its kernel name by major:minor
    mm=$(stat -L -c '%t:%T' -- "$rp" </dev/null 2>/dev/null)
    case $mm in
      *[!0-9a-f:]*|''|:*|*:|*:*:*) ;;
      *:*) t=$(readlink -f -- "$ROOT/sys/dev/block/$((0x${'$'}{mm%%:*})):$((0x${'$'}{mm#*:}))" 2>/dev/null)
        if [ -n "$t" ] && [ -e "$t" ]; then kname=${'$'}{t##*/}; printf 'kernel\000%s\n' "$kname"; fi ;;
    esac
  fi
  # device-mapper nodes (multipath maps, LVM volumes) name what they map by their DM UUID
  if [ -n "$kname" ] && [ -r "$ROOT/sys/class/block/$kname/dm/uuid" ] && IFS= read -r dmuuid <"$ROOT/sys/class/block/$kname/dm/uuid" && [ -n "$dmuuid" ]; then
    printf 'dmuuid\000%s\n' "$dmuuid"
  fi
  printf 'type\000%s\n' "$kind"
  dfpath=
  case $kind in
    regular)
      sz=$(stat -L -c %s -- "$rp" </dev/null 2>/dev/null) && printf 'size\000%s\n' "$sz"
      dfpath=$rp ;;
    directory) dfpath=$rp ;;
    missing)
      d=$rp
      while :; do
        d=${'$'}{d%/*}
        [ -n "$d" ] || d=/
        if [ -d "$d" ] || [ "$d" = / ]; then break; fi
      done
      printf 'parent\000%s\n' "${'$'}{d#"$strip"}"
      # free space of /dev (devtmpfs, or a recorded tree's disk) says nothing about a device
      case $p in /dev/*) ;; *) dfpath=$d ;; esac ;;
  esac
  end "${P.path}:$idx" 0
  if [ "$kind" = regular ] && [ -n "$fmt" ]; then
    # -U (force-share): images of running guests are locked by QEMU. The path starts with '/',
    # so qemu-img cannot read it as a protocol prefix ('nbd:', 'json:'). -f: the format the XML
    # declares, as libvirt opens it; a guessed one would let a guest's raw disk pose as qcow2 with
    # any size and backing file. No --backing-chain: qemu-img info then opens no backing file.
    begin "${P.image}:$idx"
    qemu-img info --output=json -U -f "$fmt" -- "$rp" </dev/null 2>&1
    end "${P.image}:$idx" $?
  fi
  if [ -n "$dfpath" ]; then
    # paths arrive sorted, so guests' images in one directory are neighbours: one df serves them all
    # (a df per path made the probe of 500 guests' images 1 s slower than it needs to be)
    dfdir=$dfpath
    [ "$kind" = regular ] && { dfdir=${'$'}{dfpath%/*}; [ -n "$dfdir" ] || dfdir=/; }
    if [ "$dfdir" = "$LAST_DF_DIR" ]; then
      begin "${P.dfRef}:$idx"
      printf '%s\n' "$LAST_DF_IDX"
      end "${P.dfRef}:$idx" 0
    else
      begin "${P.df}:$idx"
      df -P -k -- "$dfdir" </dev/null 2>&1
      end "${P.df}:$idx" $?
      LAST_DF_DIR=$dfdir LAST_DF_IDX=$idx
    fi
  fi
}

LAST_DF_DIR= LAST_DF_IDX=
IFS= read -r NPATHS || exit 64
is_count "$NPATHS" || { echo 'zmigrate probe: bad path count on stdin' >&2; exit 64; }
i=0
while [ "$i" -lt "$NPATHS" ]; do
  IFS= read -r f || exit 64
  IFS= read -r p || exit 64
  probe_path "$i" "$f" "$p"
  i=$((i + 1))
done

IFS= read -r NCPUS || exit 64
is_count "$NCPUS" || { echo 'zmigrate probe: bad CPU count on stdin' >&2; exit 64; }
if [ "$NCPUS" -gt 0 ]; then
  TMPD=$(mktemp -d) || { echo 'zmigrate probe: mktemp -d failed' >&2; exit 73; }
  trap 'rm -rf "$TMPD"' EXIT
  trap 'exit 130' HUP INT TERM
fi
j=0
while [ "$j" -lt "$NCPUS" ]; do
  f="$TMPD/cpu$j.xml"
  # each document ends with the nonce end-of-document line, which no CPU XML can contain
  while IFS= read -r l; do
    [ "$l" = "$M:${END_OF_DOCUMENT}" ] && break
    printf '%s\n' "$l"
  done >"$f"
  begin "${P.cpu}:$j"
  # --error: an incompatible CPU fails with the list of missing features (IBM-KVM
  # hypervisor-cpu-compare); s390x explicitly, since the lab's hosts are not s390x themselves
  $T30 virsh -q -c "$URI" hypervisor-cpu-compare --error --arch s390x "$f" </dev/null 2>&1
  end "${P.cpu}:$j" $?
  j=$((j + 1))
done
exit 0
`

/**
 * Why a target cannot be sent to the probe, or undefined: a line break would break the framing,
 * and a path not starting with '/' could read as an option ('-obacking_file=…') or a protocol.
 */
export function unsafeProbeTarget(t: ProbeTarget): string | undefined {
  if (/[\n\0]/.test(t.path)) return 'path contains a line break or NUL byte; zmigrate does not probe such paths'
  if (!t.path.startsWith('/')) return 'not an absolute path'
  if (t.format !== undefined && !isQemuImageFormat(t.format))
    return `declared image format ${JSON.stringify(t.format)} is not one QEMU reads (${QEMU_IMAGE_FORMATS.join(', ')}); zmigrate does not probe it`
  return undefined
}

/**
 * stdin of PROBE_SCRIPT: nonce, root, URI, the number of paths and two lines per path (format,
 * empty for a plain file; path), the number of CPU documents and each document followed by the line `::zm:<nonce>:eod`.
 */
export function encodeProbeInput(input: {nonce: string; root: string; uri: string; targets: readonly ProbeTarget[]; cpuXmls: readonly string[]}): string {
  checkLine('root', input.root)
  checkLine('libvirt URI', input.uri)
  for (const t of input.targets) {
    const why = unsafeProbeTarget(t)
    if (why) throw new Error(`cannot probe ${JSON.stringify(t.path)}: ${why}`)
  }
  const eod = `${frameMark(input.nonce)}:${END_OF_DOCUMENT}`
  const docs = input.cpuXmls.map((x) => {
    if (x.includes('\0')) throw new Error('CPU XML must not contain NUL bytes')
    return `${x.endsWith('\n') ? x : `${x}\n`}${eod}\n`
  })
  return `${input.nonce}\n${input.root}\n${input.uri}\n${input.targets.length}\n${input.targets.map((t) => `${t.format ?? ''}\n${t.path}\n`).join('')}${input.cpuXmls.length}\n${docs.join('')}`
}
