/**
 * Finding and loading the site profile.
 *
 * Discovery: --profile FILE|NAME, then $ZMIGRATE_PROFILE (same rules), a NAME being looked up
 * in the user, system and bundled profile directories; with neither, default.yaml in the user
 * then system directory; else the bundled `lab` profile (zmigrate's demo site).
 *
 * Loading: YAML syntax (yaml parseDocument + LineCounter), schema (zod, strict), then the checks
 * of resolve.ts; every problem is located at file:line:col. See shared/reference/ecosystem.md,
 * "YAML profiles".
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {LineCounter, parseDocument} from 'yaml'
import {InputError, UsageError} from '../errors.js'
import {RULES} from '../rules/registry.js'
import {DocumentLocator, ProfileInvalidError, schemaIssues, syntaxIssue, type IssuePath, type ProfileIssue} from './issues.js'
import {resolveProfile} from './resolve.js'
import {hostSettingsSchema, profileSchema, ruleOverrideSchema, type ProfileDocument} from './schema.js'
import type {ResolvedProfile} from './types.js'

export {ProfileInvalidError, formatIssue, type ProfileIssue} from './issues.js'

/** The environment discovery reads; `process.env` fits. */
export interface ProfileEnv {
  ZMIGRATE_PROFILE?: string
  HOME?: string
  XDG_CONFIG_HOME?: string
}

export interface LocateOptions {
  /** Relative profile paths are relative to this (default: the working directory). */
  cwd?: string
  /** Default /etc/zmigrate/profiles. */
  systemDir?: string
  /** Default: profiles/ of the zmigrate package. */
  bundledDir?: string
  /** What `ref` came from, for messages (default '--profile'). */
  refSource?: string
}

export interface LocatedProfile {
  /** Absolute path of the profile file. */
  file: string
  /** How it was chosen, for `profile show` and messages: '--profile prod: /etc/zmigrate/profiles/prod.yaml'. */
  how: string
}

/** The bundled profile used when nothing else names one. */
export const EMBEDDED_DEFAULT_PROFILE = 'lab'

/** A path if it contains '/' or ends in .yaml/.yml; otherwise a profile NAME. */
export function isProfilePath(ref: string): boolean {
  return ref.includes('/') || /\.ya?ml$/i.test(ref)
}

/** The three directories NAME.yaml is looked up in, in order. */
export function profileDirectories(env: ProfileEnv, opts: LocateOptions = {}): {label: string; dir: string}[] {
  const home = env.HOME || os.homedir()
  // XDG Base Directory spec: a relative $XDG_CONFIG_HOME is invalid and ignored
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config')
  return [
    {label: 'user', dir: path.join(config, 'zmigrate', 'profiles')},
    {label: 'system', dir: opts.systemDir ?? '/etc/zmigrate/profiles'},
    {label: 'bundled', dir: opts.bundledDir ?? bundledProfilesDir()},
  ]
}

/**
 * Which profile file to use. `ref` is the --profile value *as typed on the command line*;
 * pass undefined when the flag was not given so that $ZMIGRATE_PROFILE is reported as the
 * source (oclif also fills the flag from that variable: commands check `raw` to tell).
 */
export function locateProfile(ref: string | undefined, env: ProfileEnv, opts: LocateOptions = {}): LocatedProfile {
  const dirs = profileDirectories(env, opts)
  const given = ref
    ? {value: ref, source: opts.refSource ?? '--profile'}
    : env.ZMIGRATE_PROFILE
      ? {value: env.ZMIGRATE_PROFILE, source: 'ZMIGRATE_PROFILE'}
      : undefined

  if (given && isProfilePath(given.value)) {
    const file = path.resolve(opts.cwd ?? process.cwd(), given.value)
    if (!isFile(file)) {
      throw new UsageError(`profile file not found: ${file} (from ${given.source})`, {
        code: 'E_PROFILE_NOT_FOUND',
        remedy: 'Check the path, or create a profile with: zmigrate profile init FILE',
      })
    }
    return {file, how: `${given.source} ${given.value}`}
  }

  if (given) {
    const name = given.value
    for (const {label, dir} of dirs) {
      const file = path.join(dir, `${name}.yaml`)
      if (isFile(file)) return {file, how: `${given.source} ${name}: found in the ${label} profiles directory ${dir}`}
    }
    const available = availableProfileNames(dirs.map((d) => d.dir))
    throw new UsageError(
      `no profile named "${name}" (from ${given.source}): looked for ${name}.yaml in ${dirs.map((d) => d.dir).join(', ')}; available: ${available.join(', ') || 'none'}`,
      {
        code: 'E_PROFILE_NOT_FOUND',
        remedy: `Use one of the available names, pass --profile FILE, or create one with: zmigrate profile init ${path.join(dirs[0].dir, `${name}.yaml`)} --site ${name}`,
      },
    )
  }

  for (const {label, dir} of dirs.slice(0, 2)) {
    const file = path.join(dir, 'default.yaml')
    if (isFile(file)) return {file, how: `default.yaml in the ${label} profiles directory ${dir} (no --profile or ZMIGRATE_PROFILE)`}
  }
  const file = path.join(dirs[2].dir, `${EMBEDDED_DEFAULT_PROFILE}.yaml`)
  if (!isFile(file)) {
    throw new InputError(`the bundled ${EMBEDDED_DEFAULT_PROFILE} profile is missing: ${file}`, {
      code: 'E_PROFILE_NOT_FOUND',
      remedy: 'Reinstall zmigrate, or pass --profile FILE.',
    })
  }
  return {
    file,
    how: `the bundled ${EMBEDDED_DEFAULT_PROFILE} profile, zmigrate's demo site (no --profile, no ZMIGRATE_PROFILE, no default.yaml in ${dirs[0].dir} or ${dirs[1].dir})`,
  }
}

/** Profile names (NAME of NAME.yaml) in the given directories, sorted, without duplicates. */
export function availableProfileNames(dirs: readonly string[]): string[] {
  const names = new Set<string>()
  for (const dir of dirs) {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      continue
    }
    for (const entry of entries) if (entry.endsWith('.yaml') && isFile(path.join(dir, entry))) names.add(entry.slice(0, -'.yaml'.length))
  }
  return [...names].sort()
}

export interface LoadOptions {
  /** For `~/` in paths (default $HOME, then the OS's idea of it). */
  home?: string
  /** Known rule ids (default: every rule in the registry). */
  ruleIds?: readonly string[]
}

export interface ProfileCheck {
  /** Set when there are no issues. */
  profile?: ResolvedProfile
  issues: ProfileIssue[]
}

/** Reads, checks and resolves a profile file; throws ProfileInvalidError (every issue attached) if it has problems. */
export function loadProfile(file: string, opts: LoadOptions = {}): ResolvedProfile {
  const {profile, issues} = checkProfileFile(file, opts)
  if (!profile) throw new ProfileInvalidError(issues)
  return profile
}

/** Like loadProfile, but returns the problems instead of throwing (for `profile validate`). Unreadable file: InputError. */
export function checkProfileFile(file: string, opts: LoadOptions = {}): ProfileCheck {
  const absolute = path.resolve(file)
  let bytes: Buffer
  try {
    bytes = readFileSync(absolute)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new InputError(`cannot read the profile: ${reason}`, {code: 'E_PROFILE_UNREADABLE', location: {file: absolute}, cause: error})
  }
  return checkProfileText(bytes, absolute, opts)
}

/** Checks profile text as if it were the file `file` (paths in it resolve against that file's directory). */
export function checkProfileText(bytes: Buffer | string, file: string, opts: LoadOptions = {}): ProfileCheck {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8')
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true})
  const locator = new DocumentLocator(file, doc, lineCounter)

  if (doc.errors.length > 0) return {issues: doc.errors.map((e) => syntaxIssue(locator, e))}
  if (doc.contents === null) return {issues: [locator.at(0, 'the profile is empty: it needs at least site and hosts')]}

  let data: unknown
  try {
    data = doc.toJS({maxAliasCount: 100})
  } catch (error) {
    return {issues: [locator.at(0, `YAML: ${(error as Error).message}`)]}
  }
  const context = {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    home: opts.home ?? (process.env.HOME || os.homedir()),
    ruleIds: opts.ruleIds ?? RULES.map((r) => r.id),
    locator,
  }
  const parsed = profileSchema.safeParse(data)
  if (!parsed.success) {
    // also check what does parse, so one run of `profile validate` shows every problem
    const partial = partialDocument(data)
    const semantic = partial ? resolveProfile(partial.doc, {...context, hostNames: partial.hostNames}).issues : []
    return {issues: sortIssues([...schemaIssues(parsed.error.issues, locator, knownKeysAt), ...semantic])}
  }

  const {profile, issues} = resolveProfile(parsed.data, context)
  return issues.length > 0 ? {issues: sortIssues(issues)} : {profile, issues: []}
}

/**
 * The parts of a document that fail the schema as a whole but are valid on their own: each
 * host and rule override separately (an override that fails keeps its id, for the id check),
 * the other sections whole (one that fails is left out; relocation domains keep their names). Undefined when the document is not a map at all.
 */
function partialDocument(data: unknown): {doc: ProfileDocument; hostNames: string[]} | undefined {
  if (!isPlainObject(data)) return undefined
  const shape = profileSchema.shape
  const rawHosts = isPlainObject(data.hosts) ? data.hosts : {}
  const hosts: ProfileDocument['hosts'] = {}
  for (const [name, value] of Object.entries(rawHosts)) {
    const host = hostSettingsSchema.safeParse(value)
    if (host.success && shape.hosts.keyType.safeParse(name).success) hosts[name] = host.data
  }
  const doc: ProfileDocument = {site: typeof data.site === 'string' ? data.site : '', hosts}
  if (isPlainObject(data.rules)) {
    doc.rules = Object.fromEntries(Object.entries(data.rules).map(([id, value]) => [id, ruleOverrideSchema.safeParse(value).data ?? {reason: ''}]))
  }
  for (const key of ['defaults', 'migration', 'devices', 'relocation-domains', 'placement', 'concurrency'] as const) {
    const section = shape[key].safeParse(data[key])
    if (section.success && section.data) Object.assign(doc, {[key]: section.data})
  }
  // a domain with a bad name or member still exists for what refers to it
  const domains = data['relocation-domains']
  if (!doc['relocation-domains'] && isPlainObject(domains)) {
    doc['relocation-domains'] = Object.fromEntries(
      Object.entries(domains).map(([name, v]) => [name, Array.isArray(v) ? v.filter((h) => typeof h === 'string') : []]),
    )
  }
  return {doc, hostNames: Object.keys(rawHosts)}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Finds the profile (see locateProfile) and loads it. */
export function openProfile(
  ref: string | undefined,
  env: ProfileEnv,
  opts: LocateOptions & LoadOptions = {},
): {profile: ResolvedProfile; found: LocatedProfile} {
  const found = locateProfile(ref, env, opts)
  return {profile: loadProfile(found.file, {home: env.HOME, ...opts}), found}
}

let packageRoot: string | undefined

/**
 * The bundled profiles: profiles/ at the package root, which is found by walking up from this
 * module to zmigrate's package.json (src/profiles/ under tsx, dist/src/profiles/ once built).
 */
export function bundledProfilesDir(): string {
  if (!packageRoot) {
    let dir = path.dirname(fileURLToPath(import.meta.url))
    for (;;) {
      const pkg = path.join(dir, 'package.json')
      if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as {name?: string}).name === 'zmigrate') break
      const parent = path.dirname(dir)
      if (parent === dir) throw new InputError('cannot find the zmigrate package root (package.json) above the profile loader', {code: 'E_INTERNAL'})
      dir = parent
    }
    packageRoot = dir
  }
  return path.join(packageRoot, 'profiles')
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

function sortIssues(issues: ProfileIssue[]): ProfileIssue[] {
  return issues
    .map((issue, i) => ({issue, i}))
    .sort((a, b) => a.issue.location.line - b.issue.location.line || a.issue.location.col - b.issue.location.col || a.i - b.i)
    .map(({issue}) => issue)
}

/** The keys the schema allows for the object at `path` of a profile (for "did you mean" on an unknown key). */
function knownKeysAt(issuePath: IssuePath): string[] {
  let schema: unknown = profileSchema
  const unwrap = (s: unknown): {type?: string; [k: string]: unknown} => (s as {_zod: {def: {type?: string}}})._zod.def
  const step = (s: unknown): unknown => {
    let def = unwrap(s)
    while (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') {
      s = def.innerType
      def = unwrap(s)
    }
    return s
  }
  for (const seg of issuePath) {
    const def = unwrap(step(schema))
    if (def.type === 'object') schema = (def.shape as Record<string, unknown>)[String(seg)]
    else if (def.type === 'record') schema = def.valueType
    else if (def.type === 'array') schema = def.element
    else return []
    if (schema === undefined) return []
  }
  const def = unwrap(step(schema))
  return def.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : []
}
