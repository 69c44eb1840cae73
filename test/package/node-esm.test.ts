/**
 * The built package, imported by name from plain Node ESM (no bundler, no
 * tsx): catches imports that only work under a bundler, such as
 * `fp-ts/function` instead of `fp-ts/lib/function.js`. `npm test` builds first.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const built = existsSync(new URL('../../dist/src/index.js', import.meta.url))

const runNode = (code: string): string => execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' })

describe('the built package under plain Node ESM', () => {
  it('has been built (npm test runs the build first)', () => {
    expect(built, 'dist/ is missing: run `npm run build`').toBe(true)
  })
  it.runIf(built)('imports grad-ts and differentiates', () => {
    const out = runNode(`
      import { grad, mul, tensor } from 'grad-ts'
      console.log(grad((x) => mul(x, x))(tensor(3)).item())
    `)
    expect(out.trim()).toBe('6')
  })
  it.runIf(built)('imports every public entry point', () => {
    const out = runNode(`
      const entries = ['grad-ts', 'grad-ts/laws', 'grad-ts/node']
      for (const e of entries) { const m = await import(e); console.log(e, Object.keys(m).length > 0) }
    `)
    expect(out).toContain('grad-ts true')
    expect(out).toContain('grad-ts/laws true')
    expect(out).toContain('grad-ts/node true')
  })
})
