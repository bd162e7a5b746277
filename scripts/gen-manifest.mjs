// Writes oclif.manifest.json after a build, so oclif does not import every command file on each
// start to read its flags (oclif's own `oclif manifest` does the same; that package pulls in the
// AWS SDK for publishing, which zmigrate does not need). Run by `npm run build`.
import {writeFileSync, rmSync} from 'node:fs'
import {Config} from '../dist/commands/index.js'

const root = new URL('..', import.meta.url).pathname
rmSync(new URL('../oclif.manifest.json', import.meta.url), {force: true})
const config = await Config.load({root})
const {manifest} = config.plugins.get(config.pjson.name)
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
