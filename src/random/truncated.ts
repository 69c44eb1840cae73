/**
 * `truncatedNormal`, by JAX's inversion (`jax/_src/random.py`,
 * `_truncated_normal`): `a = erf(lower/√2)`, `b = erf(upper/√2)`,
 * `u = uniform(key, shape, dtype, a, b)`, `√2 · erfinv(u)`, clipped to the open
 * interval `(nextafter(lower, +∞), nextafter(upper, −∞))` in the dtype.
 *
 * The draw and `√2 · erfinv(u)` are the random-bits primitive's normal
 * distribution with the uniform's bounds moved to `[a, b)`: the one erfinv
 * the normal sampler uses (XLA's, in the backends). The bounds are numbers,
 * so their `erf` is computed in float64 by the same function as the `erf`
 * op's reference kernel (`core/erf.ts`) and rounded to the dtype.
 */
import type { FloatDType } from '../core/dtype.js'
import { erf } from '../core/erf.js'
import { TensorError } from '../core/errors.js'
import { checkShape } from '../core/shape.js'
import { type Tensor, scalar } from '../core/tensor.js'
import { maximum, minimum } from '../ad/ops/elementwise.js'
import { type Key, consume } from './key.js'
import { checkDType, normalOf } from './sample.js'

const f = Math.fround

/** The next representable number after `x` towards `to` in the dtype (`numpy.nextafter`). @internal */
export const nextAfter = (x: number, to: number, dtype: FloatDType): number => {
  if (Number.isNaN(x) || Number.isNaN(to)) return NaN
  if (x === to) return to
  const view = new DataView(new ArrayBuffer(8))
  const wide = dtype === 'float64'
  if (x === 0) {
    const tiny = wide ? Number.MIN_VALUE : 2 ** -149
    return to > 0 ? tiny : -tiny
  }
  // Away from zero is one more in the magnitude's bits, towards zero one less.
  const step = (x < to) === (x > 0) ? 1 : -1
  if (wide) {
    view.setFloat64(0, x)
    view.setBigUint64(0, view.getBigUint64(0) + BigInt(step))
    return view.getFloat64(0)
  }
  view.setFloat32(0, x)
  view.setUint32(0, view.getUint32(0) + step)
  return view.getFloat32(0)
}

/** `x` clipped to the open interval `(lower, upper)` in its dtype: JAX's last step. @internal */
export const clipOpen = (x: Tensor, lower: number, upper: number): Tensor => {
  const dt = x.dtype as FloatDType
  const round = dt === 'float32' ? f : (v: number): number => v
  return minimum(maximum(x, scalar(nextAfter(round(lower), Infinity, dt), dt)), scalar(nextAfter(round(upper), -Infinity, dt), dt))
}

/** `erf(bound / √2)` as JAX computes it in the dtype (the division rounded, then erf rounded). @internal */
export const erfBound = (bound: number, dtype: FloatDType): number => {
  const round = dtype === 'float32' ? f : (v: number): number => v
  return round(erf(round(round(bound) / round(Math.SQRT2))))
}

/**
 * Samples of the standard normal truncated to `(lower, upper)`, as
 * `jax.random.truncated_normal(key, lower, upper, shape, dtype)`: JAX's
 * inversion `√2 · erfinv(u)` with `u` uniform on `[erf(lower/√2), erf(upper/√2))`,
 * clipped into the open interval. Every value lies strictly between the
 * bounds. The bounds are numbers (±Infinity allowed) with `lower < upper`;
 * deviation: JAX also takes arrays of bounds, and does not check their order.
 * The bounds' erf is computed exactly and rounded, where XLA uses its float32
 * approximation, so float32 samples agree with JAX to about 1e-6 (like
 * `normal`); far in a tail (|bound| ≳ 5) the method itself loses precision,
 * as in JAX. Consumes `key`.
 *
 * @example
 * import { random } from 'grad-ts'
 * const x = random.truncatedNormal(random.key(0), -1, 2, [1000])
 * console.assert(x.dtype === 'float32' && x.toTypedArray().every((v) => v > -1 && v < 2))
 * const half = random.truncatedNormal(random.key(1), 0, Infinity, [3], 'float64')
 * console.assert(half.toTypedArray().every((v) => v > 0))
 * @since 0.2.0
 */
export const truncatedNormal = (k: Key, lower: number, upper: number, shape: readonly number[] = [], dtype: FloatDType = 'float32'): Tensor => {
  const s = checkShape('truncatedNormal', shape)
  checkDType('truncatedNormal', dtype)
  if (typeof lower !== 'number' || typeof upper !== 'number' || Number.isNaN(lower) || Number.isNaN(upper)) {
    throw new TensorError('truncatedNormal', `lower and upper must be numbers (not NaN), got ${String(lower)} and ${String(upper)}`)
  }
  const round = dtype === 'float32' ? f : (v: number): number => v
  if (!(round(lower) < round(upper))) throw new TensorError('truncatedNormal', `lower ${lower} must be less than upper ${upper} in ${dtype}`)
  consume('truncatedNormal', k)
  return clipOpen(normalOf(k, s, dtype, erfBound(lower, dtype), erfBound(upper, dtype)), lower, upper)
}
