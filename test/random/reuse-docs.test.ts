/**
 * Every idiom the documentation teaches passes the key-reuse checker: each
 * TypeScript block of README.md and docs/*.md and each `@example` of a doc
 * comment that touches keys runs again here, its body wrapped in
 * `random.checkKeyReuse(() => …)`. (test/docs runs the same examples without
 * the checker.) Examples that reuse a key on purpose, to show that the same key
 * gives the same numbers, do so through `random.clone`, as in JAX.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { allExamples } from '../docs/extract.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const outDir = join(root, 'test-output', 'key-reuse')
const checker = join(root, 'src', 'random', 'key.ts')

/** Examples that use keys or the Random effect (directly, or through nn and the laws of random and dropout). */
const usesKeys = (code: string): boolean => /\b(random|nn|Key|Random|keyArb|random\w*(Law|Property|Arb)|\w*Dropout\w*|sameKey\w*)\b/.test(code)

/** The example as a module whose body runs inside checkKeyReuse when `run` is called. */
const wrap = (code: string): string => {
  const file = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
  const imports = file.statements.filter(ts.isImportDeclaration)
  const body = file.statements.filter((s) => !ts.isImportDeclaration(s))
  const text = (nodes: readonly ts.Statement[]) => nodes.map((s) => s.getFullText(file)).join('')
  return [
    `import { checkKeyReuse as __checkKeyReuse } from ${JSON.stringify(checker)}`,
    text(imports),
    `export const run = () => __checkKeyReuse(() => {`,
    text(body),
    `})`,
    '',
  ].join('\n')
}

const examples = allExamples(root).filter((e) => usesKeys(e.code) && !/\bawait\b/.test(e.code))
const fileOf = (i: number) => join(outDir, `example-${String(i).padStart(4, '0')}.ts`)

beforeAll(() => {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  examples.forEach((e, i) => {
    writeFileSync(fileOf(i), `// ${e.origin}\n${wrap(e.code)}`)
  })
  vi.spyOn(console, 'assert').mockImplementation((cond?: boolean, ...data: unknown[]) => {
    if (!cond) throw new Error(`console.assert failed${data.length > 0 ? `: ${data.map(String).join(' ')}` : ''}`)
  })
  vi.spyOn(console, 'log').mockImplementation(() => {
    // the examples' printouts are checked by test/docs
  })
})

afterAll(() => {
  vi.restoreAllMocks()
})

describe('the documented idioms pass checkKeyReuse', () => {
  it('cover the guides, the README and the doc comments of random and nn', () => {
    const origins = examples.map((e) => e.origin)
    for (const where of ['README.md', 'docs/randomness.md', 'docs/dropout.md', 'docs/coming-from.md', 'docs/optimizers.md', 'src/random/', 'src/nn/', 'laws/']) {
      expect(origins.some((o) => o.startsWith(where)), where).toBe(true)
    }
  })

  it('really run under the checker: a wrapped snippet that reuses a key throws', async () => {
    const code = "import { random } from 'grad-ts'\nconst k = random.key(0)\nrandom.uniform(k, [1])\nrandom.uniform(k, [1])\n"
    writeFileSync(join(outDir, 'reuse.ts'), wrap(code))
    const mod = (await import(/* @vite-ignore */ join(outDir, 'reuse.ts'))) as { run: () => unknown }
    expect(mod.run).toThrow('uniform: key [0, 0] was already consumed')
  })

  it.each(examples.map((e, i) => [e.origin, i] as const))('%s', async (origin, i) => {
    const mod = (await import(/* @vite-ignore */ fileOf(i))) as { run: () => unknown }
    expect(mod.run, origin).not.toThrow()
  })
})
