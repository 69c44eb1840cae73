/**
 * Samplers: a key and a shape in, fresh values out, following JAX's
 * partitionable threefry algorithms bit for bit (`jax/_src/prng.py`,
 * `_threefry_random_bits_partitionable`; `jax/_src/random.py`, `_uniform`,
 * `_bernoulli`, `_normal_real`):
 *
 * - 32-bit bits at flat index `i`: `y0 ^ y1` of `threefry2x32(key, (hi(i), lo(i)))`;
 *   64-bit bits: `(y0 << 32) | y1`.
 * - float32 uniform: `bitcast((bits >>> 9) | 0x3f800000) − 1`, then
 *   `max(minval, u · (maxval − minval) + minval)`, each step rounded to float32.
 * - float64 uniform: the same with 64-bit bits and a 52-bit mantissa (JAX with
 *   `jax_enable_x64=True`).
 * - bernoulli: `uniform(key, shape, dtype of p) < p`.
 * - normal: `√2 · erfinv(u)`, `u` uniform on `[nextafter(−1, 0), 1)` in the dtype.
 *
 * A draw is the `randomBits` primitive (the kernels are the backend's), so
 * every transformation sees it: under `vmap` with a batch of keys, each key
 * draws its own slice. Samplers consume their key and never split it: use a
 * fresh key per call.
 */
import type { FloatDType } from '../core/dtype.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { type Shape, broadcastShapes, checkShape, shapeEq } from '../core/shape.js'
import { type Tensor, elementsIfConcrete } from '../core/tensor.js'
import { less } from '../ad/ops/elementwise.js'
import type { Distribution } from '../ad/primitives.js'
import { bind } from '../ad/trace.js'
import { type Key, consume } from './key.js'

const shapeOf = (op: string, shape: readonly number[]): Shape => checkShape(op, shape)

/** A float dtype argument, checked under the name of the sampler. @internal */
export const checkDType = (op: string, dtype: unknown): FloatDType => {
  if (dtype !== 'float32' && dtype !== 'float64') throw new TensorError(op, `dtype must be 'float32' or 'float64', got ${String(dtype)}`)
  return dtype
}

/** One draw from a consumed key: the random-bits primitive, so every transformation sees it. */
const draw = (k: Key, shape: Shape, dist: Distribution): Tensor => bind('randomBits', [k], { shape, dist })

/** Uniform samples of a checked key, without consuming it (the caller has). @internal */
export const uniformOf = (k: Key, shape: Shape, dtype: FloatDType, minval: number, maxval: number): Tensor => draw(k, shape, { kind: 'uniform', dtype, minval, maxval })

/** `√2 · erfinv(u)` of uniforms on `[minval, maxval)` of a checked key, without consuming it (the caller has). @internal */
export const normalOf = (k: Key, shape: Shape, dtype: FloatDType, minval: number, maxval: number): Tensor => draw(k, shape, { kind: 'normal', dtype, minval, maxval })

/**
 * Uniform random bits, as `jax.random.bits(key, shape)` with the default
 * uint32 dtype. There is no uint32 tensor dtype, so the words come back as a
 * fresh `Uint32Array` (row-major) with the shape beside it.
 *
 * @example
 * import { random } from 'grad-ts'
 * const b = random.bits(random.key(0), [3])
 * console.assert(b.shape.join() === '3' && b.data.length === 3)
 * console.assert(b.data[0] === (0x6b200159 ^ 0x99ba4efe) >>> 0)
 * @since 0.1.0
 */
export const bits = (k: Key, shape: readonly number[]): { readonly shape: Shape; readonly data: Uint32Array } => {
  const s = shapeOf('bits', shape)
  consume('bits', k)
  return { shape: s, data: new Uint32Array(draw(k, s, { kind: 'bits' }).toTypedArray()) }
}

/** Options of {@link uniform}. @since 0.1.0 */
export interface UniformOptions {
  /** Element type; default float32. float64 matches JAX with `jax_enable_x64=True`. */
  readonly dtype?: FloatDType
  /** Inclusive lower bound; default 0. */
  readonly minval?: number
  /** Exclusive upper bound; default 1. */
  readonly maxval?: number
}

/**
 * Uniform samples on `[minval, maxval)`, as `jax.random.uniform`: random
 * mantissa bits under the exponent of 1, minus 1, scaled and shifted in the
 * dtype's own arithmetic. Bit-identical to JAX for the default range; for
 * other ranges it rounds `u · (maxval − minval)` and `+ minval` separately, as
 * the HLO says (a backend that fuses them into one FMA may differ by an ulp),
 * and, as in JAX, that rounding can return `maxval` itself when the range is
 * tiny next to `|minval|`.
 *
 * @example
 * import { random } from 'grad-ts'
 * // docs.jax.dev/en/latest/jax.random.html prints 0.947667 for key(0).
 * const u = random.uniform(random.key(0), [])
 * console.assert(u.dtype === 'float32' && Math.abs(u.item() - 0.947667) < 1e-6)
 * const v = random.uniform(random.key(1), [2, 3], { dtype: 'float64', minval: -1, maxval: 1 })
 * console.assert(v.toTypedArray().every((x) => x >= -1 && x < 1))
 * @since 0.1.0
 */
export const uniform = (k: Key, shape: readonly number[], opts: UniformOptions = {}): Tensor => {
  const s = shapeOf('uniform', shape)
  const dtype = checkDType('uniform', opts.dtype ?? 'float32')
  const minval = opts.minval ?? 0
  const maxval = opts.maxval ?? 1
  const round = dtype === 'float32' ? Math.fround : (x: number): number => x
  if (typeof minval !== 'number' || typeof maxval !== 'number' || !Number.isFinite(round(minval)) || !Number.isFinite(round(maxval))) {
    throw new TensorError('uniform', `minval and maxval must be finite ${dtype} numbers, got ${String(minval)} and ${String(maxval)}`)
  }
  if (minval > maxval) throw new TensorError('uniform', `minval ${minval} is greater than maxval ${maxval}`)
  consume('uniform', k)
  return uniformOf(k, s, dtype, minval, maxval)
}

/**
 * Standard normal samples, as `jax.random.normal`: `√2 · erfinv(u)` with `u`
 * uniform on `[nextafter(−1, 0), 1)`, using XLA's erfinv approximation. float32
 * samples agree with JAX to about 1e-6 (XLA's own `log1p` and fused
 * multiply-adds may move the last bit); float64 matches JAX with x64 enabled.
 *
 * @example
 * import { random } from 'grad-ts'
 * const z = random.normal(random.key(0), [1000])
 * const mean = Array.from(z.toTypedArray()).reduce((a, b) => a + b, 0) / z.size
 * console.assert(z.dtype === 'float32' && Math.abs(mean) < 0.2)
 * @since 0.1.0
 */
export const normal = (k: Key, shape: readonly number[], dtype: FloatDType = 'float32'): Tensor => {
  const s = shapeOf('normal', shape)
  checkDType('normal', dtype)
  consume('normal', k)
  return normalOf(k, s, dtype, dtype === 'float32' ? Math.fround(-1 + 2 ** -24) : -1 + 2 ** -53, 1)
}

/**
 * Bernoulli samples (a bool tensor, true with probability `p`), as
 * `jax.random.bernoulli`: `uniform(key, shape, dtype of p) < p`. A number `p`
 * is a float32 probability (JAX's default dtype; p is rounded to float32); a
 * float32 or float64 tensor `p` must broadcast to `shape` (default: its own
 * shape) and is compared in its dtype. `p` outside `[0, 1]` is a TensorError.
 *
 * @example
 * import { random, tensor } from 'grad-ts'
 * const m = random.bernoulli(random.key(0), 0.5, [4])
 * console.assert(m.dtype === 'bool' && m.shape.join() === '4')
 * const rows = random.bernoulli(random.key(1), tensor([[0], [1]]), [2, 3])
 * console.assert(rows.toTypedArray().join() === '0,0,0,1,1,1')
 * @since 0.1.0
 */
export const bernoulli = (k: Key, p: number | Tensor, shape?: readonly number[]): Tensor => {
  if (typeof p === 'number') {
    if (!(p >= 0 && p <= 1)) throw new TensorError('bernoulli', `p must be a probability in [0, 1], got ${p}`)
    const s = shapeOf('bernoulli', shape ?? [])
    consume('bernoulli', k)
    // p is a weak scalar: it meets the float32 uniform and is rounded to float32, as in JAX; the draw and
    // the comparison are one kernel (the same bits as less(uniform(k, s), p), which a law checks).
    return draw(k, s, { kind: 'bernoulli', p: Math.fround(p) })
  }
  if (typeof p !== 'object' || !('dtype' in p) || (p.dtype !== 'float32' && p.dtype !== 'float64')) {
    throw new TensorError('bernoulli', `p must be a number or a float32/float64 tensor, got ${typeof p === 'object' ? `a ${p.dtype} tensor` : typeof p}`)
  }
  const s = shapeOf('bernoulli', shape ?? p.shape)
  if (!shapeEq(broadcastShapes(s, p.shape, 'bernoulli'), s)) {
    throw new TensorError('bernoulli', `p of shape ${fmtShape(p.shape)} does not broadcast to shape ${fmtShape(s)}`)
  }
  const pd = elementsIfConcrete(p)
  const at = pd?.findIndex((v) => !(v >= 0 && v <= 1)) ?? -1
  if (at >= 0) throw new TensorError('bernoulli', `p must hold probabilities in [0, 1], found ${pd![at]!} at flat index ${at}`)
  consume('bernoulli', k)
  return less(uniformOf(k, s, p.dtype, 0, 1), p)
}
