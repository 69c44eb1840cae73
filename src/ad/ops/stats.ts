/**
 * Reductions and scans composed from primitives: `variance` and `std` (with
 * `ddof`), `prod` (a tree of products) and `cumsum` (a scan of shifted sums).
 * None has a rule of its own: their derivatives, at every order, come from
 * the primitives they are made of.
 */
import { describe, optionsOf } from '../../core/check.js'
import { isFloat } from '../../core/dtype.js'
import { TensorError } from '../../core/errors.js'
import { type OneAxisOptions, oneAxisOf } from '../../core/shape.js'
import { type Tensor, ones, tensorArg } from '../../core/tensor.js'
import { add, cast, div, mul, sqrt, sub } from './elementwise.js'
import { type ReduceOptions, axesOf, sum } from './reduce.js'
import { concat, pad, reshape, slice, transpose } from './shape.js'
import { mean } from './composite.js'

/** Options of {@link variance} and {@link std}: the axes, `keepdims`, and the delta degrees of freedom. @since 0.2.0 */
export interface VarianceOptions extends ReduceOptions {
  /** The divisor is N − ddof (N the number of elements reduced); default 0, as in JAX. */
  readonly ddof?: number
}

const moments = (op: string, x: Tensor, options: VarianceOptions): Tensor => {
  const { axes, keepdims } = axesOf(op, x, options)
  const { ddof = 0 } = options
  if (!Number.isSafeInteger(ddof) || ddof < 0) throw new TensorError(op, `ddof must be a non-negative integer, got ${describe(ddof)}`)
  const t = isFloat(x.dtype) ? x : cast(x, 'float32')
  const n = axes.reduce((k, a) => k * t.shape[a]!, 1)
  const centered = sub(t, mean(t, { axis: axes, keepdims: true }))
  // As jnp.var: the divisor is max(N − ddof, 0), so ddof ≥ N gives ∞ (or NaN for an all-equal block).
  return div(sum(mul(centered, centered), { axis: axes, keepdims }), Math.max(n - ddof, 0))
}

/**
 * The variance over axes (all by default), as `jnp.var(x, axis, ddof=0,
 * keepdims=False)`: `Σ(x − mean)² / (N − ddof)`, the two-pass formula (the
 * mean first), so a large offset does not cancel the digits away. Integers
 * compute in float32. Named `variance` because `var` is a reserved word in
 * JavaScript.
 * @example
 * import { variance, tensor } from 'grad-ts'
 * const x = tensor([[1, 2], [3, 6]], 'float64')
 * console.assert(variance(x).item() === 3.5)
 * console.assert(variance(x, { axis: 1, ddof: 1 }).toTypedArray().join() === '0.5,4.5')
 * console.assert(variance(tensor([1e9 + 1, 1e9 + 3], 'float64')).item() === 1)
 * @since 0.2.0
 */
export const variance = (x: Tensor, options: VarianceOptions = {}): Tensor => moments('variance', x, options)

/**
 * The standard deviation `√variance(x, options)`, as `jnp.std` (same axes,
 * `keepdims` and `ddof`). Its gradient is not finite where the variance is 0,
 * as in JAX.
 * @example
 * import { std, tensor } from 'grad-ts'
 * console.assert(std(tensor([2, 4, 4, 4, 5, 5, 7, 9], 'float64')).item() === 2)
 * console.assert(std(tensor([1, 3], 'float64'), { ddof: 1 }).item() === Math.SQRT2)
 * @since 0.2.0
 */
export const std = (x: Tensor, options: VarianceOptions = {}): Tensor => sqrt(moments('std', x, options))

/**
 * The product over axes (all by default), as `jnp.prod`: multiplied as a
 * balanced tree (pairs, then pairs of pairs), so every derivative — zeros in
 * the input included — is the product rule's, exact. An empty product is 1;
 * bools multiply as int32, and int32 products wrap as in JAX.
 * @example
 * import { prod, tensor } from 'grad-ts'
 * console.assert(prod(tensor([[1, 2, 3], [4, 5, 6]])).item() === 720)
 * console.assert(prod(tensor([[1, 2, 3], [4, 5, 6]]), { axis: 1 }).toTypedArray().join() === '6,120')
 * console.assert(prod(tensor([], 'float64')).item() === 1)
 * @since 0.2.0
 */
export const prod = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  const { axes, keepdims } = axesOf('prod', x, options)
  const t = x.dtype === 'bool' ? cast(x, 'int32') : x
  const kept = t.shape.map((_, i) => i).filter((i) => !axes.includes(i))
  const keptShape = kept.map((i) => t.shape[i]!)
  const n = axes.reduce((k, a) => k * t.shape[a]!, 1)
  // The reduced axes, flattened into one last axis of n elements.
  let y = reshape(transpose(t, [...kept, ...axes]), [...keptShape, n])
  let m = n
  if (m === 0) y = ones([...keptShape, 1], t.dtype)
  while (m > 1) {
    if (m % 2 === 1) y = concat([y, ones([...keptShape, 1], t.dtype)], { axis: -1 })
    const half = Math.ceil(m / 2)
    const pairs = reshape(y, [...keptShape, half, 2])
    const at = (j: number) => reshape(slice(pairs, [...keptShape.map(() => 0), 0, j], [...keptShape, half, j + 1]), [...keptShape, half])
    y = mul(at(0), at(1))
    m = half
  }
  return reshape(y, keepdims ? t.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : keptShape)
}

/**
 * Cumulative sums along one axis, as `jnp.cumsum(x, axis=None)`: without an
 * axis, of the flattened tensor. Computed as a scan of log₂ n shifted sums
 * (x + x shifted by 1, then by 2, 4, …), so element i adds the same terms as
 * a loop but grouped as a tree; bools sum as int32.
 * @example
 * import { cumsum, tensor } from 'grad-ts'
 * console.assert(cumsum(tensor([1, 2, 3, 4])).toTypedArray().join() === '1,3,6,10')
 * console.assert(cumsum(tensor([[1, 2], [3, 4]]), { axis: 0 }).toTypedArray().join() === '1,2,4,6')
 * console.assert(cumsum(tensor([[1, 2], [3, 4]])).shape.join() === '4')
 * @since 0.2.0
 */
export const cumsum = (x: Tensor, options: OneAxisOptions = {}): Tensor => {
  const t0 = tensorArg('cumsum', 'x', x)
  const flat = optionsOf('cumsum', options).axis === undefined
  const t1 = flat ? reshape(t0, [t0.size]) : t0
  const axis = oneAxisOf('cumsum', options, t1.rank, 0)
  let y = t1.dtype === 'bool' ? cast(t1, 'int32') : t1
  const n = y.shape[axis]!
  for (let s = 1; s < n; s *= 2) {
    // y shifted s places along the axis, zeros coming in: slice off the last s, pad s in front.
    const shifted = pad(slice(y, y.shape.map(() => 0), y.shape.map((d, i) => (i === axis ? d - s : d))), y.shape.map((_, i) => [i === axis ? s : 0, 0] as const))
    y = add(y, shifted)
  }
  return y
}
