/**
 * Every TypeScript block in docs/*.md and every `@example` in a doc comment is
 * type-checked and executed, so the docs cannot rot. Examples state their
 * claims with `console.assert`, which this test turns into a throw.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { allExamples } from './extract.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const outDir = join(root, 'test-output', 'examples')
const examples = allExamples(root)
const fileOf = (i: number) => join(outDir, `example-${String(i).padStart(4, '0')}.ts`)

beforeAll(() => {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  examples.forEach((e, i) => {
    // `export {}` makes every example a module, so top-level names never clash.
    writeFileSync(fileOf(i), `// ${e.origin}\n${e.code}\nexport {}\n`)
  })
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true, noUnusedLocals: false }, include: ['./*.ts'] }),
  )
  vi.spyOn(console, 'assert').mockImplementation((cond?: boolean, ...data: unknown[]) => {
    if (!cond) throw new Error(`console.assert failed${data.length > 0 ? `: ${data.map(String).join(' ')}` : ''}`)
  })
})

afterAll(() => {
  vi.restoreAllMocks()
})

describe('documentation examples', () => {
  it('exist for the docs and the doc comments', () => {
    expect(examples.filter((e) => e.origin.startsWith('docs')).length).toBeGreaterThan(0)
    expect(examples.filter((e) => e.origin.startsWith('src')).length).toBeGreaterThan(50)
  })

  it('type-check', () => {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' })
    } catch (e) {
      const out = (e as { stdout?: string }).stdout ?? String(e)
      // Name the example behind each error line.
      const named = out.replace(/example-(\d{4})\.ts\((\d+)/g, (_, n: string, l: string) => `${examples[Number(n)]!.origin} (line ${Number(l) - 1})`)
      expect.fail(`examples do not type-check:\n${named}`)
    }
  }, 120_000)

  it.each(examples.map((e, i) => [e.origin, i] as const))('runs: %s', async (_, i) => {
    await import(/* @vite-ignore */ fileOf(i))
  })
})
