/**
 * The commented starter profile `zmigrate profile init` writes. Values are quoted by the yaml
 * library, so a site or address with YAML-special characters still round-trips.
 */
import {stringify} from 'yaml'

export interface StarterHost {
  name: string
  address: string
}

/** Placeholder hosts when none are given (documentation addresses, RFC 5737). */
export const PLACEHOLDER_HOSTS: readonly StarterHost[] = [
  {name: 'kvm-a', address: '192.0.2.10'},
  {name: 'kvm-b', address: '192.0.2.11'},
]

function scalar(value: string): string {
  return stringify(value).trimEnd()
}

export function starterProfile(site: string, hosts: readonly StarterHost[]): string {
  const placeholders = hosts.length === 0
  const named = placeholders ? PLACEHOLDER_HOSTS : hosts
  const hostLines = named.flatMap((h) => [`  ${scalar(h.name)}:`, `    address: ${scalar(h.address)}`])
  // examples below name the real hosts (host names are plain YAML: letters, digits, . _ -)
  const names = named.map((h) => h.name)
  const other = names[1] ?? 'OTHER-HOST'
  return `# zmigrate site profile for ${site}.
# Check it with:  zmigrate profile validate FILE
# See it resolved: zmigrate profile show --profile FILE
# Every setting, with its default, is explained in profiles/example-site.yaml shipped with zmigrate.
# Relative paths are relative to this file; ~/ is your home directory.
version: 1
site: ${scalar(site)}
# description: what these hosts are (CEC, LPARs, purpose)

# Settings every host inherits; a host's own settings win.
defaults:
  transport: ssh                      # or local: run commands on this machine
  # user: root                        # unset: ~/.ssh/config, then your login name
  # port: 22                          # unset: ~/.ssh/config, then 22
  # identity: ~/.ssh/id_ed25519       # unset: ~/.ssh/config IdentityFile, then OpenSSH's defaults (+ ssh-agent)
  # known-hosts: ~/.ssh/known_hosts   # unset: ~/.ssh/config UserKnownHostsFile, then ~/.ssh/known_hosts
  # trust-on-first-use: false         # record the key of a never-seen host (a changed key is always refused)
  # libvirt-uri: qemu:///system
  # connect-timeout: 10               # seconds

hosts:${placeholders ? '\n  # Placeholders: replace with your KVM hosts (name: address).' : ''}
${hostLines.join('\n')}
    # migration-uri: qemu+ssh://root@ADDRESS/system   # how the source host's libvirt reaches this one

# Per-rule changes; ids from \`zmigrate rules\`. A reason is required and shown with each finding.
# rules:
#   RULE-ID:
#     severity: warning               # blocker | action | warning | info
#     reason: why this site differs

# migration:
#   mode: auto                        # auto | live | non-live | offline
#   persistent: true
#   undefine-source: true
#   copy-storage: auto                # auto | never
#   source-images: keep               # after a disk copy: keep | remove (only images this run copied, after verification)
#   unsafe: false                     # keep libvirt's safety checks
#   total-bandwidth: 2048             # MiB/s shared by the migrations running at once (unset: no cap)
#   max-total: 1800                   # seconds a migration may take, disks included (unset: no limit)
#   max-downtime: 1000                # milliseconds the guest may be paused at the switch-over (unset: no limit)
#   on-limit: cancel                  # when a limit is exceeded: cancel (roll back) | suspend | postcopy
#   measure-dirty-rate: false         # check and plan measure each running guest's dirty rate (all at once)
#   dirty-rate-seconds: 1             # one window, 1 to 60
#   dirty-rate-windows: 3             # windows one after another, the highest counts (1 to 10)

# Where guests may go when a host is evacuated. Every host named must be under hosts: above.
# relocation-domains:                 # named sets of hosts a guest moves between (as z/VM's)
#   production: [${names.join(', ')}]
# placement:
#   default-domain: production        # for guests not listed below (unset: every host)
#   reserve:                          # kept free on every destination
#     memory: 4GiB                    # a number of MiB, or 512MiB, 4GiB (default 512MiB)
#     cpus: 1                         # set: vCPUs beyond online CPUs minus this are avoided (unset: not counted)
#   guests:
#     GUEST-NAME:
#       pin: [${names[0]}]${' '.repeat(Math.max(1, 23 - names[0].length))}# only these hosts
#       exclude: [${other}]${' '.repeat(Math.max(1, 19 - other.length))}# never these hosts
#   anti-affinity:                    # guests that must not share a host
#     db-pair: [db1, db2]

# How many migrations run at once (the defaults, measured on the lab: README, Benchmarks).
# concurrency:
#   site: 4                           # in the whole site
#   outgoing: 4                       # leaving any one host
#   incoming: 2                       # arriving at any one host

# devices:
#   detach-for-migration:             # devices that cannot move with the guest
#     - kind: hostdev
#       model: vfio-ccw
#   mappings:                         # the destination's identity for a device
#     - kind: disk-source
#       from: /dev/disk/by-path/ccw-0.0.7500
#       to: /dev/disk/by-path/ccw-0.0.8500
`
}
