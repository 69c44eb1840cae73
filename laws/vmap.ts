/**
 * Laws of vectorisation, after JAX's tests of `jax.vmap` against a loop:
 * `vmap(f)(xs)` equals stacking `f` over the slices of `xs` — for any batch
 * size (0 and 1 included), any batch axis of each input (or none: an input
 * shared by every slice) and any batch axis of each output. And vmap commutes
 * with the other transformations: `vmap(vmap(f))` is the double loop,
 * `jvp(vmap(f))` and `vmap(jvp(f))` are the loop of `jvp(f)`, `vmap(grad(f))`
 * is the loop of `grad(f)`, and the gradient of `Σ vmap(f)(xs)` stacks the
 * per-slice gradients (and sums them for a shared input).
 *
 * The reference side never calls `vmap`: it cuts the slices out of the
 * elements, calls `f` on each, and stacks the results element by element.
 *
 * **Tolerances.** Values of `f` are compared bit for bit by default
 * (`exact`): batching runs each primitive once over the whole batch, and for
 * elementwise ops, movement, gather, comparisons and random draws that is the
 * same arithmetic as the loop, element by element. Where a batched kernel may
 * sum in another order (reductions, matmul), pass `{ exact: false }`: each
 * element then passes within u·ulps·(1 + |want|), u the unit roundoff of its
 * dtype (2⁻⁵³ for float64) and ulps = 2¹³ by default (so 2⁻⁴⁰ ≈ 9.1e-13 for
 * float64, as `gradientTolerances.roundoff`). Two summation orders of n
 * terms of magnitude ≤ m differ by at most 2(n − 1)·u·n·m (each errs by
 * (n − 1)·u·Σ|xᵢ| at worst), so the absolute part alone covers exact zeros
 * that a reordered sum turns into noise for 2(n − 1)·n·m ≤ 2¹³: 64 terms of
 * size 1, or the 36 terms of size ≤ 2 that the law table's shapes and values
 * allow (typical errors grow like √n, far below that). Integer and bool
 * outputs are always compared exactly. Tangents and gradients are always
 * compared within the tolerance: their rules sum over broadcast axes and
 * ties, and the reference sums a shared input's per-slice gradients in its
 * own order.
 */
import fc from 'fast-check'
import type { DType } from '../src/core/dtype.js'
import { TensorError, fmtShape } from '../src/core/errors.js'
import type { Shape } from '../src/core/shape.js'
import { Tensor, fromTypedArray } from '../src/core/tensor.js'
import { add, mul } from '../src/ad/ops/elementwise.js'
import { sum } from '../src/ad/ops/reduce.js'
import { grad, jvp } from '../src/ad/transforms.js'
import { type AxisSpec, vmap } from '../src/ad/vmap.js'
import { type Tree, type TreeLike, flatten, rebuild } from '../src/tree/index.js'
import { normalLike } from './arbitraries.js'
import type { GradCase, LawCheck } from './gradients.js'
import type { CasesArgs } from './gradientProperties.js'

// ------------------------------------------------------------ options

/**
 * The default tolerance of comparisons that are not exact: 2¹³ units of
 * roundoff of the output's dtype, relative to |want| and absolute (see the
 * module's doc comment for why).
 * @example
 * import { vmapTolerances } from 'grad-ts/laws'
 * console.assert(vmapTolerances.ulps * 2 ** -53 === 2 ** -40)
 * @since 0.2.0
 */
export const vmapTolerances = { ulps: 2 ** 13 } as const

/**
 * Where the batch axes are, for a function of one argument (a tree).
 * @example
 * import { vmapLaw, type VmapAxes } from 'grad-ts/laws'
 * import { add, tensor, type Tensor } from 'grad-ts'
 * const axes: VmapAxes = { inAxes: { a: 1, b: null }, outAxes: -1 }
 * const xs = { a: tensor([[1, 2, 3], [4, 5, 6]]), b: tensor([10, 20]) }
 * console.assert(vmapLaw((p: { a: Tensor; b: Tensor }) => add(p.a, p.b), xs, axes))
 * @since 0.2.0
 */
export interface VmapAxes {
  /** The argument's batch axes: an axis for every leaf, `null` for a leaf every slice shares, or a tree of these matching a prefix of the argument (vmap's `inAxes` for one argument); default 0. */
  readonly inAxes?: AxisSpec
  /** Where each output's batch axis goes (vmap's `outAxes`); default 0. */
  readonly outAxes?: AxisSpec
  /** Call vmap with the elements of the (array) argument as separate positional arguments, `inAxes` giving one spec per argument or one for all. */
  readonly positional?: boolean
}

/**
 * How values are compared.
 * @example
 * import { vmapLaw, type VmapLawOptions } from 'grad-ts/laws'
 * import { sum, tensor, type Tensor } from 'grad-ts'
 * const reduction: VmapLawOptions = { exact: false }
 * console.assert(vmapLaw((x: Tensor) => sum(x, { axis: 0 }), tensor([[[1, 2], [3, 4]]], 'float64'), {}, reduction))
 * @since 0.2.0
 */
export interface VmapLawOptions {
  /** Compare the values of `f` bit for bit (default true); false for functions that reduce or multiply matrices. */
  readonly exact?: boolean
  /** The tolerance of comparisons that are not exact, in units of roundoff of the output's dtype; default {@link vmapTolerances}. */
  readonly ulps?: number
}

const unitRoundoff = (d: DType): number => (d === 'float64' ? 2 ** -53 : d === 'float32' ? 2 ** -24 : 0)

// ------------------------------------------------------------ the reference: slices cut from the elements

type Ctor = Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor
const ctors: { readonly [D in DType]: Ctor } = { float64: Float64Array, float32: Float32Array, int32: Int32Array, bool: Uint8Array }
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)
const isSpecLeaf = (s: unknown): s is number | null => s === null || typeof s === 'number'

/** The spec of each leaf of `tree`, a prefix spec broadcast down its subtree (vmap's rule, written again). */
const specsOf = (law: string, what: string, spec: AxisSpec, tree: unknown): (number | null)[] => {
  if (isSpecLeaf(spec)) return flatten(tree as Tree).map(() => spec)
  if (Array.isArray(spec)) {
    const specs = spec as readonly AxisSpec[]
    if (!Array.isArray(tree) || tree.length !== specs.length) throw new TensorError(law, `${what} is an array of ${specs.length} specs, the value there is not an array of as many`)
    return specs.flatMap((s, i) => specsOf(law, `${what}[${i}]`, s, (tree as readonly unknown[])[i]))
  }
  const rec = spec as Readonly<Record<string, AxisSpec>>
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree) || tree instanceof Tensor) throw new TensorError(law, `${what} is a record of specs, the value there is not a record`)
  return Object.keys(tree).flatMap((k) => {
    const s = rec[k]
    if (s === undefined) throw new TensorError(law, `${what} has no spec for key ${k}`)
    return specsOf(law, `${what}.${k}`, s, (tree as Readonly<Record<string, unknown>>)[k])
  })
}

const normalised = (law: string, axis: number, rank: number, what: string): number => {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new TensorError(law, `${what}: axis ${axis} is out of range for rank ${rank}`)
  return axis < 0 ? axis + rank : axis
}

/** Slice `b` of `t` along axis `a`, copied out of its elements. */
const sliceAt = (t: Tensor, a: number, b: number): Tensor => {
  const s = t.shape
  const B = s[a]!
  const pre = prod(s.slice(0, a))
  const post = prod(s.slice(a + 1))
  const src = t.toTypedArray()
  const out = new ctors[t.dtype](pre * post)
  for (let p = 0; p < pre; p++) for (let q = 0; q < post; q++) out[p * post + q] = src[(p * B + b) * post + q]!
  return fromTypedArray(out, [...s.slice(0, a), ...s.slice(a + 1)])
}

/** `ts` (all of shape `shape`, dtype `dtype`) stacked along a new axis `a`, element by element. */
const stackAt = (ts: readonly Tensor[], a: number, shape: Shape, dtype: DType): Tensor => {
  const B = ts.length
  const pre = prod(shape.slice(0, a))
  const post = prod(shape.slice(a))
  const out = new ctors[dtype](pre * B * post)
  ts.forEach((t, b) => {
    const src = t.toTypedArray()
    for (let p = 0; p < pre; p++) for (let q = 0; q < post; q++) out[(p * B + b) * post + q] = src[p * post + q]!
  })
  return fromTypedArray(out, [...shape.slice(0, a), B, ...shape.slice(a)])
}

const leavesOf = (t: unknown) => flatten(t as Tree)
const aval = (t: Tensor): string => `${t.dtype}${fmtShape(t.shape)}`

/**
 * The loop: `xs` cut into slices along `inAxes`, `f` on each slice, the
 * outputs stacked along `outAxes`. For an empty batch, `f` runs once on a
 * slice of zeros, for the outputs' shapes only.
 */
const loop = (law: string, f: (x: Tree) => Tree, xs: Tree, inAxes: AxisSpec, outAxes: AxisSpec): Tree => {
  const leaves = leavesOf(xs)
  const specs = specsOf(law, 'inAxes', inAxes, xs)
  const dims = leaves.map((l, i) => (specs[i] === null ? null : normalised(law, specs[i]!, l.value.rank, `inAxes at ${l.path || 'the root'}`)))
  const sizes = new Set(leaves.flatMap((l, i) => (dims[i] === null ? [] : [l.value.shape[dims[i]!]!])))
  if (sizes.size !== 1) throw new TensorError(law, sizes.size === 0 ? 'no leaf is batched (every inAxes spec is null)' : `the batched leaves have different sizes: ${[...sizes].join(', ')}`)
  const B = [...sizes][0]!
  const sliceOf = (b: number | null): Tree =>
    rebuild(xs, leaves.map((l, i) => {
      const d = dims[i]!
      if (dims[i] === null) return l.value
      if (b !== null) return sliceAt(l.value, d, b)
      const s = l.value.shape.filter((_, k) => k !== d)
      return fromTypedArray(new ctors[l.value.dtype](prod(s)), s)
    })) as Tree
  const outs = Array.from({ length: B }, (_, b) => f(sliceOf(b)))
  const probe = B === 0 ? f(sliceOf(null)) : outs[0]!
  const like = leavesOf(probe)
  const per = outs.map((o, b) => {
    const ls = leavesOf(o)
    const same = ls.length === like.length && ls.every((l, j) => l.path === like[j]!.path && aval(l.value) === aval(like[j]!.value))
    if (!same) throw new TensorError(law, `f's output changes structure between slices 0 and ${b}`)
    return ls
  })
  const outSpecs = specsOf(law, 'outAxes', outAxes, probe)
  return rebuild(probe, like.map((l, j) => {
    const d = outSpecs[j]!
    if (outSpecs[j] === null) return l.value
    const a = normalised(law, d, l.value.rank + 1, `outAxes at ${l.path || 'the root'}`)
    return stackAt(per.map((ls) => ls[j]!.value), a, l.value.shape, l.value.dtype)
  })) as Tree
}

// ------------------------------------------------------------ comparison

const bad = (law: string, at: string): LawCheck => ({ law, ok: false, at, got: NaN, want: NaN, tolerance: 0 })

/**
 * The worst element of `got` against `want`: bit for bit (`Object.is`, so
 * −0 ≠ 0 and NaN = NaN) when `exact` or for integer and bool leaves, else
 * within u·ulps·(1 + |want|).
 */
const compare = (law: string, got: Tree, want: Tree, exact: boolean, ulps: number): LawCheck => {
  const g = leavesOf(got)
  const w = leavesOf(want)
  if (g.length !== w.length || g.some((l, i) => l.path !== w[i]!.path)) return bad(law, `output structure: leaves [${g.map((l) => l.path).join(', ')}], want [${w.map((l) => l.path).join(', ')}]`)
  let worst: LawCheck = { law, ok: true, at: '(nothing to compare)', got: 0, want: 0, tolerance: 0 }
  let badness = -1
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!.value
    const b = w[i]!.value
    const where = `output ${g[i]!.path === '' ? '' : `${g[i]!.path} `}`
    if (aval(a) !== aval(b)) return bad(law, `${where}is ${aval(a)}, want ${aval(b)}`)
    const x = a.toTypedArray()
    const y = b.toTypedArray()
    const u = exact ? 0 : unitRoundoff(a.dtype) * ulps
    for (let k = 0; k < x.length; k++) {
      const tolerance = u * (1 + Math.abs(y[k]!))
      const err = Math.abs(x[k]! - y[k]!)
      const ok = Object.is(x[k], y[k]) || (u > 0 && err <= tolerance)
      const badnessK = ok ? (tolerance > 0 ? err / tolerance : 0) : Number.isNaN(err) || tolerance === 0 ? Infinity : err / tolerance + 1
      if (badnessK > badness) {
        badness = badnessK
        worst = { law, ok, at: `${where}[${k}]`, got: x[k]!, want: y[k]!, tolerance }
      }
      if (!ok && badness === Infinity) return worst
    }
  }
  return worst
}

/** Runs the transformed side; an error there (and not in the loop) breaks the law. */
const attempt = (law: string, run: () => Tree, check: (got: Tree) => LawCheck): LawCheck => {
  let got: Tree
  try {
    got = run()
  } catch (e) {
    return bad(law, `the transformed function threw: ${e instanceof Error ? e.message : String(e)}`)
  }
  return check(got)
}

const inSpecOf = (axes: VmapAxes): AxisSpec => (axes.inAxes === undefined ? 0 : axes.inAxes)
const outSpecOf = (axes: VmapAxes): AxisSpec => (axes.outAxes === undefined ? 0 : axes.outAxes)

/** `vmap(f)` with these axes, as a function of the one (tree) argument: how the laws call vmap. @internal */
export const vmapped = (f: (x: Tree) => Tree, axes: VmapAxes): ((x: Tree) => Tree) => {
  const spec = inSpecOf(axes)
  const outAxes = outSpecOf(axes)
  if (axes.positional === true) {
    if (!isSpecLeaf(spec) && !Array.isArray(spec)) throw new TensorError('vmap law', 'positional arguments need inAxes that is an axis, null or an array of specs')
    return (xs) => vmap((...args: Tree[]) => f(args), { inAxes: spec as number | null | readonly AxisSpec[], outAxes })(...(xs as readonly Tree[]))
  }
  return (x) => vmap(f, { inAxes: isSpecLeaf(spec) ? spec : [spec], outAxes })(x)
}

// ------------------------------------------------------------ the laws

/**
 * `vmap(f)(xs)` equals `f` stacked over the slices of `xs`: the leaves of
 * `xs` are cut along `axes.inAxes` (a leaf with spec `null` is shared by every
 * slice), `f` runs on each slice, and each output leaf is stacked along
 * `axes.outAxes`. Bit for bit unless `{ exact: false }` (see the module's doc
 * comment); an error thrown by `vmap` (and not by the loop) breaks the law.
 * An empty batch is compared on shapes and dtypes (`f` runs once on zeros for them).
 * @example
 * import { vmapCheck } from 'grad-ts/laws'
 * import { tensor, mul, exp, type Tensor } from 'grad-ts'
 * const xs = { a: tensor([[1, 2], [3, 4], [5, 6]]), b: tensor([2, -1]) }
 * const r = vmapCheck((p: { a: Tensor; b: Tensor }) => exp(mul(p.a, p.b)), xs, { inAxes: { a: 0, b: null }, outAxes: 1 })
 * console.assert(r.ok && r.got === r.want)
 * @since 0.2.0
 */
export const vmapCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, xs: P, axes: VmapAxes = {}, options: VmapLawOptions = {}): LawCheck => {
  const law = 'vmap(f) = f stacked over the slices'
  const g = f as unknown as (x: Tree) => Tree
  const want = loop(law, g, xs, inSpecOf(axes), outSpecOf(axes))
  return attempt(law, () => vmapped(g, axes)(xs), (got) => compare(law, got, want, options.exact ?? true, options.ulps ?? vmapTolerances.ulps))
}

/**
 * vmap composes with itself: `vmap(vmap(f, inner), outer)(xs)` equals the
 * double loop, with `xs` batched twice (the outer axes counted on the
 * inner-batched leaves). Compared as {@link vmapCheck}.
 * @example
 * import { vmapNestedCheck } from 'grad-ts/laws'
 * import { tensor, tanh, type Tensor } from 'grad-ts'
 * const xs = tensor([[[1, 2], [3, 4], [5, 6]]])  // outer batch 1 on axis 0, inner batch 2 on the last axis
 * console.assert(vmapNestedCheck((x: Tensor) => tanh(x), xs, { inAxes: -1 }, { outAxes: 1 }).ok)
 * @since 0.2.0
 */
export const vmapNestedCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, xs: P, inner: VmapAxes = {}, outer: VmapAxes = {}, options: VmapLawOptions = {}): LawCheck => {
  const law = 'vmap(vmap(f)) = the double loop'
  const g = f as unknown as (x: Tree) => Tree
  const want = loop(law, (x) => loop(law, g, x, inSpecOf(inner), outSpecOf(inner)), xs, inSpecOf(outer), outSpecOf(outer))
  return attempt(law, () => vmapped(vmapped(g, inner), outer)(xs), (got) => compare(law, got, want, options.exact ?? true, options.ulps ?? vmapTolerances.ulps))
}

/**
 * vmap commutes with forward mode: `jvp(vmap(f), xs, ts)` and
 * `vmap((x, t) => jvp(f, x, t))(xs, ts)` both equal the loop of
 * `jvp(f, x_b, t_b)` — the tangents `ts` are batched like `xs` (a shared leaf
 * has one shared tangent). Primals are compared as {@link vmapCheck},
 * tangents within the tolerance.
 * @example
 * import { vmapJvpCheck, normalLike } from 'grad-ts/laws'
 * import { tensor, exp, mul, type Tensor } from 'grad-ts'
 * const xs = tensor([[0.5, 1], [2, -1]], 'float64')
 * console.assert(vmapJvpCheck((x: Tensor) => mul(exp(x), x), xs, normalLike(xs, 1), { inAxes: 1 }).every((c) => c.ok))
 * @since 0.2.0
 */
export const vmapJvpCheck = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, xs: P, ts: P, axes: VmapAxes = {}, options: VmapLawOptions = {}): readonly LawCheck[] => {
  const g = f as unknown as (x: Tree) => Tree
  const spec = inSpecOf(axes)
  const out = outSpecOf(axes)
  const pairs = (p: Tree): Tree => {
    const { x, t } = p as { x: Tree; t: Tree }
    const [y, ty] = jvp(g, x, t)
    return { y, ty }
  }
  const both = (law: string, run: () => Tree): LawCheck => {
    const want = loop(law, pairs, { x: xs as Tree, t: ts as Tree }, { x: spec, t: spec }, { y: out, ty: out }) as { y: Tree; ty: Tree }
    return attempt(law, run, (got) => {
      const r = got as { y: Tree; ty: Tree }
      const primal = compare(`${law} (primal)`, r.y, want.y, options.exact ?? true, options.ulps ?? vmapTolerances.ulps)
      return primal.ok ? compare(`${law} (tangent)`, r.ty, want.ty, false, options.ulps ?? vmapTolerances.ulps) : primal
    })
  }
  return [
    both('jvp(vmap(f)) = the loop of jvp(f)', () => {
      const [y, ty] = jvp(vmapped(g, { inAxes: spec, outAxes: out }), xs as Tree, ts as Tree)
      return { y, ty }
    }),
    both('vmap(jvp(f)) = the loop of jvp(f)', () => vmapped(pairs, { inAxes: { x: spec, t: spec }, outAxes: { y: out, ty: out } })({ x: xs as Tree, t: ts as Tree })),
  ]
}

/**
 * vmap commutes with reverse mode, for a scalar `f` of float inputs:
 * `vmap(grad(f))(xs)` equals the loop of `grad(f)` (per-example gradients,
 * batch axis 0), and the gradient of `x ↦ Σ vmap(f)(x)` at `xs` has each
 * batched leaf's per-slice gradients stacked along its batch axis and each
 * shared leaf's summed over the slices. Compared within the tolerance. Both
 * hold for derivative rules linear in the cotangent, as every true
 * derivative is; a custom rule that is not (gradient clipping) sees, for a
 * shared input, the batch's summed cotangent — as in JAX, where the
 * application to an unbatched input is not batched at all.
 * @example
 * import { vmapGradCheck } from 'grad-ts/laws'
 * import { tensor, mul, sum, type Tensor } from 'grad-ts'
 * const xs = { w: tensor([1, -2], 'float64'), x: tensor([[1, 2], [3, 4], [5, 6]], 'float64') }
 * const loss = (p: { w: Tensor; x: Tensor }) => sum(mul(mul(p.w, p.x), p.x))
 * console.assert(vmapGradCheck(loss, xs, { inAxes: { w: null, x: 0 } }).every((c) => c.ok))
 * @since 0.2.0
 */
export const vmapGradCheck = <P extends TreeLike<P>>(f: (x: P) => Tensor, xs: P, axes: VmapAxes = {}, options: VmapLawOptions = {}): readonly LawCheck[] => {
  const g = f as unknown as (x: Tree) => Tensor
  const spec = inSpecOf(axes)
  const ulps = options.ulps ?? vmapTolerances.ulps
  const perSlice = (x: Tree): Tree => grad(g)(x)
  const law1 = 'vmap(grad(f)) = the loop of grad(f)'
  const want1 = loop(law1, perSlice, xs, spec, 0)
  const first = attempt(law1, () => vmapped(perSlice, { inAxes: spec, outAxes: 0 })(xs), (got) => compare(law1, got, want1, false, ulps))
  const law2 = 'grad(Σ vmap(f)) = the per-slice gradients, stacked or summed'
  const leaves = leavesOf(xs)
  const specs = specsOf(law2, 'inAxes', spec, xs)
  const stacked = leavesOf(want1)
  const want2 = rebuild(xs, leaves.map((l, i) => {
    const s = stacked[i]!.value // [B, ...leaf]
    if (specs[i] !== null) {
      const d = normalised(law2, specs[i]!, l.value.rank, 'inAxes')
      return d === 0 ? s : stackAt(Array.from({ length: s.shape[0]! }, (_, b) => sliceAt(s, 0, b)), d, l.value.shape.filter((_, k) => k !== d), s.dtype)
    }
    const acc = new Float64Array(l.value.size)
    for (let b = 0; b < s.shape[0]!; b++) sliceAt(s, 0, b).toTypedArray().forEach((v, k) => (acc[k]! += v))
    return fromTypedArray(l.value.dtype === 'float32' ? Float32Array.from(acc) : acc, l.value.shape)
  })) as Tree
  const second = attempt(law2, () => grad((x: Tree) => sum(vmapped(g, { inAxes: spec, outAxes: 0 })(x) as Tensor))(xs), (got) => compare(law2, got, want2, false, ulps))
  return [first, second]
}

/**
 * {@link vmapCheck} as a predicate.
 * @example
 * import { vmapLaw } from 'grad-ts/laws'
 * import { tensor, greater, random, type Tensor } from 'grad-ts'
 * console.assert(vmapLaw((x: Tensor) => greater(x, 2), tensor([[1, 2], [3, 4]]), { inAxes: 1 }))
 * console.assert(vmapLaw((k: Tensor) => random.normal(k as random.Key, [3], 'float64'), random.split(random.key(0), 4)))
 * @since 0.2.0
 */
export const vmapLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, xs: P, axes: VmapAxes = {}, options: VmapLawOptions = {}): boolean => vmapCheck(f, xs, axes, options).ok

/**
 * {@link vmapNestedCheck} as a predicate.
 * @example
 * import { vmapNestedLaw } from 'grad-ts/laws'
 * import { zeros, exp } from 'grad-ts'
 * console.assert(vmapNestedLaw(exp, zeros([0, 3, 2]), { inAxes: 0 }, { inAxes: 1 }))
 * @since 0.2.0
 */
export const vmapNestedLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, xs: P, inner: VmapAxes = {}, outer: VmapAxes = {}, options: VmapLawOptions = {}): boolean =>
  vmapNestedCheck(f, xs, inner, outer, options).ok

/**
 * {@link vmapJvpCheck} as a predicate.
 * @example
 * import { vmapJvpLaw, normalLike } from 'grad-ts/laws'
 * import { tensor, tanh } from 'grad-ts'
 * const xs = tensor([[0.5], [2]], 'float64')
 * console.assert(vmapJvpLaw(tanh, xs, normalLike(xs, 3)))
 * @since 0.2.0
 */
export const vmapJvpLaw = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (x: P) => Y, xs: P, ts: P, axes: VmapAxes = {}, options: VmapLawOptions = {}): boolean =>
  vmapJvpCheck(f, xs, ts, axes, options).every((c) => c.ok)

/**
 * {@link vmapGradCheck} as a predicate.
 * @example
 * import { vmapGradLaw } from 'grad-ts/laws'
 * import { tensor, logSumExp } from 'grad-ts'
 * console.assert(vmapGradLaw(logSumExp, tensor([[0.5, 1, 2], [3, -1, 0]], 'float64'), { inAxes: 1 }))
 * @since 0.2.0
 */
export const vmapGradLaw = <P extends TreeLike<P>>(f: (x: P) => Tensor, xs: P, axes: VmapAxes = {}, options: VmapLawOptions = {}): boolean =>
  vmapGradCheck(f, xs, axes, options).every((c) => c.ok)

// ------------------------------------------------------------ drawing batches

/**
 * What {@link vmapCaseArb} and {@link vmapProperty} draw.
 * @example
 * import fc from 'fast-check'
 * import { vmapProperty, tensorArb, type VmapPropertyOptions } from 'grad-ts/laws'
 * import { exp } from 'grad-ts'
 * const small: VmapPropertyOptions = { maxBatch: 2, nested: false }
 * fc.assert(vmapProperty(exp, tensorArb([2]), small), { numRuns: 5 })
 * @since 0.2.0
 */
export interface VmapPropertyOptions extends VmapLawOptions {
  /** The largest batch size drawn; default 3. Sizes 0 and 1 are drawn one time in four each. */
  readonly maxBatch?: number
  /**
   * A leaf of `shape` (a slice's shape with batch axes) like `like`, the
   * case's leaf. Default: `like`'s elements drawn with replacement, so every
   * value stays in the case's domain (positive for log, in range for indices);
   * also where this returns undefined.
   */
  readonly leaf?: (like: Tensor, shape: Shape) => fc.Arbitrary<Tensor> | undefined
  /** Check `vmap(vmap(f))` too (default true). */
  readonly nested?: boolean
  /** Check the jvp and grad laws too, or only the grad laws (`'reverse'`): see {@link checkVmap}. */
  readonly derivatives?: boolean | 'reverse'
}

/**
 * A function, a batch of inputs for it and where their batch axes are: one
 * drawn instance of the vmap law. `x` is the case's point (the shape of a
 * slice, and the value of every shared leaf).
 * @example
 * import fc from 'fast-check'
 * import { vmapCaseArb, vmapLaw, tensorArb, type VmapCase } from 'grad-ts/laws'
 * import { neg, type Tensor } from 'grad-ts'
 * const [c]: VmapCase<Tensor, Tensor>[] = fc.sample(vmapCaseArb(tensorArb([2, 3]).map((x) => ({ f: neg, x }))), { numRuns: 1, seed: 4 })
 * console.assert(c !== undefined && vmapLaw(c.f, c.xs, c.axes))
 * @since 0.2.0
 */
export interface VmapCase<P, Y> {
  /** The function under test, of one slice. */
  readonly f: (x: P) => Y
  /** The case's point: a slice's shapes, and the value of every shared leaf. */
  readonly x: P
  /** The batch: `x`'s leaves stacked along their batch axes (shared leaves as they are). */
  readonly xs: P
  /** Where the batch axes are. */
  readonly axes: VmapAxes
  /** The batch size. */
  readonly size: number
}

/** Sizes 0, 1 and 2..max, each of the small ones a quarter of the time. */
const sizeArb = (max: number): fc.Arbitrary<number> =>
  max < 2 ? fc.integer({ min: 0, max: Math.max(max, 0) }) : fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max }), fc.integer({ min: 2, max }))

/** `like`'s elements drawn with replacement into a tensor of `shape`. */
const resampled = (like: Tensor, shape: Shape): fc.Arbitrary<Tensor> => {
  const n = prod(shape)
  const src = like.toTypedArray()
  if (n === 0 || src.length === 0) return fc.constant(fromTypedArray(new ctors[like.dtype](n), shape))
  return fc.array(fc.nat(src.length - 1), { minLength: n, maxLength: n }).map((ix) => {
    const out = new ctors[like.dtype](n)
    ix.forEach((i, k) => (out[k] = src[i]!))
    return fromTypedArray(out, shape)
  })
}

/** One level of batch axes for leaves of ranks `ranks` (null: shared), at least one batched; as a spec tree like `tree`, or a single spec when all agree. */
const axesArb = (ranks: readonly number[], tree: Tree, canShare: boolean): fc.Arbitrary<{ readonly dims: readonly (number | null)[]; readonly spec: AxisSpec }> => {
  const one = (r: number) => fc.integer({ min: 0, max: r }).chain((a) => fc.constantFrom(a, a - r - 1))
  const perLeaf = fc.tuple(...ranks.map((r) => (canShare ? fc.oneof({ arbitrary: one(r), weight: 3 }, { arbitrary: fc.constant(null), weight: 1 }) : one(r))))
    .map((ds) => (ds.every((d) => d === null) ? ds.map((d, i) => (i === 0 ? 0 : d)) : ds))
    .map((dims) => ({ dims, spec: rebuild(tree, dims) as AxisSpec }))
  const uniform = fc.constantFrom(0, -1).map((a) => ({ dims: ranks.map(() => a), spec: a }))
  return ranks.length === 0 ? fc.constant({ dims: [], spec: 0 }) : fc.oneof({ arbitrary: perLeaf, weight: 2 }, { arbitrary: uniform, weight: 1 })
}

const insertAt = (shape: Shape, d: number | null, size: number): Shape => {
  if (d === null) return shape
  const a = d < 0 ? d + shape.length + 1 : d
  return Object.freeze([...shape.slice(0, a), size, ...shape.slice(a)])
}

/** The stacked point: each leaf of `x` drawn with its batch axes inserted (or kept, when shared at every level). */
const stackedArb = (x: Tree, shapes: readonly Shape[], shared: readonly boolean[], leaf: VmapPropertyOptions['leaf']): fc.Arbitrary<Tree> => {
  const ls = leavesOf(x)
  if (ls.length === 0) return fc.constant(x)
  return fc.tuple(...ls.map((l, i) => (shared[i] === true ? fc.constant(l.value) : (leaf?.(l.value, shapes[i]!) ?? resampled(l.value, shapes[i]!))))).map((vs) => rebuild(x, vs) as Tree)
}

/**
 * Draws instances of the vmap law from cases `{ f, x }`: a batch size (0, 1
 * or up to `maxBatch`), a batch axis for each leaf of `x` (anywhere in the
 * leaf, negative half the time; shared — `null` — one time in four, at least
 * one leaf batched; given leaf by leaf, or as one spec for all), a batch axis
 * for each output leaf, and the batch itself (see `leaf`). An array `x` is
 * passed to vmap as positional arguments half the time.
 * @example
 * import fc from 'fast-check'
 * import { vmapCaseArb, vmapCheck, tensorArb } from 'grad-ts/laws'
 * import { add, type Tensor } from 'grad-ts'
 * const cases = fc.tuple(tensorArb([2]), tensorArb([3, 1])).map(([a, b]) => ({ f: (p: readonly Tensor[]) => add(p[0]!, p[1]!), x: [a, b] }))
 * fc.assert(fc.property(vmapCaseArb(cases), (c) => vmapCheck(c.f, c.xs, c.axes).ok), { numRuns: 10 })
 * @since 0.2.0
 */
export const vmapCaseArb = <P extends TreeLike<P>, Y extends TreeLike<Y>>(cases: fc.Arbitrary<GradCase<P, Y>>, options: VmapPropertyOptions = {}): fc.Arbitrary<VmapCase<P, Y>> =>
  cases.chain((k) => {
    const x = k.x as Tree
    const y = k.f(k.x) as Tree
    const ranks = leavesOf(x).map((l) => l.value.rank)
    const shapes = leavesOf(x).map((l) => l.value.shape)
    return fc.record({
      size: sizeArb(options.maxBatch ?? 3),
      ins: axesArb(ranks, x, true),
      outs: axesArb(leavesOf(y).map((l) => l.value.rank), y, false),
      positional: Array.isArray(x) ? fc.boolean() : fc.constant(false),
    }).chain(({ size, ins, outs, positional }) =>
      stackedArb(x, shapes.map((s, i) => insertAt(s, ins.dims[i]!, size)), ins.dims.map((d) => d === null), options.leaf).map((xs) => ({
        f: k.f,
        x: k.x,
        xs: xs as P,
        axes: { inAxes: ins.spec, outAxes: outs.spec, positional: positional && (isSpecLeaf(ins.spec) || Array.isArray(ins.spec)) },
        size,
      })))
  })

/** A doubly batched instance of a case: inner and outer axes, and the batch, for {@link vmapNestedCheck}. @internal */
export const nestedArb = (k: GradCase<Tree, Tree>, options: VmapPropertyOptions) => {
  const x = k.x
  const y = k.f(k.x)
  const ranks = leavesOf(x).map((l) => l.value.rank)
  const outRanks = leavesOf(y).map((l) => l.value.rank)
  return fc.record({ inner: axesArb(ranks, x, true), innerOut: axesArb(outRanks, y, false), sizes: fc.tuple(sizeArb(options.maxBatch ?? 3), sizeArb(options.maxBatch ?? 3)) }).chain(({ inner, innerOut, sizes: [b1, b2] }) => {
    const once = leavesOf(x).map((l, i) => insertAt(l.value.shape, inner.dims[i]!, b2))
    return fc.record({ outer: axesArb(once.map((s) => s.length), x, true), outerOut: axesArb(outRanks.map((r) => r + 1), y, false) }).chain(({ outer, outerOut }) =>
      stackedArb(x, once.map((s, i) => insertAt(s, outer.dims[i]!, b1)), inner.dims.map((d, i) => d === null && outer.dims[i] === null), options.leaf).map((xs) => ({
        xs,
        inner: { inAxes: inner.spec, outAxes: innerOut.spec },
        outer: { inAxes: outer.spec, outAxes: outerOut.spec },
      })))
  })
}

const allLeaves = (t: Tree, ok: (d: DType) => boolean): boolean => leavesOf(t).every((l) => ok(l.value.dtype))

/** x ↦ Σ⟨w, f(x)⟩ with standard normal weights `w` of the outputs' shapes and dtypes: a scalar whose gradient is the pullback of w. */
const scalarize = (f: (x: Tree) => Tree, like: Tree, seed: number): ((x: Tree) => Tensor) => {
  const ws = leavesOf(normalLike(like, seed)).map((l, j) => {
    const o = leavesOf(like)[j]!.value
    return o.dtype === 'float32' ? fromTypedArray(Float32Array.from(l.value.toTypedArray()), o.shape) : l.value
  })
  return (x) => leavesOf(f(x)).reduce((s: Tensor | undefined, { value }, j) => {
    const term = sum(mul(ws[j]!, value))
    return s === undefined ? term : add(s, term)
  }, undefined) ?? sum(fromTypedArray(new Float64Array(0), [0]))
}

/**
 * Every vmap law at one drawn case ({@link vmapCaseArb}): {@link vmapCheck};
 * with `derivatives` (default: when every input leaf is float64 and every
 * output leaf float), {@link vmapJvpCheck} with standard normal tangents from
 * `seed` and {@link vmapGradCheck} on x ↦ Σ⟨w, f(x)⟩ with standard normal
 * weights w (a scalar whose gradient is f's pullback of w); `'reverse'` skips
 * the jvp laws (for a function with only a custom VJP, which has no forward mode).
 * @example
 * import { checkVmap } from 'grad-ts/laws'
 * import { tensor, sigmoid } from 'grad-ts'
 * const checks = checkVmap({ f: sigmoid, x: tensor([1], 'float64'), xs: tensor([[1], [2], [3]], 'float64'), axes: { inAxes: 0 }, size: 3 })
 * console.assert(checks.length === 5 && checks.every((c) => c.ok))
 * @since 0.2.0
 */
export const checkVmap = <P extends TreeLike<P>, Y extends TreeLike<Y>>(c: VmapCase<P, Y>, options: VmapLawOptions & { readonly derivatives?: boolean | 'reverse'; readonly seed?: number } = {}): readonly LawCheck[] => {
  const f = c.f as unknown as (x: Tree) => Tree
  const seed = options.seed ?? 0
  const checks: LawCheck[] = [vmapCheck(c.f, c.xs, c.axes, options)]
  const y = f(c.x)
  const derivatives = options.derivatives ?? (leavesOf(c.x).length > 0 && allLeaves(c.x, (d) => d === 'float64') && allLeaves(y, (d) => d === 'float64' || d === 'float32'))
  if (derivatives === true) checks.push(...vmapJvpCheck(f, c.xs as Tree, normalLike(c.xs as Tree, seed), c.axes, options))
  if (derivatives !== false) checks.push(...vmapGradCheck(scalarize(f, y, seed + 1), c.xs as Tree, c.axes, options))
  return checks
}

/**
 * The vmap laws as one property over cases `{ f, x }` (or a function and an
 * arbitrary of its inputs): {@link checkVmap} on a drawn batch
 * ({@link vmapCaseArb}), and with `nested` (default true)
 * {@link vmapNestedCheck} on a drawn double batch. Throws the worst
 * discrepancy of the first law that fails.
 * @example
 * import fc from 'fast-check'
 * import { vmapProperty, tensorArb, shapeArb } from 'grad-ts/laws'
 * import { tanh, sum, type Tensor } from 'grad-ts'
 * fc.assert(vmapProperty(tanh, shapeArb({ maxRank: 2, maxDim: 3 }).chain((s) => tensorArb(s))), { numRuns: 10 })
 * fc.assert(vmapProperty((x: Tensor) => sum(x, { axis: 0 }), tensorArb([3, 2]), { exact: false }), { numRuns: 10 })
 * @since 0.2.0
 */
export const vmapProperty = <P extends TreeLike<P>, Y extends TreeLike<Y>>(...args: CasesArgs<P, Y, VmapPropertyOptions>) => {
  const [first, second, third] = args
  const cases = typeof first === 'function' ? (second as fc.Arbitrary<P>).map((x) => ({ f: first, x })) : first
  const o = (typeof first === 'function' ? third : (second as VmapPropertyOptions | undefined)) ?? {}
  const drawn = cases.chain((k) => fc.tuple(
    vmapCaseArb(fc.constant(k), o),
    o.nested === false ? fc.constant(undefined) : nestedArb(k as unknown as GradCase<Tree, Tree>, o),
    fc.nat(),
  ))
  return fc.property(drawn, ([c, n, seed]) => {
    const checks = [...checkVmap(c, { ...o, seed })]
    if (n !== undefined) checks.push(vmapNestedCheck(c.f as unknown as (x: Tree) => Tree, n.xs, n.inner, n.outer, o))
    throwFailure(checks)
  })
}

/** Throws the first failed check, for fast-check to report as the error's cause. @internal */
export const throwFailure = (checks: readonly LawCheck[]): void => {
  const failed = checks.find((r) => !r.ok)
  if (failed !== undefined) throw new Error(`${failed.law} fails at ${failed.at}: got ${failed.got}, want ${failed.want} (|Δ| = ${Math.abs(failed.got - failed.want)}, tolerance ${failed.tolerance})`)
}
