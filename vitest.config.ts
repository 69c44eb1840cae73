import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

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
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'threads',
  },
})
