/**
 * The wire format between the constant scripts (collect-script.ts, probe-script.ts) and what reads their output
 * (frames.ts, collect-parse.ts, parse-virsh.ts, probe-parse.ts): every section name and marker
 * that both sides must spell the same, in one place. The scripts interpolate these when the module
 * loads; they are constants, never user data, and hold no shell metacharacters. The parsers build
 * their lookups and patterns from them. test/hosts/wire-format.test.ts checks that the scripts
 * emit exactly the sections defined here.
 *
 * Framing, on the stdout of both scripts:
 *     ::zm:<nonce>:begin:<section>
 *     <body>
 *     ::zm:<nonce>:end:<section>:<exit status>
 * <nonce> is random per run (the first stdin line), so nothing a section prints can forge a frame.
 * The keys of the `key NUL value` records inside a section belong to that section's parser and
 * are not listed here.
 */

/** Every frame line, and the probe's end-of-document line, starts with this and the nonce. */
export const FRAME_PREFIX = '::zm:'
export const FRAME_BEGIN = 'begin'
export const FRAME_END = 'end'
/** Ends each CPU document on the probe's stdin: `::zm:<nonce>:eod` (no XML line can be that). */
export const END_OF_DOCUMENT = 'eod'

/** `::zm:<nonce>`, which the scripts call $M. */
export const frameMark = (nonce: string): string => `${FRAME_PREFIX}${nonce}`

/** The collect script's sections, in the order it runs them (virsh-objects only when virsh-host succeeded). */
export const COLLECT_SECTIONS = {
  meta: 'meta',
  files: 'files',
  dasd: 'dasd',
  links: 'links',
  dm: 'dm',
  scsi: 'scsi',
  zfcp: 'zfcp',
  qeth: 'qeth',
  mdev: 'mdev',
  ap: 'ap',
  pci: 'pci',
  net: 'net',
  qemuconf: 'qemuconf',
  virshHost: 'virsh-host',
  virshObjects: 'virsh-objects',
  libvirtdVersion: 'libvirtd-version',
  qemuVersion: 'qemu-version',
} as const

/**
 * The virsh-host section is one argv-mode virsh run; its commands' outputs are separated by
 * `@@zm:<part>@@`. That output does not depend on any guest, so it needs no nonce. The output
 * before the first separator is `capabilities`; nothing useful follows `end`.
 */
export const VIRSH_HOST_PARTS = {
  capabilities: 'capabilities',
  domcapsKvm: 'domcaps-kvm',
  domcapsQemu: 'domcaps-qemu',
  version: 'version',
  nodeinfo: 'nodeinfo',
  guests: 'guests',
  persistent: 'persistent',
  running: 'running',
  paused: 'paused',
  shutoff: 'shutoff',
  pools: 'pools',
  poolsInactive: 'pools-inactive',
  nets: 'nets',
  netsInactive: 'nets-inactive',
  end: 'end',
} as const

export const VIRSH_PART_OPEN = '@@zm:'
export const VIRSH_PART_CLOSE = '@@'
export const virshPartSeparator = (part: string): string => `${VIRSH_PART_OPEN}${part}${VIRSH_PART_CLOSE}`

/**
 * The virsh-objects section is one virsh reading commands from stdin, each command's output
 * preceded by the marker `::zm:<nonce>:<kind>:<id>::` (id: the object's UUID). The script writes
 * the kind in quotes (echo ::zm:N:"x":UUID::), so virsh's echo of the command line never matches.
 */
export const VIRSH_OBJECTS = {
  pool: {kind: 'p', command: 'pool-dumpxml'},
  network: {kind: 'n', command: 'net-dumpxml'},
  state: {kind: 's', command: 'domstate'},
  domain: {kind: 'x', command: 'dumpxml'},
} as const
/** The marker after the last object's output. */
export const VIRSH_OBJECTS_END = {kind: 'z', id: 'end'} as const
export const VIRSH_OBJECT_MARK_CLOSE = '::'

/** The probe script's sections, one set per path or CPU document, named `<section>:<index>`. */
export const PROBE_SECTIONS = {
  path: 'path',
  image: 'img',
  df: 'df',
  /** A path whose df is that of an earlier index: the body is that index. */
  dfRef: 'dfref',
  cpu: 'cpu',
} as const

export const probeSection = (section: string, index: number | string): string => `${section}:${index}`

/** UUIDs as hosts print them (libvirt's lists, mdev directory names): lowercase. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
