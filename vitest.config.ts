import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

/**
 * The suite runs three times, once per backend setting (docs/performance.md):
 * WebAssembly on one thread (with the browser test: the live page runs there
 * too), WebAssembly on two threads with every kernel split however small, and
 * the JavaScript reference.
 */
const backends = [
  { name: 'wasm-1', env: { GRAD_TS_BACKEND: 'wasm', GRAD_TS_THREADS: '1' }, browser: true },
  { name: 'wasm-2', env: { GRAD_TS_BACKEND: 'wasm', GRAD_TS_THREADS: '2' }, browser: false },
  { name: 'js', env: { GRAD_TS_BACKEND: 'js' }, browser: false },
] as const

export default defineConfig({
  resolve: {
    // Tests and doc examples import the package by name; they run against the sources.
    alias: [
      { find: /^grad-ts$/, replacement: here('./src/index.ts') },
      { find: /^grad-ts\/laws$/, replacement: here('./laws/index.ts') },
      { find: /^grad-ts\/node$/, replacement: here('./src/node/index.ts') },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'threads',
    projects: backends.map((b) => ({
      extends: true,
      test: {
        name: b.name,
        include: ['test/**/*.test.ts'],
        exclude: b.browser ? [] : ['test/browser/**'],
        env: b.env,
        setupFiles: [here('./test/setup/backend.ts')],
      },
    })),
  },
})
