/**
 * The SSH transport's public API, so callers import one module whatever file a piece lives in:
 * - ssh-transport.ts  SshTransport: one reused connection, the channel cap, reconnecting
 * - ssh-channel.ts    one command on one exec channel: output caps, timeout, kill
 * - ssh-connect.ts    opening a connection: settings, TCP, handshake, timeouts
 * - ssh-hostkey.ts    host-key policy: known, unknown, changed, revoked, trust-on-first-use
 * - ssh-auth.ts       login: identity files and ssh-agent, and why none was accepted
 * - ssh-options.ts, ssh-files.ts, known-hosts.ts: settings, safe file reads, known_hosts format
 */
export {loadSshOptions, type SshConnectOptions} from './ssh-connect.js'
export {DEFAULT_MAX_CHANNELS, SshTransport} from './ssh-transport.js'
