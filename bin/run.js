#!/usr/bin/env node
// The commands and oclif's runner come from one bundle (npm run build; scripts/bundle.mjs), so that
// a start compiles one file and the commands share one copy of oclif. It is imported only after:
// - Node >= 22.1 is asked to keep the compiled bundle between runs (Node 20 has no such cache);
// - with ZMIGRATE_DEBUG set, source maps are on, so that stacks name the TypeScript sources.
import module from 'node:module'

module.enableCompileCache?.()
if (process.env.ZMIGRATE_DEBUG) process.setSourceMapsEnabled(true)
const {execute} = await import('../dist/commands/index.js')

await execute({dir: import.meta.url})
