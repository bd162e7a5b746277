import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {UsageError} from '../../src/errors.js'
import {bundledProfilesDir, locateProfile, openProfile, type LocateOptions, type ProfileEnv} from '../../src/profiles/load.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * A fake machine: HOME with ~/.config, an XDG dir, /etc/zmigrate/profiles and the bundled
 * profiles/ dir, each holding the profile names given.
 */
function machine(layout: {user?: string[]; xdg?: string[]; system?: string[]; bundled?: string[]; cwd?: string[]}) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'zmigrate-locate-'))
  const dirs = {
    user: path.join(root, 'home/.config/zmigrate/profiles'),
    xdg: path.join(root, 'xdg/zmigrate/profiles'),
    system: path.join(root, 'etc/zmigrate/profiles'),
    bundled: path.join(root, 'pkg/profiles'),
    cwd: path.join(root, 'work'),
  }
  for (const [where, names] of Object.entries(layout) as [keyof typeof dirs, string[]][]) {
    mkdirSync(dirs[where], {recursive: true})
    for (const name of names) writeFileSync(path.join(dirs[where], name.includes('.') ? name : `${name}.yaml`), `site: ${name}\nhosts: {a: {address: a}}\n`)
  }
  mkdirSync(dirs.cwd, {recursive: true})
  const env: ProfileEnv = {HOME: path.join(root, 'home')}
  const opts: LocateOptions = {cwd: dirs.cwd, systemDir: dirs.system, bundledDir: dirs.bundled}
  return {root, dirs, env, opts}
}

describe('profile discovery', () => {
  const roots: string[] = []
  after(() => roots.forEach((r) => rmSync(r, {recursive: true, force: true})))
  const setup = (layout: Parameters<typeof machine>[0]) => {
    const m = machine(layout)
    roots.push(m.root)
    return m
  }

  it('--profile FILE: a path relative to the working directory', () => {
    const {dirs, env, opts} = setup({cwd: ['site.yaml'], user: ['site']})
    expect(locateProfile('site.yaml', env, opts)).to.deep.equal({file: path.join(dirs.cwd, 'site.yaml'), how: '--profile site.yaml'})
    expect(locateProfile('./site.yaml', env, opts).file).to.equal(path.join(dirs.cwd, 'site.yaml'))
  })

  it('--profile FILE that does not exist: usage error, exit 2', () => {
    const {dirs, env, opts} = setup({})
    expect(() => locateProfile('conf/site.yml', env, opts))
      .to.throw(UsageError, `profile file not found: ${path.join(dirs.cwd, 'conf/site.yml')} (from --profile)`)
      .with.property('exitCode', 2)
  })

  const nameCases = [
    {name: 'user directory first', layout: {user: ['prod'], system: ['prod'], bundled: ['prod']}, dir: 'user' as const},
    {name: 'then the system directory', layout: {system: ['prod'], bundled: ['prod']}, dir: 'system' as const},
    {name: 'then the bundled profiles', layout: {bundled: ['prod']}, dir: 'bundled' as const},
  ]
  for (const c of nameCases) {
    it(`--profile NAME: ${c.name}`, () => {
      const {dirs, env, opts} = setup(c.layout)
      const found = locateProfile('prod', env, opts)
      expect(found.file).to.equal(path.join(dirs[c.dir], 'prod.yaml'))
      expect(found.how).to.equal(`--profile prod: found in the ${c.dir} profiles directory ${dirs[c.dir]}`)
    })
  }

  it('$XDG_CONFIG_HOME replaces ~/.config when it is absolute, and is ignored when relative', () => {
    const {dirs, env, opts} = setup({user: ['prod'], xdg: ['prod']})
    const xdgHome = path.dirname(path.dirname(dirs.xdg))
    expect(locateProfile('prod', {...env, XDG_CONFIG_HOME: xdgHome}, opts).file).to.equal(path.join(dirs.xdg, 'prod.yaml'))
    expect(locateProfile('prod', {...env, XDG_CONFIG_HOME: 'relative/xdg'}, opts).file).to.equal(path.join(dirs.user, 'prod.yaml'))
  })

  it('ZMIGRATE_PROFILE when there is no --profile; --profile wins over it', () => {
    const {dirs, env, opts} = setup({user: ['prod', 'test'], cwd: ['x.yaml']})
    expect(locateProfile(undefined, {...env, ZMIGRATE_PROFILE: 'test'}, opts)).to.deep.equal({
      file: path.join(dirs.user, 'test.yaml'),
      how: `ZMIGRATE_PROFILE test: found in the user profiles directory ${dirs.user}`,
    })
    expect(locateProfile(undefined, {...env, ZMIGRATE_PROFILE: 'x.yaml'}, opts)).to.deep.equal({
      file: path.join(dirs.cwd, 'x.yaml'),
      how: 'ZMIGRATE_PROFILE x.yaml',
    })
    expect(locateProfile('prod', {...env, ZMIGRATE_PROFILE: 'test'}, opts).file).to.equal(path.join(dirs.user, 'prod.yaml'))
    // an empty variable counts as unset
    expect(locateProfile(undefined, {...env, ZMIGRATE_PROFILE: ''}, {...opts, bundledDir: path.join(repoRoot, 'profiles')}).how).to.match(
      /^the bundled lab profile/,
    )
  })

  it('no --profile or ZMIGRATE_PROFILE: default.yaml in the user, then the system directory', () => {
    const both = setup({user: ['default'], system: ['default'], bundled: ['lab']})
    expect(locateProfile(undefined, both.env, both.opts)).to.deep.equal({
      file: path.join(both.dirs.user, 'default.yaml'),
      how: `default.yaml in the user profiles directory ${both.dirs.user} (no --profile or ZMIGRATE_PROFILE)`,
    })
    const system = setup({system: ['default'], bundled: ['lab']})
    expect(locateProfile(undefined, system.env, system.opts).file).to.equal(path.join(system.dirs.system, 'default.yaml'))
  })

  it('nothing at all: the bundled lab profile, and `how` says so', () => {
    const {dirs, env, opts} = setup({bundled: ['lab', 'default']})
    const found = locateProfile(undefined, env, opts)
    expect(found.file).to.equal(path.join(dirs.bundled, 'lab.yaml'))
    expect(found.how).to.include("the bundled lab profile, zmigrate's demo site").and.include('no default.yaml')
  })

  it('unknown NAME: usage error listing where it looked and the available names', () => {
    const {dirs, env, opts} = setup({user: ['prod'], system: ['test', 'prod'], bundled: ['lab', 'notes.txt']})
    let error: UsageError | undefined
    try {
      locateProfile('prd', env, opts)
    } catch (e) {
      error = e as UsageError
    }
    expect(error).to.be.instanceOf(UsageError)
    expect(error!.exitCode).to.equal(2)
    expect(error!.message).to.equal(
      `no profile named "prd" (from --profile): looked for prd.yaml in ${dirs.user}, ${dirs.system}, ${dirs.bundled}; available: lab, prod, test`,
    )
    expect(error!.remedy).to.include(`zmigrate profile init ${path.join(dirs.user, 'prd.yaml')}`)
  })

  it('finds the bundled profiles from the source tree (and, by the same walk, from dist/)', () => {
    expect(bundledProfilesDir()).to.equal(path.join(repoRoot, 'profiles'))
  })

  it('openProfile locates and loads in one step', () => {
    const {profile, found} = openProfile(undefined, {HOME: '/nonexistent-home'}, {systemDir: '/nonexistent-etc'})
    expect(found.file).to.equal(path.join(repoRoot, 'profiles/lab.yaml'))
    expect(profile.site).to.equal('lab')
  })
})
