/**
 * The arithmetic behind the gradient laws (laws/gradients.ts): parameter
 * trees as flat float64 leaves, α·a + β·b, compensated inner products, JAX's
 * central-difference `numerical_jvp`, and the comparisons that report the
 * worst discrepancy as a `LawCheck`. Internal to grad-ts/laws.
 * @internal
 * @module
 */
import { TensorError, fmtShape } from '../src/core/errors.js'
import type { Shape } from '../src/core/shape.js'
import { fromTypedArray } from '../src/core/tensor.js'
import { type Tree, type TreeLike, alignedLeaves, flatten, rebuild } from '../src/tree/index.js'
import type { LawCheck } from './gradients.js'

// ------------------------------------------------------------ float64 trees

export interface Flat {
  readonly path: string
  readonly shape: Shape
  readonly data: Float64Array
}

export const flat64 = (law: string, t: Tree, what: string): Flat[] =>
  flatten(t).map(({ path, value }) => {
    if (value.dtype !== 'float64') throw new TensorError(law, `${what}${path === '' ? '' : ` at ${path}`} is ${value.dtype}${fmtShape(value.shape)}; the gradient laws run in float64`)
    return { path, shape: value.shape, data: value.toTypedArray() as Float64Array }
  })

export const unflat = <T extends TreeLike<T>>(like: T, leaves: readonly Flat[], data: readonly Float64Array[]): T =>
  rebuild(like, data.map((d, i) => fromTypedArray(d, leaves[i]!.shape))) as T

/** α·a + β·b leaf by leaf (structures must match). */
export const axpby = (law: string, alpha: number, a: readonly Flat[], beta: number, b: readonly Flat[]): Float64Array[] =>
  a.map((l, i) => {
    const m = b[i]
    if (m?.path !== l.path || m.data.length !== l.data.length) throw new TensorError(law, `trees differ at ${l.path || 'the root'}`)
    return l.data.map((v, k) => alpha * v + beta * m.data[k]!)
  })

/** Σ aᵢbᵢ over all leaves (Neumaier's compensated sum); its scale Σ |aᵢbᵢ| plus one per term (the absolute floor). */
export const inner = (a: readonly Flat[], b: readonly Flat[]): { value: number; scale: number } => {
  let s = 0
  let comp = 0
  let scale = 0
  a.forEach((l, i) => {
    const d = b[i]!.data
    l.data.forEach((v, k) => {
      const p = v * d[k]!
      const t = s + p
      comp += Math.abs(s) >= Math.abs(p) ? s - t + p : p - t + s
      s = t
      scale += 1 + Math.abs(p)
    })
  })
  return { value: s + comp, scale }
}

export const norm2 = (d: Float64Array): number => Math.sqrt(d.reduce((s, v) => s + v * v, 0))

// ------------------------------------------------------------ comparisons

export const pass = (law: string, at: string): LawCheck => ({ law, ok: true, at, got: 0, want: 0, tolerance: 0 })

/** The worst of a list of comparisons. Equal values agree, NaN with NaN too (NumPy's `assert_allclose`, which JAX uses); NaN against a number fails. */
export const worst = (law: string, cmps: readonly { at: string; got: number; want: number; tolerance: number }[]): LawCheck => {
  let best: LawCheck = pass(law, '(nothing to compare)')
  let badness = -1
  for (const c of cmps) {
    const err = Math.abs(c.got - c.want)
    const ok = err <= c.tolerance || c.got === c.want || (Number.isNaN(c.got) && Number.isNaN(c.want))
    const b = ok ? (c.tolerance > 0 ? err / c.tolerance : 0) : Number.isNaN(err) ? Infinity : err / c.tolerance + 1
    if (b > badness) {
      badness = b
      best = { law, ok, ...c }
    }
  }
  return best
}

/** `f`'s outputs under a transformation are `f(x)` bit for bit (tracing never changes a value). */
export const samePrimal = (law: string, got: Tree, want: Tree): LawCheck | undefined => {
  const g = flatten(got)
  const w = flatten(want)
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    const a = g[i]?.value.toTypedArray()
    const b = w[i]?.value.toTypedArray()
    const at = `primal ${g[i]?.path ?? w[i]?.path ?? ''}`
    if (a === undefined || b === undefined || a.length !== b.length) return { law, ok: false, at: `${at} (structure)`, got: a?.length ?? NaN, want: b?.length ?? NaN, tolerance: 0 }
    for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return { law, ok: false, at: `${at}[${k}]`, got: a[k]!, want: b[k]!, tolerance: 0 }
  }
  return undefined
}

/** JAX's `numerical_jvp`: (f(x + εt) − f(x − εt))/2ε, with ∞ − ∞ taken as 0. */
export const numericalJvp = <P extends TreeLike<P>>(law: string, f: (x: P) => Tree, x: P, t: P, eps: number): Flat[] => {
  alignedLeaves(law, ['the input', 'the tangent'], [x, t])
  const xs = flat64(law, x, 'the input')
  const ts = flat64(law, t, 'the tangent')
  const plus = flat64(law, f(unflat(x, xs, axpby(law, 1, xs, eps, ts))), 'the output')
  const minus = flat64(law, f(unflat(x, xs, axpby(law, 1, xs, -eps, ts))), 'the output')
  return plus.map((l, i) => {
    const m = minus[i]
    if (m?.path !== l.path || m.data.length !== l.data.length) throw new TensorError(law, `f's output changed structure at ${l.path || 'the root'} between x + εt and x − εt`)
    return { ...l, data: l.data.map((v, k) => (v === m.data[k] ? 0 : (v - m.data[k]!) * (0.5 / eps))) }
  })
}
