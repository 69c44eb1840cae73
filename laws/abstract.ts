/**
 * The law of abstract evaluation: `evalShape(f)` — `f` staged on shapes and
 * dtypes alone, every primitive's output from its abstract evaluation, no
 * kernel run — gives exactly the structure, shapes and dtypes of `f`'s real
 * output. It holds for any composition of transformations (`evalShape` of a
 * `vmap`, a `grad`, a pullback), since every rule runs on avals there too.
 * There is no tolerance: shapes and dtypes are compared exactly.
 */
import fc from 'fast-check'
import type { Aval } from '../src/core/aval.js'
import { fmtShape } from '../src/core/errors.js'
import { evalShape } from '../src/ad/graph.js'
import { type Tree, type TreeLike, flatten, rebuild } from '../src/tree/index.js'
import type { GradCase, LawCheck } from './gradients.js'
import type { CasesArgs } from './gradientProperties.js'

const isAval = (t: unknown): t is Aval =>
  typeof t === 'object' && t !== null && !Array.isArray(t) && Array.isArray((t as { shape?: unknown }).shape) && typeof (t as { dtype?: unknown }).dtype === 'string'

/** The aval leaves of an evalShape result, with their paths (as `flatten` names them). */
const avalLeaves = (t: unknown, path = ''): { path: string; aval: Aval }[] => {
  if (isAval(t)) return [{ path, aval: t }]
  const join = (k: string | number) => (path === '' ? String(k) : `${path}.${String(k)}`)
  if (Array.isArray(t)) return (t as readonly unknown[]).flatMap((c, i) => avalLeaves(c, join(i)))
  if (typeof t === 'object' && t !== null) return Object.entries(t).flatMap(([k, c]) => avalLeaves(c, join(k)))
  return []
}

const fmt = (a: Aval): string => `${a.dtype}${fmtShape(a.shape)}`

/**
 * `evalShape(f)` at the avals of `x` (each tensor leaf given as a plain
 * `{ shape, dtype }` record, so no element is there to read) equals the
 * avals of `f(x)`: the same leaves, shapes and dtypes. An error thrown by
 * `evalShape` (and not by `f`) breaks the law; the check names the first
 * leaf that differs.
 * @example
 * import { evalShapeCheck } from 'grad-ts/laws'
 * import { tensor, matmul, sum, type Tensor } from 'grad-ts'
 * const r = evalShapeCheck((p: { a: Tensor; b: Tensor }) => ({ y: matmul(p.a, p.b), s: sum(p.b) }), { a: tensor([[1, 2]]), b: tensor([[3], [4]]) })
 * console.assert(r.ok)
 * @since 0.2.0
 */
export const evalShapeCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P): LawCheck => {
  const law = 'evalShape(f) = the avals of f(x)'
  const fail = (at: string): LawCheck => ({ law, ok: false, at, got: NaN, want: NaN, tolerance: 0 })
  const want = flatten(f(x) as Tree).map((l) => ({ path: l.path, aval: { shape: l.value.shape, dtype: l.value.dtype } }))
  const avals = rebuild(x, flatten(x as Tree).map((l) => ({ shape: l.value.shape, dtype: l.value.dtype })))
  let got: { path: string; aval: Aval }[]
  try {
    got = avalLeaves((evalShape(f as (x: unknown) => unknown) as (a: unknown) => unknown)(avals))
  } catch (e) {
    return fail(`evalShape threw: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (got.length !== want.length) return fail(`output structure: ${got.length} leaves, want ${want.length}`)
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!]
    if (g.path !== w.path) return fail(`output structure: leaf ${i} is at ${g.path || 'the root'}, want ${w.path || 'the root'}`)
    if (fmt(g.aval) !== fmt(w.aval)) return fail(`output ${w.path || '(root)'}: ${fmt(g.aval)}, want ${fmt(w.aval)}`)
  }
  return { law, ok: true, at: `${want.length} output leaves`, got: 0, want: 0, tolerance: 0 }
}

/**
 * {@link evalShapeCheck} as a predicate.
 * @example
 * import { evalShapeLaw } from 'grad-ts/laws'
 * import { tensor, vmap, grad, sum, exp, type Tensor } from 'grad-ts'
 * const x = tensor([[1, 2, 3], [4, 5, 6]], 'float64')
 * console.assert(evalShapeLaw(vmap(grad((v: Tensor) => sum(exp(v)))), x))
 * @since 0.2.0
 */
export const evalShapeLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, x: P): boolean => evalShapeCheck(f, x).ok

/**
 * {@link evalShapeCheck} as a fast-check property, over a function and an
 * arbitrary of its inputs or over an arbitrary of cases `{ f, x }`.
 * @example
 * import fc from 'fast-check'
 * import { evalShapeProperty, shapeArb, tensorArb } from 'grad-ts/laws'
 * import { softmax, type Tensor } from 'grad-ts'
 * fc.assert(evalShapeProperty((x: Tensor) => softmax(x), shapeArb({ minRank: 1, maxDim: 3 }).chain((s) => tensorArb(s))), { numRuns: 10 })
 * @since 0.2.0
 */
export const evalShapeProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, undefined>) => {
  const [first, second] = args
  const cases: fc.Arbitrary<GradCase<P, Y>> = typeof first === 'function' ? (second as fc.Arbitrary<P>).map((x) => ({ f: first, x })) : first
  return fc.property(cases, (k) => {
    const r = evalShapeCheck(k.f, k.x)
    if (!r.ok) throw new Error(`${r.law} fails at ${r.at}`)
  })
}
