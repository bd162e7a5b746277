#!/usr/bin/env node
// The commands and oclif's runner come from one bundle (npm run build; scripts/bundle.mjs), so that
// a start compiles one file and the commands share one copy of oclif. It is imported only after:
// - a check that it exists: a checkout that was never built says so in one line, not with Node's
//   ERR_MODULE_NOT_FOUND stack. Exit 70 (internal error, as sysexits' EX_SOFTWARE), not 2: nothing
//   on the command line or in the profile is wrong, so a runbook must not read it as a usage error;
//   the installation is incomplete, and whoever deployed zmigrate has to build it;
// - Node >= 22.1 is asked to keep the compiled bundle between runs (Node 20 has no such cache);
// - with ZMIGRATE_DEBUG set, source maps are on, so that stacks name the TypeScript sources.
import {existsSync} from 'node:fs'
import module from 'node:module'

const bundle = new URL('../dist/commands/index.js', import.meta.url)
if (existsSync(bundle)) {
  module.enableCompileCache?.()
  if (process.env.ZMIGRATE_DEBUG) process.setSourceMapsEnabled(true)
  const {execute} = await import(bundle.href)
  await execute({dir: import.meta.url})
} else {
  process.stderr.write('zmigrate: not built yet: run npm ci && npm run build (or bin/dev.js to run the sources)\n')
  process.exitCode = 70
}
