#!/usr/bin/env -S node --import tsx
// Runs zmigrate from its TypeScript sources (tsx). oclif.manifest.json, written by `npm run build`
// for a fast start, points oclif at dist/; in development it would run stale compiled commands,
// so it is removed here (the next build writes it again).
import {rmSync} from 'node:fs'
import {execute} from '@oclif/core'

rmSync(new URL('../oclif.manifest.json', import.meta.url), {force: true})
await execute({development: true, dir: import.meta.url})
