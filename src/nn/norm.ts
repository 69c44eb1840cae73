/**
 * Normalisation layers and maxout, as plain functions over parameter trees
 * (flax.linen's `LayerNorm` and `BatchNorm`, Goodfellow et al.'s maxout).
 *
 * **Batch statistics are threaded, never mutated.** A batch-norm layer's
 * running mean and variance are a tree of their own (flax's `batch_stats`
 * collection): the training call takes the current statistics and returns
 * the output *and* the updated statistics; the evaluation call normalises by
 * the statistics it is given. Nothing is stored between calls.
 */
import { TensorError, fmtShape } from '../core/errors.js'
import { describe, optionsOf } from '../core/check.js'
import type { FloatDType } from '../core/dtype.js'
import { normAxes, oneAxisOf, shapeEq } from '../core/shape.js'
import { type Tensor, ones, tensorArg, zeros } from '../core/tensor.js'
import { add, mul, stopGradient, sub } from '../ad/ops/elementwise.js'
import { mean, rsqrt, square } from '../ad/ops/composite.js'
import { max } from '../ad/ops/reduce.js'
import { reshape } from '../ad/ops/shape.js'
import type { Random } from '../random/random.js'
import * as R from '../random/random.js'
import type { Mode } from './dropout.js'

/** A normalisation layer's learned affine map y = x̂·scale + bias (flax's `scale` and `bias` params). @since 0.2.0 */
// Type aliases, not interfaces: an interface has no index signature, so it is not a `Tree`.
export type ScaleBias = {
  readonly scale: Tensor
  readonly bias: Tensor
}
/** Parameters of {@link layerNorm}. @since 0.2.0 */
export type LayerNormParams = ScaleBias
/** Parameters of {@link batchNorm}: the learned scale and bias, differentiated. @since 0.2.0 */
export type BatchNormParams = ScaleBias
/** The running statistics of {@link batchNorm} (flax's `batch_stats`: `mean` and `var`), threaded, not differentiated. @since 0.2.0 */
export type BatchStats = {
  readonly mean: Tensor
  readonly var: Tensor
}
/** A batch-norm layer's initial state: its parameters and its running statistics, two trees. @since 0.2.0 */
export type BatchNormState = {
  readonly params: BatchNormParams
  readonly stats: BatchStats
}

/** A features argument (a count, or the shape of the feature axes), checked. */
const featureShape = (op: string, features: number | readonly number[]): readonly number[] => {
  const shape: unknown = typeof features === 'number' ? [features] : features
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 1)) {
    throw new TensorError(op, `features must be a positive integer or a shape of them, got ${Array.isArray(features) ? `[${features.join(',')}]` : describe(features)}`)
  }
  return shape as readonly number[]
}

const checkDType = (op: string, dtype: FloatDType): FloatDType => {
  const given: unknown = dtype
  if (given !== 'float32' && given !== 'float64') throw new TensorError(op, `dtype must be 'float32' or 'float64', got ${describe(dtype)}`)
  return dtype
}

/**
 * The initial parameters of a layer norm over `features` (a count, or the
 * shape of the feature axes): scale ones and bias zeros, as flax's
 * `LayerNorm` initialisers. Deterministic; a `Random` value like every
 * initialiser, so it composes with `nn.dense` in one key stream.
 * @example
 * import { nn, random } from 'grad-ts'
 * const p = random.evaluate(random.key(0))(nn.initLayerNorm(4))
 * console.assert(p.scale.toTypedArray().join() === '1,1,1,1' && p.bias.toTypedArray().join() === '0,0,0,0')
 * @since 0.2.0
 */
export const initLayerNorm = (features: number | readonly number[], dtype: FloatDType = 'float32'): Random<LayerNormParams> => {
  const s = featureShape('initLayerNorm', features)
  const d = checkDType('initLayerNorm', dtype)
  return R.of({ scale: ones(s, d), bias: zeros(s, d) })
}

/** Options of {@link layerNorm}, after flax's `LayerNorm`. @since 0.2.0 */
export interface LayerNormOptions {
  /** Added to the variance before the square root; default 1e-6 (flax's `epsilon`). */
  readonly epsilon?: number
  /** The axes normalised over; default −1, the last (flax's `reduction_axes`). */
  readonly axis?: number | readonly number[]
  /** The axes the scale and bias run along; default −1 (flax's `feature_axes`). */
  readonly featureAxes?: number | readonly number[]
}

const checkEpsilon = (op: string, epsilon: unknown): number => {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) throw new TensorError(op, `epsilon must be a finite number ≥ 0, got ${describe(epsilon)}`)
  return epsilon
}
const checkAxes = (op: string, arg: string, axes: unknown): number | readonly number[] => {
  if (typeof axes === 'number' ? !Number.isInteger(axes) : !Array.isArray(axes) || axes.some((a) => !Number.isInteger(a))) {
    throw new TensorError(op, `${arg} must be an integer or an array of integers, got ${describe(axes)}`)
  }
  if (Array.isArray(axes) && new Set(axes).size !== axes.length) throw new TensorError(op, `${arg} [${axes.join(',')}] repeats an axis`)
  return axes as number | readonly number[]
}

/** `p` (scale or bias) reshaped to broadcast against `x` along `axes`, after checking it has their sizes. */
const alongAxes = (op: string, name: string, p: Tensor, x: Tensor, axes: readonly number[]): Tensor => {
  tensorArg(op, name, p)
  const want = axes.map((a) => x.shape[a]!)
  if (!shapeEq(p.shape, want)) throw new TensorError(op, `${name}${fmtShape(p.shape)} must have the shape ${fmtShape(want)} of x${fmtShape(x.shape)} on axes [${axes.join(',')}]`)
  return reshape(p, x.shape.map((d, i) => (axes.includes(i) ? d : 1)))
}

/** (x − μ)·rsqrt(σ² + ε)·scale + bias, the affine map along `featureAxes`. */
const normalise = (op: string, x: Tensor, mu: Tensor, v: Tensor, epsilon: number, p: ScaleBias, featureAxes: readonly number[]): Tensor =>
  add(mul(mul(sub(x, mu), rsqrt(add(v, epsilon))), alongAxes(op, 'scale', p.scale, x, featureAxes)), alongAxes(op, 'bias', p.bias, x, featureAxes))

/** The mean and the (biased, two-pass) variance of `x` over `axes`, kept as size-1 axes. */
const moments = (x: Tensor, axes: readonly number[]): readonly [Tensor, Tensor] => {
  const mu = mean(x, { axis: axes, keepdims: true })
  return [mu, mean(square(sub(x, mu)), { axis: axes, keepdims: true })]
}

const floatInput = (op: string, x: Tensor): Tensor => {
  const t = tensorArg(op, 'x', x)
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new TensorError(op, `x must be float32 or float64, got ${t.dtype}${fmtShape(t.shape)}`)
  return t
}

/**
 * Layer normalisation (Ba et al. 2016), as flax's `LayerNorm`: each example
 * is normalised over `axis` (default the last) to mean 0 and variance 1, then
 * scaled and shifted per feature: y = (x − μ)/√(σ² + ε)·scale + bias, with
 * ε = 1e-6. σ² is the biased variance, computed in two passes as
 * mean((x − μ)²) — flax's default `use_fast_variance` computes
 * mean(x²) − μ², equal in exact arithmetic but less accurate. Always has a
 * scale and a bias (flax's `use_scale`/`use_bias` defaults); options are
 * checked when the layer is made.
 * @example
 * import { nn, random, tensor } from 'grad-ts'
 * const p = random.evaluate(random.key(0))(nn.initLayerNorm(2, 'float64'))
 * const y = nn.layerNorm()(p, tensor([[1, 3], [10, 10]], 'float64'))
 * console.assert(Math.abs(y.toTypedArray()[0]! + 1) < 1e-6 && y.toTypedArray()[2] === 0)  // [-1, 1] up to ε; a constant row → bias
 * @since 0.2.0
 */
export const layerNorm = (options: LayerNormOptions = {}): ((params: LayerNormParams, x: Tensor) => Tensor) => {
  const { epsilon = 1e-6, axis = -1, featureAxes = -1 } = optionsOf('layerNorm', options)
  const eps = checkEpsilon('layerNorm', epsilon)
  const red = checkAxes('layerNorm', 'axis', axis)
  const feat = checkAxes('layerNorm', 'featureAxes', featureAxes)
  return (params, x) => {
    const t = floatInput('layerNorm', x)
    const [mu, v] = moments(t, normAxes('layerNorm', red, t.rank))
    return normalise('layerNorm', t, mu, v, eps, params, normAxes('layerNorm', feat, t.rank))
  }
}

/**
 * The initial state of a batch norm over `features`: parameters scale ones and
 * bias zeros, running statistics mean zeros and var ones — flax's
 * `BatchNorm` initialisers for its `params` and `batch_stats`.
 * @example
 * import { nn, random } from 'grad-ts'
 * const { params, stats } = random.evaluate(random.key(0))(nn.initBatchNorm(3))
 * console.assert(params.scale.shape.join() === '3' && stats.var.toTypedArray().join() === '1,1,1')
 * @since 0.2.0
 */
export const initBatchNorm = (features: number | readonly number[], dtype: FloatDType = 'float32'): Random<BatchNormState> => {
  const s = featureShape('initBatchNorm', features)
  const d = checkDType('initBatchNorm', dtype)
  return R.of({ params: { scale: ones(s, d), bias: zeros(s, d) }, stats: { mean: zeros(s, d), var: ones(s, d) } })
}

/** Options of {@link batchNorm}, after flax's `BatchNorm`. @since 0.2.0 */
export interface BatchNormOptions {
  /** Weight of the old running statistics in each update; default 0.99 (flax's `momentum`). */
  readonly momentum?: number
  /** Added to the variance before the square root; default 1e-5 (flax's `epsilon`). */
  readonly epsilon?: number
  /** The feature axis (or axes); statistics are taken over all the others. Default −1, as flax's `axis`. */
  readonly axis?: number | readonly number[]
}

/**
 * Batch normalisation (Ioffe and Szegedy 2015), as flax's `BatchNorm`, with
 * its running statistics threaded functionally. Called with
 * `(params, stats, x, mode)`, it returns `[y, stats′]`:
 *
 * - `nn.Train` (flax's `use_running_average=False`): x is normalised by the
 *   batch's own mean μ and biased variance σ² over every axis but the feature
 *   axis, y = (x − μ)/√(σ² + ε)·scale + bias, and the returned statistics are
 *   mean′ = m·mean + (1 − m)·μ and var′ = m·var + (1 − m)·σ² (m = momentum,
 *   0.99; ε = 1e-5). The statistics passed in are not changed; μ and σ² enter
 *   stats′ through `stopGradient`, so running statistics are data, never
 *   differentiated.
 * - `nn.Eval` (`use_running_average=True`): x is normalised by the given
 *   statistics, and they are returned as they are.
 *
 * σ² is computed in two passes, mean((x − μ)²) (flax's default fast variance
 * is mean(x²) − μ², equal in exact arithmetic). No cross-device `axis_name`.
 * Options are checked when the layer is made.
 * @example
 * import { nn, random, tensor } from 'grad-ts'
 * const { params, stats } = random.evaluate(random.key(0))(nn.initBatchNorm(1, 'float64'))
 * const bn = nn.batchNorm({ momentum: 0.9 })
 * const [y, next] = bn(params, stats, tensor([[1], [3]], 'float64'), nn.Train)
 * console.assert(Math.abs(y.toTypedArray()[0]! + 1) < 1e-4)        // the batch's mean 2 and variance 1
 * console.assert(Math.abs(next.mean.item() - 0.2) < 1e-15)          // 0.9·0 + 0.1·2
 * console.assert(Math.abs(next.var.item() - 1) < 1e-15)             // 0.9·1 + 0.1·1
 * console.assert(stats.mean.item() === 0)                           // the old statistics are untouched
 * const [z] = bn(params, next, tensor([[0.2]], 'float64'), nn.Eval)  // normalised by the running statistics
 * console.assert(Math.abs(z.item()) < 1e-15)
 * @since 0.2.0
 */
export const batchNorm = (options: BatchNormOptions = {}): ((params: BatchNormParams, stats: BatchStats, x: Tensor, mode: Mode) => readonly [Tensor, BatchStats]) => {
  const { momentum = 0.99, epsilon = 1e-5, axis = -1 } = optionsOf('batchNorm', options)
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new TensorError('batchNorm', `momentum must be a number in [0, 1], got ${describe(momentum)}`)
  const eps = checkEpsilon('batchNorm', epsilon)
  const feat = checkAxes('batchNorm', 'axis', axis)
  return (params, stats, x, mode) => {
    const tag = (mode as { _tag?: unknown } | undefined)?._tag
    if (tag !== 'Train' && tag !== 'Eval') throw new TensorError('batchNorm', `mode must be nn.Train or nn.Eval, got ${describe(tag)}`)
    const t = floatInput('batchNorm', x)
    const fa = normAxes('batchNorm', feat, t.rank)
    if (tag === 'Eval') {
      const mu = alongAxes('batchNorm', 'stats.mean', stats.mean, t, fa)
      const v = alongAxes('batchNorm', 'stats.var', stats.var, t, fa)
      return [normalise('batchNorm', t, mu, v, eps, params, fa), stats]
    }
    const [mu, v] = moments(t, t.shape.flatMap((_, i) => (fa.includes(i) ? [] : [i])))
    const y = normalise('batchNorm', t, mu, v, eps, params, fa)
    const update = (old: Tensor, name: string, batch: Tensor): Tensor => {
      tensorArg('batchNorm', name, old)
      const b = reshape(stopGradient(batch), fa.map((a) => t.shape[a]!))
      if (!shapeEq(old.shape, b.shape)) throw new TensorError('batchNorm', `${name}${fmtShape(old.shape)} must have the shape ${fmtShape(b.shape)} of x${fmtShape(t.shape)} on axes [${fa.join(',')}]`)
      return add(mul(old, momentum), mul(b, 1 - momentum))
    }
    return [y, { mean: update(stats.mean, 'stats.mean', mu), var: update(stats.var, 'stats.var', v) }]
  }
}

/** Options of {@link maxout}. @since 0.2.0 */
export interface MaxoutOptions {
  /** The axis of pre-activations, units·k long; default −1. */
  readonly axis?: number
}

/**
 * A maxout unit (Goodfellow et al. 2013, "Maxout Networks" — the unit the
 * dropout paper trains): h_i = max_j z_ij over k linear pieces. Takes the
 * pre-activations z = x·W + b of shape [..., units·k] — one dense layer with
 * units·k outputs — and returns [..., units]: unit i is the max of pieces
 * i·k … i·k + k − 1 (consecutive groups, as pylearn2's and TensorFlow's
 * `maxout`). The gradient goes to the winning piece (at a tie, as `max`'s).
 * @example
 * import { nn, tensor } from 'grad-ts'
 * const z = tensor([[1, 5, -2, 0, 3, 4]])   // 3 units × 2 pieces
 * console.assert(nn.maxout(z, 2).toTypedArray().join() === '5,0,4')
 * console.assert(nn.maxout(z, 3).toTypedArray().join() === '5,4')
 * @since 0.2.0
 */
export const maxout = (z: Tensor, k: number, options: MaxoutOptions = {}): Tensor => {
  const t = tensorArg('maxout', 'z', z)
  if (t.rank === 0) throw new TensorError('maxout', `z must have at least one axis, got a scalar ${t.dtype}${fmtShape(t.shape)}`)
  const a = oneAxisOf('maxout', options, t.rank, -1)
  const n = t.shape[a]!
  if (!Number.isSafeInteger(k) || k < 1 || n % k !== 0) throw new TensorError('maxout', `k must be a positive integer dividing the size ${n} of axis ${a} of z${fmtShape(t.shape)}, got ${describe(k)}`)
  const split = [...t.shape.slice(0, a), n / k, k, ...t.shape.slice(a + 1)]
  return max(reshape(t, split), { axis: a + 1 })
}
