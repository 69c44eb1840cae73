/**
 * Sorting: `argsort` (the one primitive: the stable ascending order of an
 * axis, NaN last, as `lax.sort`), and `sort` and `topK` composed from it and
 * `gather`. The indices are integers, constants to every derivative, so the
 * values' derivatives are gather's: the JVP gathers the tangent through the
 * permutation and the VJP scatters the cotangent back through it — at ties,
 * through the stable order, as in JAX.
 *
 * Order: −0 and +0 are equal (so a stable sort keeps their order), and every
 * NaN sorts after +∞ — JAX's canonicalised total order (`lax.sort`).
 */
import { TensorError, fmtShape } from '../../core/errors.js'
import { describe, optionsOf } from '../../core/check.js'
import { normAxis, oneAxisOf } from '../../core/shape.js'
import { type Tensor, arange, tensorArg } from '../../core/tensor.js'
import { bind } from '../trace.js'
import { add, mul, sub } from './elementwise.js'
import { flip } from './layout.js'
import { gather, reshape, slice } from './shape.js'

/** Options of {@link sort} and {@link argsort}, as `jnp.sort` / `jnp.argsort`. @since 0.2.0 */
export interface SortOptions {
  /** The axis to sort; default −1 (the last); `null` sorts the flattened tensor, as JAX's `axis=None`. */
  readonly axis?: number | null
  /** Largest first; default false. */
  readonly descending?: boolean
  /**
   * JAX's `stable` flag, default true. The sort is always stable here; `false`
   * is accepted (any stable order is a valid unstable one) and gives the same
   * result as `true`.
   */
  readonly stable?: boolean
}

/** The checked options of a sort: `x` (flattened for `axis: null`), the axis and the direction. */
const sortArgs = (op: string, x: Tensor, options: SortOptions): { readonly x: Tensor; readonly axis: number; readonly descending: boolean } => {
  const t = tensorArg(op, 'x', x)
  const { axis = -1, descending = false, stable = true } = optionsOf(op, options)
  if (typeof descending !== 'boolean') throw new TensorError(op, `descending must be a boolean, got ${describe(descending)}`)
  if (typeof stable !== 'boolean') throw new TensorError(op, `stable must be a boolean, got ${describe(stable)}`)
  if (axis === null) return { x: reshape(t, [t.size]), axis: 0, descending }
  if (typeof axis !== 'number') throw new TensorError(op, `axis must be one integer or null, got ${describe(axis)}`)
  if (t.rank === 0) throw new TensorError(op, `x must have at least one axis to sort along, got a scalar ${t.dtype}${fmtShape(t.shape)}; pass axis: null`)
  return { x: t, axis: normAxis(op, axis, t.rank), descending }
}

/** The stable ascending order of `axis`: the primitive. */
const ascending = (x: Tensor, axis: number): Tensor => bind('argsort', [x], { axis })

/**
 * The stable descending order, as `jnp.argsort(descending=True)`: the
 * ascending order of the reversed axis, reversed, so equal values keep their
 * original order (and NaN comes first).
 */
const descendingOrder = (x: Tensor, axis: number): Tensor => {
  const n = x.shape[axis]!
  return n <= 1 ? ascending(x, axis) : sub(n - 1, flip(ascending(flip(x, { axis }), axis), { axis }))
}

/**
 * `x` gathered along `axis` by `idx` (int32, `x`'s shape but for that axis),
 * as `jnp.take_along_axis`: one flat `gather`, so derivatives and batching are
 * gather's. @internal
 */
export const takeAlong = (x: Tensor, idx: Tensor, axis: number): Tensor => {
  const n = x.shape[axis]!
  const m = idx.shape[axis]!
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1)
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1)
  const rowStarts = reshape(mul(arange(0, outer, 1, 'int32'), n * inner), [outer, 1, 1])
  const offsets = add(rowStarts, reshape(arange(0, inner, 1, 'int32'), [1, 1, inner]))
  const flat = add(mul(reshape(idx, [outer, m, inner]), inner), offsets)
  return reshape(gather(reshape(x, [x.size]), reshape(flat, [outer * m * inner]), { axis: 0 }), idx.shape)
}

/**
 * The indices that sort `x` along one axis (default: the last), stably: equal
 * values keep their order, −0 equals +0 and NaN sorts last, as
 * `jnp.argsort(x, stable=True)`. With `descending: true` the largest come
 * first, equal values still in their original order, and NaN first — as
 * `jnp.argsort(x, stable=True, descending=True)`. `axis: null` sorts the
 * flattened tensor. The result is int32 indices.
 * @example
 * import { argsort, tensor } from 'grad-ts'
 * console.assert(argsort(tensor([3, 1, 2, 1])).toTypedArray().join() === '1,3,2,0')
 * console.assert(argsort(tensor([1, NaN, 3, 1]), { descending: true }).toTypedArray().join() === '1,2,0,3')
 * @since 0.2.0
 */
export const argsort = (x: Tensor, options: SortOptions = {}): Tensor => {
  const a = sortArgs('argsort', x, options)
  return a.descending ? descendingOrder(a.x, a.axis) : ascending(a.x, a.axis)
}

/**
 * `x` sorted along one axis (default: the last), as `jnp.sort`: ascending
 * with NaN last, or with `descending: true` the ascending sort reversed
 * (NaN first) — exactly `jnp.sort(x, descending=True)`. `axis: null` sorts
 * the flattened tensor. Differentiable: the cotangent is scattered back
 * through the sorting permutation (at ties, through the stable order).
 * @example
 * import { sort, grad, sum, mul, tensor } from 'grad-ts'
 * const x = tensor([3, NaN, 1, 2])
 * console.assert(sort(x).toTypedArray().join() === '1,2,3,NaN')
 * console.assert(sort(x, { descending: true }).toTypedArray().join() === 'NaN,3,2,1')
 * // d/dx Σ wᵢ·sort(x)ᵢ sends each weight back to the element that landed there.
 * const g = grad((v) => sum(mul(sort(v), tensor([1, 10, 100], 'float64'))))(tensor([3, 1, 2], 'float64'))
 * console.assert(g.toTypedArray().join() === '100,1,10')
 * @since 0.2.0
 */
export const sort = (x: Tensor, options: SortOptions = {}): Tensor => {
  const a = sortArgs('sort', x, options)
  const up = takeAlong(a.x, ascending(a.x, a.axis), a.axis)
  return a.descending ? flip(up, { axis: a.axis }) : up
}

/** Options of {@link topK}. @since 0.2.0 */
export interface TopKOptions {
  /** The axis to search; default −1 (the last), as `lax.top_k`'s `axis`. */
  readonly axis?: number
}

/**
 * The `k` largest entries along the last axis (or `axis`) and their int32
 * indices, largest first, as `jax.lax.top_k(x, k)`: `[values, indices]`,
 * each of `x`'s shape with that axis replaced by k. If two elements are
 * equal, the lower index comes first; NaN counts as larger than +∞ (the
 * order of a descending `jnp.sort`). `0 ≤ k ≤` the axis's size. The values
 * are differentiable (the cotangent goes back to the chosen entries); the
 * indices are constants.
 * @example
 * import { topK, tensor } from 'grad-ts'
 * const [values, indices] = topK(tensor([9, 3, 6, 4, 10]), 3)
 * console.assert(values.toTypedArray().join() === '10,9,6' && indices.toTypedArray().join() === '4,0,2')
 * const [, ties] = topK(tensor([1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0]), 3)
 * console.assert(ties.toTypedArray().join() === '0,1,3')
 * @since 0.2.0
 */
export const topK = (x: Tensor, k: number, options: TopKOptions = {}): readonly [Tensor, Tensor] => {
  const t = tensorArg('topK', 'x', x)
  if (t.rank === 0) throw new TensorError('topK', `x must have at least one axis, got a scalar ${t.dtype}${fmtShape(t.shape)}`)
  const a = oneAxisOf('topK', options, t.rank, -1)
  const n = t.shape[a]!
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new TensorError('topK', `k must be an integer in [0, ${n}] (the size of axis ${a} of x${fmtShape(t.shape)}), got ${describe(k)}`)
  const order = descendingOrder(t, a)
  const idx = k === n ? order : slice(order, t.shape.map(() => 0), t.shape.map((d, i) => (i === a ? k : d)))
  return [takeAlong(t, idx, a), idx]
}
