/**
 * `randint`: JAX's two-draw construction (`jax/_src/random.py`, `_randint`),
 * bit for bit. Two 32-bit words per element, `hi` from `split(key)[0]` and
 * `lo` from `split(key)[1]`, and `span = maxval − minval`:
 *
 *     m      = (2¹⁶ mod span)² mod span
 *     offset = ((hi mod span) · m  +  lo mod span) mod span
 *
 * where JAX's `·` and `+` wrap modulo 2³² in uint32 (so `m` is 0, not
 * `2³² mod span`, once span > 2¹⁶) — reproduced here: JAX's values, not the
 * unbiased `(hi·2³² + lo) mod span`.
 * There is no uint32 dtype, so the words are handled as exact unsigned
 * integers in float64 (every value below 2⁵³, every step exact).
 */
import { TensorError, fmtShape } from '../core/errors.js'
import { type Shape, broadcastShapes, checkShape } from '../core/shape.js'
import { Tensor, elementsIfConcrete, scalar } from '../core/tensor.js'
import { add, cast, div, greater, less, lessEqual, mul, sub, where } from '../ad/ops/elementwise.js'
import { broadcastTo } from '../ad/ops/shape.js'
import { bind } from '../ad/trace.js'
import { type Key, consume, splitPair } from './key.js'

const TWO32 = 2 ** 32
const TWO52 = 2 ** 52

/** int32 words (bits) as the exact unsigned integers they stand for, in float64. @internal */
export const unsigned = (words: Tensor): Tensor => {
  const f = cast(words, 'float64')
  return where(less(f, 0), add(f, TWO32), f)
}

/** ⌊q⌋ of a float64 `q` in [0, 2⁵¹): round to an integer by adding 2⁵², then step down where that rounded up. */
const floorNonNeg = (q: Tensor): Tensor => {
  const r = sub(add(q, TWO52), TWO52)
  return sub(r, cast(greater(r, q), 'float64'))
}

/**
 * `a mod s` of exact integers in float64, `0 ≤ a < 2³⁴`, `1 ≤ s ≤ 2³²`: exact,
 * because `fl(a/s)` cannot round up to the next integer while `s·(⌊a/s⌋+1) < 2⁵³`.
 * @internal
 */
export const remUnsigned = (a: Tensor, s: Tensor | number): Tensor => sub(a, mul(s, floorNonNeg(div(a, s))))

/**
 * JAX's randint arithmetic on given words: `hi`, `lo` int32 bit tensors (the
 * uint32 words), `minval`, `maxval` float64 integers broadcasting to them.
 * Where `maxval ≤ minval` the span is 1 and the result `minval`, as in JAX.
 * @internal
 */
export const randintOfBits = (hi: Tensor, lo: Tensor, minval: Tensor, maxval: Tensor): Tensor => {
  const width = sub(maxval, minval)
  const span = where(lessEqual(width, 0), 1, width)
  const m16 = remUnsigned(scalar(2 ** 16, 'float64'), span)
  // (2¹⁶ mod span)² is 2³² when span > 2¹⁶, which wraps to 0 in JAX's uint32.
  const multiplier = remUnsigned(remUnsigned(mul(m16, m16), TWO32), span)
  const high = remUnsigned(mul(remUnsigned(unsigned(hi), span), multiplier), TWO32)
  const offset = remUnsigned(remUnsigned(add(high, remUnsigned(unsigned(lo), span)), TWO32), span)
  return cast(add(minval, offset), 'int32')
}

/** Whether `from` broadcasts to `to` exactly (NumPy's rules, without throwing). @internal */
export const broadcastsTo = (from: Shape, to: Shape): boolean =>
  from.length <= to.length && from.every((d, i) => d === 1 || d === to[to.length - from.length + i])

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/** A bound of randint as a float64 tensor, checked: an integer number or an int32 tensor broadcasting to `shape`. */
const boundOf = (op: string, arg: 'minval' | 'maxval', v: unknown, shape: Shape): Tensor => {
  if (typeof v === 'number') {
    // maxval may be 2³¹ (one past the largest int32), so that randint can return every int32.
    const [lo, hi] = arg === 'minval' ? [INT32_MIN, INT32_MAX] : [INT32_MIN + 1, INT32_MAX + 1]
    if (!Number.isInteger(v) || v < lo || v > hi) throw new TensorError(op, `${arg} must be an integer in [${lo}, ${hi}], got ${v}`)
    return scalar(v, 'float64')
  }
  if (!(v instanceof Tensor) || v.dtype !== 'int32') {
    throw new TensorError(op, `${arg} must be an integer or an int32 tensor, got ${v instanceof Tensor ? `a ${v.dtype}${fmtShape(v.shape)} tensor` : typeof v}`)
  }
  if (!broadcastsTo(v.shape, shape)) {
    throw new TensorError(op, `${arg} of shape ${fmtShape(v.shape)} does not broadcast to shape ${fmtShape(shape)}`)
  }
  return cast(v, 'float64')
}

/** Where `minval < maxval` fails, when both bounds have values (not inside vmap or evalShape). */
const emptyRange = (op: string, minval: Tensor, maxval: Tensor): string | undefined => {
  const both = broadcastShapes(minval.shape, maxval.shape, op)
  const lo = elementsIfConcrete(broadcastTo(minval, both))
  const hi = elementsIfConcrete(broadcastTo(maxval, both))
  if (lo === undefined || hi === undefined) return undefined
  const at = lo.findIndex((v, i) => !(v < hi[i]!))
  if (at < 0) return undefined
  const place = both.length > 0 ? ` at flat index ${at} of their broadcast shape ${fmtShape(both)}` : ''
  return `minval ${lo[at]!} is not less than maxval ${hi[at]!}${place}`
}

/**
 * Uniform random integers in `[minval, maxval)`, int32, as
 * `jax.random.randint(key, shape, minval, maxval)`, bit for bit: two 32-bit
 * draws per element from `split(key)`, combined by JAX's span/multiplier
 * construction (slightly biased when the span is not a power of two, as in
 * JAX). `minval` and `maxval` are integers or int32 tensors that broadcast to
 * `shape`; a number `maxval` may be 2³¹, so `randint(k, s, -(2 ** 31), 2 ** 31)`
 * gives every int32. Deviation: JAX returns `minval` where `maxval ≤ minval`;
 * here that is a TensorError when the bounds have values (inside `vmap` or
 * `evalShape` they do not, and JAX's `minval` is returned). Only int32 exists,
 * so there is no `dtype` argument. Consumes `key`.
 *
 * @example
 * import { random } from 'grad-ts'
 * const dice = random.randint(random.key(0), [1000], 1, 7)
 * const faces = new Set(dice.toTypedArray())
 * console.assert(dice.dtype === 'int32' && faces.size === 6 && [...faces].every((f) => f >= 1 && f <= 6))
 * @since 0.2.0
 */
export const randint = (k: Key, shape: readonly number[], minval: number | Tensor, maxval: number | Tensor): Tensor =>
  randintPlan('randint', shape, minval, maxval)(consume('randint', k))

/** {@link randint}'s arguments checked under the name `op`: the sampler of a consumed key. @internal */
export const randintPlan = (op: string, shape: readonly number[], minval: number | Tensor, maxval: number | Tensor): ((k: Key) => Tensor) => {
  const s = checkShape(op, shape)
  const lo = boundOf(op, 'minval', minval, s)
  const hi = boundOf(op, 'maxval', maxval, s)
  const empty = emptyRange(op, lo, hi)
  if (empty !== undefined) throw new TensorError(op, `${empty}: the range [minval, maxval) is empty`)
  return (k) => randintOf(k, s, lo, hi)
}

/** {@link randint} of a checked key and float64 bounds, without consuming the key (the caller has). @internal */
export const randintOf = (k: Key, shape: Shape, minval: Tensor, maxval: Tensor): Tensor => {
  const [k1, k2] = splitPair(k)
  const words = (sub: Key): Tensor => bind('randomBits', [sub], { shape, dist: { kind: 'bits' } })
  return randintOfBits(words(k1), words(k2), minval, maxval)
}
