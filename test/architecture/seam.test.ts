/**
 * The backend seam, enforced: nothing outside the backend reads a buffer or
 * runs a kernel. A tensor's buffer is reachable only through `Tensor.storage`;
 * these checks read the sources and fail when that field, the backend's
 * `read`/`write`/`prepare`/`dispatch`, or the JavaScript backend's internals
 * are used anywhere but the few places that own them.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
const sources = filesUnder(join(root, 'src')).map((f) => ({ path: relative(root, f).split(sep).join('/'), text: readFileSync(f, 'utf8') }))
// Code only: comments may name the seam.
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
const using = (pattern: RegExp): string[] => sources.filter((s) => pattern.test(code(s.text))).map((s) => s.path).sort()

describe('the backend seam', () => {
  it('only the tensor module, the eval interpreter and the backends touch a buffer (Tensor.storage)', () => {
    expect(using(/\.storage\b/).filter((p) => !p.startsWith('src/backend/'))).toEqual(['src/ad/trace.ts', 'src/core/tensor.ts'])
  })

  it('only the eval interpreter runs kernels (prepare, dispatch)', () => {
    expect(using(/\.(prepare|dispatch)\(/).filter((p) => !p.startsWith('src/backend/'))).toEqual(['src/ad/trace.ts'])
  })

  it('only the tensor module reads and writes buffers, and only the eval interpreter asks for the backend besides it', () => {
    expect(using(/\bbackend\(\)/).filter((p) => !p.startsWith('src/backend/'))).toEqual(['src/ad/trace.ts', 'src/core/tensor.ts'])
    expect(using(/\bbackend\(\)\.(read|write)\(/)).toEqual(['src/core/tensor.ts'])
  })

  it("nothing above the backend imports the JavaScript backend's kernels", () => {
    const importsJs = sources.filter((s) => !s.path.startsWith('src/backend/') && /from '[./]*backend\/js\/(?!threefry\.js)/.test(s.text)).map((s) => s.path)
    expect(importsJs).toEqual([])
  })

  it('every primitive has a kernel in the JavaScript backend and a rule in every table (the types say so; this says the tables are the catalogue)', async () => {
    const { abstractEval } = await import('../../src/ad/primitives.js')
    const { vjpRules, jvpRules } = await import('../../src/ad/rules/derivatives.js')
    const { batchRules } = await import('../../src/ad/rules/batching.js')
    const names = Object.keys(abstractEval).sort()
    for (const table of [vjpRules, jvpRules, batchRules]) expect(Object.keys(table).sort()).toEqual(names)
  })
})
