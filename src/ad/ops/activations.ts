/**
 * The activations of `jax.nn` that are not primitives, composed from the
 * catalogue's ops (so their derivatives, at every order, come from the
 * primitives' rules). Each takes a tensor or a number; integer and bool
 * inputs compute in float32, as in jax.nn.
 */
import { describe, optionsOf } from '../../core/check.js'
import { TensorError } from '../../core/errors.js'
import type { Tensor } from '../../core/tensor.js'
import { type TensorLike, add, div, erf, exp, expm1, floatUnary, greater, greaterEqual, log1p, mul, neg, sigmoid, tanh, where } from './elementwise.js'

/** A number option, checked under the op's name. */
const numberOption = (op: string, name: string, v: unknown, fallback: number): number => {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TensorError(op, `${name} must be a finite number, got ${describe(v)}`)
  return v
}

/**
 * `log(1 + eˣ)`, as `jax.nn.softplus` (`jnp.logaddexp(x, 0)`): computed as
 * `max(x, 0) + log1p(e^(−|x|))`, so it never overflows and stays exact for
 * large |x|; its derivative is `sigmoid(x)` everywhere, 0 included.
 * @example
 * import { softplus, tensor } from 'grad-ts'
 * console.assert(softplus(tensor([0, 1000, -1000], 'float64')).toTypedArray().join() === `${Math.LN2},1000,0`)
 * @since 0.2.0
 */
export const softplus = (x: TensorLike): Tensor => {
  const t = floatUnary('softplus', x)
  // Each side picks its own branch of |x| (not abs, whose derivative at 0 would be 1 on both sides).
  const pos = greater(t, 0)
  return add(where(pos, t, 0), log1p(exp(where(pos, neg(t), t))))
}

/**
 * `log sigmoid(x) = −softplus(−x)`, as `jax.nn.log_sigmoid`: finite for
 * logits of ±1000 where `log(sigmoid(x))` gives −∞.
 * @example
 * import { logSigmoid, tensor } from 'grad-ts'
 * console.assert(logSigmoid(tensor([-1000, 0], 'float64')).toTypedArray().join() === `-1000,${-Math.LN2}`)
 * @since 0.2.0
 */
export const logSigmoid = (x: TensorLike): Tensor => neg(softplus(neg(floatUnary('logSigmoid', x))))

/**
 * The sigmoid linear unit `x·sigmoid(x)`, as `jax.nn.silu` (which JAX also
 * calls `swish`).
 * @example
 * import { silu, tensor } from 'grad-ts'
 * console.assert(silu(tensor([0, 1], 'float64')).toTypedArray().join() === `0,${1 / (1 + Math.exp(-1))}`)
 * @since 0.2.0
 */
export const silu = (x: TensorLike): Tensor => {
  const t = floatUnary('silu', x)
  return mul(t, sigmoid(t))
}

/** Options of {@link gelu}. @since 0.2.0 */
export interface GeluOptions {
  /** The tanh approximation (JAX's default, `true`) or the exact `x·Φ(x)` with erf (`false`). */
  readonly approximate?: boolean
}

/**
 * The Gaussian error linear unit, as `jax.nn.gelu(x, approximate=True)`: by
 * default JAX's tanh approximation `x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2`;
 * with `approximate: false`, the exact `x·(1 + erf(x/√2))/2`.
 * @example
 * import { gelu, tensor } from 'grad-ts'
 * const x = tensor([1], 'float64')
 * console.assert(Math.abs(gelu(x, { approximate: false }).item() - 0.8413447460685429) < 1e-15)
 * console.assert(Math.abs(gelu(x).item() - 0.8411919906082768) < 1e-15)
 * @since 0.2.0
 */
export const gelu = (x: TensorLike, options: GeluOptions = {}): Tensor => {
  const { approximate = true } = optionsOf('gelu', options)
  if (typeof approximate !== 'boolean') throw new TensorError('gelu', `approximate must be a boolean, got ${describe(approximate)}`)
  const t = floatUnary('gelu', x)
  if (!approximate) return div(mul(t, add(erf(div(t, Math.SQRT2)), 1)), 2)
  const cdf = mul(0.5, add(1, tanh(mul(Math.sqrt(2 / Math.PI), add(t, mul(0.044715, mul(t, mul(t, t))))))))
  return mul(t, cdf)
}

/** Options of {@link elu}. @since 0.2.0 */
export interface EluOptions {
  /** The scale of the negative side, `alpha·(eˣ − 1)`; default 1, as in JAX. */
  readonly alpha?: number
}

/**
 * The exponential linear unit, as `jax.nn.elu`: `x` for x > 0, else
 * `alpha·expm1(x)` (the positive side never reaches `expm1`, so large x give
 * no ∞ in the gradient). `alpha` is a number (JAX also takes an array).
 * @example
 * import { elu, tensor } from 'grad-ts'
 * console.assert(elu(tensor([2, 0, -1000], 'float64'), { alpha: 0.5 }).toTypedArray().join() === '2,0,-0.5')
 * @since 0.2.0
 */
export const elu = (x: TensorLike, options: EluOptions = {}): Tensor => {
  const alpha = numberOption('elu', 'alpha', optionsOf('elu', options).alpha, 1)
  const t = floatUnary('elu', x)
  const pos = greater(t, 0)
  return where(pos, t, mul(alpha, expm1(where(pos, 0, t))))
}

/** Options of {@link leakyRelu}. @since 0.2.0 */
export interface LeakyReluOptions {
  /** The slope for x < 0; default 0.01, as in JAX. */
  readonly negativeSlope?: number
}

/**
 * The leaky rectifier, as `jax.nn.leaky_relu`: `x` for x ≥ 0, else
 * `negativeSlope·x` (so its derivative at 0 is 1, as JAX's).
 * @example
 * import { leakyRelu, tensor } from 'grad-ts'
 * console.assert(leakyRelu(tensor([2, -100], 'float64')).toTypedArray().join() === '2,-1')
 * console.assert(leakyRelu(tensor([-2], 'float64'), { negativeSlope: 0.5 }).item() === -1)
 * @since 0.2.0
 */
export const leakyRelu = (x: TensorLike, options: LeakyReluOptions = {}): Tensor => {
  const slope = numberOption('leakyRelu', 'negativeSlope', optionsOf('leakyRelu', options).negativeSlope, 0.01)
  const t = floatUnary('leakyRelu', x)
  return where(greaterEqual(t, 0), t, mul(slope, t))
}
