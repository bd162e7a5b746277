/**
 * Regenerates README's rule list and exit-code table from the code:  npm run readme
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {regenerateReadme} from '../src/report/readme-sections.js'

const file = new URL('../README.md', import.meta.url)
writeFileSync(file, regenerateReadme(readFileSync(file, 'utf8')))
console.log('README.md sections regenerated')
