// Lint: typescript-eslint's recommended rules on the sources, tests, benches and scripts.
// Formatting is prettier's alone (.prettierrc.json); no stylistic rule here argues with it.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'oclif.manifest.json', 'schemas/**', 'test/fixtures/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
      'no-constant-condition': ['error', {checkLoops: false}],
    },
  },
  {
    // the path from a finding to a step is typed end to end: a step's fields come with its kind,
    // so nothing there silences the compiler with `!`
    files: ['src/plan/**/*.ts', 'src/run/**/*.ts', 'src/app/**/*.ts', 'src/site/**/*.ts'],
    rules: {'@typescript-eslint/no-non-null-assertion': 'error'},
  },
  {
    // tests poke at hostile documents
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'off'},
  },
)
