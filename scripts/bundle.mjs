// Bundles commands/index.ts, with zmigrate's sources and its dependencies, into one ES module,
// dist/commands/index.js (run by `npm run build`, after tsc has type-checked). Why: a start of the
// unbundled CLI resolved, read and compiled ~430 files (oclif, yaml, zod, ssh2, xml2js and ours),
// 340 ms before `migrate` could begin; the bundle starts in about 220 ms (bench/migrate shows the
// startup it measures). oclif loads the commands from this file (package.json: oclif.commands,
// strategy "explicit"); bin/dev.js runs the TypeScript sources instead. The plugins (help,
// autocomplete: package.json oclif.plugins) are not bundled: oclif loads them from node_modules.
import {build} from 'esbuild'
import {rmSync} from 'node:fs'

const root = new URL('..', import.meta.url).pathname
rmSync(new URL('../dist', import.meta.url), {recursive: true, force: true})

/** ssh2 loads its optional native crypto binding by a path relative to its own file: keep that
 * require, pointed at the installed package, so the binding is used when it was built. */
const ssh2NativeBinding = {
  name: 'ssh2-native-binding',
  setup(b) {
    b.onResolve({filter: /sshcrypto\.node$/}, () => ({path: 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node', external: true}))
  },
}

const result = await build({
  absWorkingDir: root,
  entryPoints: ['commands/index.ts'],
  outfile: 'dist/commands/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // smaller source to parse at each start; names stay readable in stack traces (ZMIGRATE_DEBUG=1 maps them back)
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  // optional at run time, never on zmigrate's path: oclif's TypeScript support (bin/dev.js has them
  // from node_modules) and ssh2's CPU feature probe (a native addon, loaded from node_modules if built)
  external: ['typescript', 'ts-node', 'tsx', 'tsx/*', 'cpu-features'],
  plugins: [ssh2NativeBinding],
  // CommonJS dependencies inside an ES module still need require and __dirname
  banner: {
    js: "import {createRequire as __zmCreateRequire} from 'node:module'; import {fileURLToPath as __zmFileURLToPath} from 'node:url'; const require = __zmCreateRequire(import.meta.url); const __filename = __zmFileURLToPath(import.meta.url); const __dirname = __zmFileURLToPath(new URL('.', import.meta.url));",
  },
  logLevel: 'warning',
  metafile: true,
})
const inputs = Object.keys(result.metafile.inputs).length
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0
console.log(`dist/commands/index.js: ${inputs} modules, ${(bytes / 1e6).toFixed(1)} MB`)
