import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {profileJsonSchemaText} from '../../src/profiles/json-schema.js'
import {checkProfileFile, loadProfile} from '../../src/profiles/load.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const profilesDir = path.join(repoRoot, 'profiles')

describe('bundled profiles', () => {
  const files = readdirSync(profilesDir).filter((f) => /\.ya?ml$/.test(f))

  it('include the lab (the embedded default) and the example site', () => {
    expect(files).to.include.members(['lab.yaml', 'example-site.yaml'])
  })

  for (const name of files) {
    it(`${name} validates against the schema and the rule registry`, () => {
      const {issues} = checkProfileFile(path.join(profilesDir, name))
      expect(issues.map((i) => `${i.location.line}:${i.location.col}: ${i.message}`)).to.deep.equal([])
    })
  }

  it("lab.yaml: the three loopback hosts with recorded trees in lab/, and zdemo's scratch disk detached", () => {
    const lab = loadProfile(path.join(profilesDir, 'lab.yaml'))
    expect(lab.site).to.equal('lab')
    expect(Object.keys(lab.hosts)).to.deep.equal(['zhost-a', 'zhost-b', 'zhost-c'])
    for (const [name, address] of [
      ['zhost-a', '127.0.0.2'],
      ['zhost-b', '127.0.0.3'],
      ['zhost-c', '127.0.0.4'],
    ]) {
      expect(lab.hosts[name]).to.deep.include({
        transport: 'ssh',
        address,
        user: 'root',
        identities: ['/var/lib/zmigrate-lab/ssh/id_ed25519'],
        knownHosts: '/var/lib/zmigrate-lab/ssh/known_hosts',
        libvirtUri: 'qemu:///system',
        migrationUri: `qemu+ssh://root@${address}/system`,
        root: path.join(repoRoot, 'lab/trees', name),
      })
    }
    expect(lab.migration).to.include({mode: 'auto', persistent: true, undefineSource: true})
    expect(lab.detachForMigration).to.deep.equal([{guest: 'zdemo', kind: 'disk', target: 'vdb'}])
    expect(lab.mappings).to.deep.include({
      kind: 'disk-source',
      'to-host': 'zhost-b',
      from: '/var/lib/libvirt/scratch/zdemo-scratch.img',
      to: '/var/lib/libvirt/scratch/zdemo-scratch.img',
    })
  })

  it("lab.yaml: the key and known_hosts are in the lab scripts' default state dir, root's alone, not /tmp", () => {
    const lab = loadProfile(path.join(profilesDir, 'lab.yaml'))
    const dirs = new Set(Object.values(lab.hosts).flatMap((h) => [...h.identities, h.knownHosts!].map((f) => path.dirname(path.dirname(f)))))
    expect([...dirs]).to.deep.equal(['/var/lib/zmigrate-lab'])
    // every place that names the default, shell and TypeScript alike
    const defaults = ['lab/lib.sh', 'lab/demo', 'bench/lab'].map(
      (f) => /^LAB=\$\{ZMIGRATE_LAB:-([^}]+)\}$/m.exec(readFileSync(path.join(repoRoot, f), 'utf8'))?.[1],
    )
    defaults.push(/ZMIGRATE_LAB \|\| '([^']+)'/.exec(readFileSync(path.join(repoRoot, 'lab/proof.ts'), 'utf8'))?.[1])
    expect(defaults).to.deep.equal(Array(4).fill('/var/lib/zmigrate-lab'))
  })
})

describe('schemas/profile.json', () => {
  it('is what scripts/gen-schemas.ts generates from the zod schema (run it after changing src/profiles/schema.ts)', () => {
    expect(readFileSync(path.join(repoRoot, 'schemas/profile.json'), 'utf8')).to.equal(profileJsonSchemaText())
  })
})
