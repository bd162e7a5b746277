/**
 * Running Ansible (Debian's ansible-core, lab/packages.txt) on the collection in ansible/: the
 * tools, the Python they run on, and an environment that sees this checkout's collection and
 * nothing of the user's Ansible configuration.
 */
import {execa} from 'execa'
import {accessSync, constants, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const COLLECTIONS = join(REPO, 'ansible')
export const COLLECTION = join(COLLECTIONS, 'ansible_collections', 'zmigrate', 'zkvm')
export const BUILT_CLI = join(REPO, 'bin', 'run.js')

/** An executable on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

/** The tool, or an error that says how to get it (CI installs it from lab/packages.txt). */
export function ansibleTool(name: 'ansible-doc' | 'ansible-inventory' | 'ansible-playbook'): string {
  const file = onPath(name)
  if (!file) throw new Error(`${name} not found on PATH: install Debian's ansible-core (lab/install-deps installs lab/packages.txt)`)
  return file
}

/**
 * The Python ansible-core runs on (the interpreter of its own scripts: Debian's /usr/bin/python3,
 * where its ansible package and python3-jsonschema are), not whichever python3 is first on PATH.
 */
export function ansiblePython(): string {
  const first = readFileSync(ansibleTool('ansible-doc'), 'utf8').split('\n')[0]
  const words = first
    .replace(/^#!\s*/, '')
    .trim()
    .split(/\s+/)
  return words[0].endsWith('/env') ? (words[1] ?? 'python3') : words[0]
}

let home: string | undefined

/** Env for Ansible: this checkout's collection, no user ansible.cfg, temp files in a temp dir, no colour. */
export function ansibleEnv(extra: Record<string, string> = {}): Record<string, string> {
  if (!home) {
    home = mkdtempSync(join(tmpdir(), 'zm-ansible-'))
    writeFileSync(join(home, 'ansible.cfg'), '[defaults]\n')
  }
  return {
    ANSIBLE_CONFIG: join(home, 'ansible.cfg'),
    ANSIBLE_HOME: home,
    ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
    ANSIBLE_REMOTE_TEMP: join(home, 'remote-tmp'),
    // 2.14 reads either spelling
    ANSIBLE_COLLECTIONS_PATH: COLLECTIONS,
    ANSIBLE_COLLECTIONS_PATHS: COLLECTIONS,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  }
}

export interface ToolResult {
  exitCode: number
  stdout: string
  stderr: string
}

export async function runTool(file: string, args: string[], opts: {env?: Record<string, string>; timeout?: number; cwd?: string} = {}): Promise<ToolResult> {
  const r = await execa(file, args, {reject: false, env: ansibleEnv(opts.env), timeout: opts.timeout ?? 120_000, cwd: opts.cwd ?? REPO})
  return {exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr)}
}
