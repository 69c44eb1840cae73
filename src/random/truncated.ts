/**
 * `truncatedNormal`, by JAX's inversion (`jax/_src/random.py`,
 * `_truncated_normal`): `a = erf(lower/√2)`, `b = erf(upper/√2)`,
 * `u = uniform(key, shape, dtype, a, b)`, `√2 · erfinv(u)`, clipped to the open
 * interval `(nextafter(lower, +∞), nextafter(upper, −∞))` in the dtype.
 *
 * With number bounds, the draw and `√2 · erfinv(u)` are the random-bits
 * primitive's normal distribution with the uniform's bounds moved to
 * `[a, b)`; their `erf` is computed in float64 by the same function as the
 * `erf` op's reference kernel (`core/erf.ts`) and rounded to the dtype. With
 * tensor bounds the same steps are ops, the last the `erfInv` op, whose
 * kernel is the normal sampler's erfinv: the two paths agree bit for bit.
 */
import type { FloatDType } from '../core/dtype.js'
import { erf as erfNumber } from '../core/erf.js'
import { describe } from '../core/check.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { broadcastShapes, checkShape } from '../core/shape.js'
import { Tensor, elementsIfConcrete, scalar } from '../core/tensor.js'
import { abs, add, cast, div, equal, erf, erfInv, less, maximum, minimum, mul, neg, sub, where } from '../ad/ops/elementwise.js'
import { broadcastTo } from '../ad/ops/shape.js'
import { type Key, consume } from './key.js'
import { broadcastsTo } from './integers.js'
import { checkDType, normalOf, uniformOf } from './sample.js'

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
  return round(erfNumber(round(round(bound) / round(Math.SQRT2))))
}

const MIN_SUBNORMAL = { float32: 2 ** -149, float64: Number.MIN_VALUE } as const
const MAX = { float32: f(3.4028234663852886e38), float64: Number.MAX_VALUE } as const
// x·c with c = 2⁻ᵖ + 2⁻ᵖ⁻² (p the dtype's significand bits) lies in [0.625, 1.25) ulps of x, so x + x·c rounds to x's neighbour —
// while x·c is a normal number: below TINY it would round on the subnormals' coarse grid (2.39e-38 in float32 stayed put).
const TOWARDS = { float32: 2 ** -24 + 2 ** -26, float64: 2 ** -53 + 2 ** -55 } as const
const TINY = { float32: 2 ** -100, float64: 2 ** -900 } as const
/** Below FIRST (the subnormals and the first normal binade) the spacing is the smallest subnormal. */
const FIRST = { float32: 2 ** -125, float64: 2 ** -1021 } as const
/** Between FIRST and TINY, x is scaled (exactly) into the range where x·c is normal, stepped, and scaled back (exactly). */
const SCALE = { float32: 2 ** 60, float64: 2 ** 200 } as const

const stepUp = (x: Tensor, dt: FloatDType): Tensor => add(x, maximum(mul(abs(x), TOWARDS[dt]), scalar(MIN_SUBNORMAL[dt], dt)))

/** `nextafter(x, +∞)` element-wise in x's float dtype, from ops (NaN stays NaN, +∞ stays +∞). @internal */
export const nextUp = (x: Tensor): Tensor => {
  const dt = x.dtype as FloatDType
  const size = abs(x)
  const scaled = mul(stepUp(mul(x, SCALE[dt]), dt), 1 / SCALE[dt])
  const sum = where(less(size, FIRST[dt]), add(x, MIN_SUBNORMAL[dt]), where(less(size, TINY[dt]), scaled, stepUp(x, dt)))
  // Up from the negative subnormal nearest zero is −0, as numpy.nextafter says: x·0 keeps x's sign.
  const stepped = where(equal(sum, 0), mul(x, 0), sum)
  return where(equal(x, -Infinity), scalar(-MAX[dt], dt), where(equal(x, Infinity), x, stepped))
}

/** `nextafter(x, −∞)` element-wise in x's float dtype. @internal */
export const nextDown = (x: Tensor): Tensor => neg(nextUp(neg(x)))

type Bound = number | Tensor

const boundTensor = (op: string, name: 'lower' | 'upper', v: unknown, dtype: FloatDType): Tensor => {
  if (v instanceof Tensor) {
    if (v.dtype === 'bool') throw new TensorError(op, `${name} must be a number or a float32, float64 or int32 tensor, got a bool${fmtShape(v.shape)} tensor`)
    return cast(v, dtype)
  }
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TensorError(op, `${name} must be a number (not NaN) or a tensor, got ${describe(v)}`)
  return scalar(v, dtype)
}

/**
 * Samples of the standard normal truncated to `(lower, upper)`, as
 * `jax.random.truncated_normal(key, lower, upper, shape, dtype)`: JAX's
 * inversion `√2 · erfinv(u)` with `u` uniform on `[erf(lower/√2), erf(upper/√2))`,
 * clipped into the open interval. Every value lies strictly between its
 * bounds. The bounds are numbers (±Infinity allowed) or tensors that
 * broadcast against `shape` (default: the bounds' broadcast shape, `[]` for
 * numbers), each element drawn between its own bounds, as JAX's array
 * bounds; `lower < upper` in the dtype everywhere (a TensorError when the
 * bounds have values; JAX does not check). Number bounds' erf is computed
 * exactly and rounded, where XLA uses its float32 approximation, so float32
 * samples agree with JAX to about 1e-6 (like `normal`); tensor bounds go
 * through the `erf` op, which computes the same. Far in a tail (|bound| ≳
 * 5) the method itself loses precision, as in JAX. Consumes `key`.
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * const x = random.truncatedNormal(random.key(0), -1, 2, [1000])
 * console.assert(x.dtype === 'float32' && x.toTypedArray().every((v) => v > -1 && v < 2))
 * const half = random.truncatedNormal(random.key(1), 0, Infinity, [3], 'float64')
 * console.assert(half.toTypedArray().every((v) => v > 0))
 * // One column of bounds per column: [0, 1) for the first, (2, 3) for the second.
 * const y = random.truncatedNormal(random.key(2), tensor([0, 2]), tensor([1, 3]), [4, 2])
 * console.assert(y.toTypedArray().every((v, i) => (i % 2 === 0 ? v > 0 && v < 1 : v > 2 && v < 3)))
 * @since 0.2.0
 */
export const truncatedNormal = (k: Key, lower: number | Tensor, upper: number | Tensor, shape?: readonly number[], dtype: FloatDType = 'float32'): Tensor =>
  truncatedNormalPlan('truncatedNormal', lower, upper, shape, dtype)(consume('truncatedNormal', k))

/** {@link truncatedNormal}'s arguments checked under the name `op`: the sampler of a consumed key. @internal */
export const truncatedNormalPlan = (op: string, lower: Bound, upper: Bound, shape: readonly number[] | undefined, dtype: FloatDType = 'float32'): ((k: Key) => Tensor) => {
  const dt = checkDType(op, dtype)
  if (typeof lower === 'number' && typeof upper === 'number') {
    const s = checkShape(op, shape ?? [])
    if (Number.isNaN(lower) || Number.isNaN(upper)) throw new TensorError(op, `lower and upper must be numbers (not NaN), got ${String(lower)} and ${String(upper)}`)
    const round = dt === 'float32' ? f : (v: number): number => v
    if (!(round(lower) < round(upper))) throw new TensorError(op, `lower ${lower} must be less than upper ${upper} in ${dt}`)
    return (k) => clipOpen(normalOf(k, s, dt, erfBound(lower, dt), erfBound(upper, dt)), lower, upper)
  }
  const lo = boundTensor(op, 'lower', lower, dt)
  const hi = boundTensor(op, 'upper', upper, dt)
  const both = broadcastShapes(lo.shape, hi.shape, op)
  const s = shape === undefined ? both : checkShape(op, shape)
  if (!broadcastsTo(lo.shape, s) || !broadcastsTo(hi.shape, s)) {
    throw new TensorError(op, `lower ${fmtShape(lo.shape)} and upper ${fmtShape(hi.shape)} must broadcast to shape ${fmtShape(s)}`)
  }
  const lv = elementsIfConcrete(broadcastTo(lo, both))
  const uv = elementsIfConcrete(broadcastTo(hi, both))
  if (lv !== undefined && uv !== undefined) {
    const at = lv.findIndex((l, i) => !(l < uv[i]!))
    if (at >= 0) {
      const place = both.length > 0 ? ` at flat index ${at} of their broadcast shape ${fmtShape(both)}` : ''
      throw new TensorError(op, `lower ${lv[at]!} must be less than upper ${uv[at]!} in ${dt}${place}`)
    }
  }
  return (k) => {
    // JAX's steps in the dtype: a = erf(lower/√2), b = erf(upper/√2), u = max(a, u₀·(b − a) + a), √2·erfinv(u), clipped.
    const sqrt2 = scalar(dt === 'float32' ? f(Math.SQRT2) : Math.SQRT2, dt)
    const a = erf(div(lo, sqrt2))
    const b = erf(div(hi, sqrt2))
    const v = add(mul(uniformOf(k, s, dt, 0, 1), sub(b, a)), a)
    const u = where(less(v, a), broadcastTo(a, s), v)
    const z = mul(sqrt2, erfInv(u))
    return minimum(maximum(z, nextUp(lo)), nextDown(hi))
  }
}
