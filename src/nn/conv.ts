/**
 * Convolutional layers as plain functions over parameter trees, after
 * flax.linen's `Conv`: `initConv` draws `{ w, b }` (HWIO filters, zero bias)
 * from a key; `applyConv` is the `conv` op plus the bias. Parameters are
 * values: nothing is stored in a layer and nothing is mutated.
 */
import { describe, isArray, optionsOf } from '../core/check.js'
import type { FloatDType } from '../core/dtype.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { type Tensor, tensorArg, zeros } from '../core/tensor.js'
import { type ConvOptions, conv } from '../ad/ops/conv.js'
import { add, mul } from '../ad/ops/elementwise.js'
import type { Random } from '../random/random.js'
import * as R from '../random/random.js'
import { type Initializer, initStddev } from './mlp.js'

/**
 * Parameters of one convolutional layer: filters `w` in HWIO layout
 * `[...window, inChannels / featureGroupCount, outChannels]` (flax's `kernel`)
 * and a bias `b` `[outChannels]` (flax's `bias`). @since 0.2.0
 */
// A type alias, not an interface: an interface has no index signature, so it is not a `Tree`.
export type Conv = {
  readonly w: Tensor
  readonly b: Tensor
}

/** Options of {@link initConv}: the layer's shape (flax's `kernel_size` and `features`), its initialiser and dtype. @since 0.2.0 */
export interface InitConvOptions {
  /** The filter window, one positive size per spatial axis (flax's `kernel_size`): `[5, 5]` for 2-d, `[3]` for 1-d. */
  readonly window: readonly number[]
  /** Channels of the layer's input (flax infers them from the input; here they are given). */
  readonly inChannels: number
  /** Channels of the layer's output (flax's `features`). */
  readonly outChannels: number
  /** `feature_group_count`: must divide both channel counts; default 1. */
  readonly featureGroupCount?: number
  /** N(0, σ²) with σ² = 1/fan_in (`'normal'`, the default), 2/(fan_in + fan_out) (`'glorot'`) or 2/fan_in (`'he'`). */
  readonly init?: Initializer
  /** Default `'float32'`. */
  readonly dtype?: FloatDType
}

const INITIALIZERS: readonly unknown[] = ['normal', 'glorot', 'he']

const positive = (op: string, arg: string, v: unknown): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new TensorError(op, `${arg} must be a positive integer, got ${describe(v)}`)
  return v as number
}

/**
 * The fans of an HWIO filter bank as `jax.nn.initializers.variance_scaling`
 * computes them (`_compute_fans` with in_axis −2, out_axis −1): the receptive
 * field is the window's size, fan_in = field·(inChannels / groups) and
 * fan_out = field·outChannels.
 */
const fansOf = (window: readonly number[], inPerGroup: number, out: number): readonly [number, number] => {
  const field = window.reduce((a, k) => a * k, 1)
  return [field * inPerGroup, field * out]
}

/**
 * Draws a convolutional layer: filters `[...window, inChannels / G,
 * outChannels]` (HWIO, flax's `Conv` kernel layout) from N(0, σ²), σ by the
 * initialiser from the fans JAX's `variance_scaling` computes — the receptive
 * field is prod(window), fan_in = prod(window)·inChannels/G, fan_out =
 * prod(window)·outChannels — and a zero bias `[outChannels]`. Any number of
 * spatial axes. Options are checked here, when the layer is made.
 *
 * Deviation: flax's default `lecun_normal` is a *truncated* normal scaled to
 * variance 1/fan_in; `'normal'` here is the untruncated N(0, 1/fan_in), as
 * {@link dense} draws.
 * @example
 * import { nn, random } from 'grad-ts'
 * const layer = random.evaluate(random.key(0))(nn.initConv({ window: [5, 5], inChannels: 3, outChannels: 16 }))
 * console.assert(layer.w.shape.join() === '5,5,3,16' && layer.b.shape.join() === '16')
 * // Depthwise: 8 groups of one input channel each.
 * const dw = random.evaluate(random.key(1))(nn.initConv({ window: [3], inChannels: 8, outChannels: 8, featureGroupCount: 8, init: 'he' }))
 * console.assert(dw.w.shape.join() === '3,1,8')
 * @since 0.2.0
 */
export const initConv = (options: InitConvOptions): Random<Conv> => {
  const op = 'initConv'
  const o = optionsOf(op, options)
  const window: unknown = o.window
  if (!isArray(window) || window.length === 0 || !window.every((k) => Number.isSafeInteger(k) && (k as number) >= 1)) {
    const shown = isArray(window) ? `[${window.map((k) => (typeof k === 'number' ? String(k) : describe(k))).join(',')}]` : describe(window)
    throw new TensorError(op, `window must be a non-empty array of positive integers (one per spatial axis), got ${shown}`)
  }
  const inChannels = positive(op, 'inChannels', o.inChannels)
  const outChannels = positive(op, 'outChannels', o.outChannels)
  const groups = positive(op, 'featureGroupCount', o.featureGroupCount ?? 1)
  if (inChannels % groups !== 0) throw new TensorError(op, `featureGroupCount ${groups} does not divide inChannels ${inChannels}`)
  if (outChannels % groups !== 0) throw new TensorError(op, `featureGroupCount ${groups} does not divide outChannels ${outChannels}`)
  const init = o.init ?? 'normal'
  if (!INITIALIZERS.includes(init)) throw new TensorError(op, `init must be 'normal', 'glorot' or 'he', got ${describe(init)}`)
  const dtype = o.dtype ?? 'float32'
  const givenDType: unknown = dtype
  if (givenDType !== 'float32' && givenDType !== 'float64') throw new TensorError(op, `dtype must be 'float32' or 'float64', got ${describe(dtype)}`)
  const inPerGroup = inChannels / groups
  const [fanIn, fanOut] = fansOf(window as readonly number[], inPerGroup, outChannels)
  const s = initStddev(init, fanIn, fanOut)
  const shape = [...(window as readonly number[]), inPerGroup, outChannels]
  return R.map((w: Tensor): Conv => ({ w: mul(w, s), b: zeros([outChannels], dtype) }))(R.normalR(shape, dtype))
}

/**
 * A convolutional layer's output `conv(x, w, options) + b`: `x` is NHWC
 * (`[N, ...spatial, inChannels]`), the result `[N, ...spatial′, outChannels]`.
 * The options are {@link conv}'s (`strides`, `padding` — default `'SAME'`, as
 * flax's `Conv` —, `lhsDilation`, `rhsDilation`, `featureGroupCount`, which
 * must match the layer's); `dimensionNumbers` may only be `'NHWC'`, since the
 * layer's filters are HWIO (for NCHW maps, transpose around the layer).
 * @example
 * import { nn, random, ones } from 'grad-ts'
 * const layer = random.evaluate(random.key(0))(nn.initConv({ window: [3, 3], inChannels: 1, outChannels: 4 }))
 * const y = nn.applyConv(layer, ones([2, 8, 8, 1]))
 * console.assert(y.shape.join() === '2,8,8,4')
 * console.assert(nn.applyConv(layer, ones([2, 8, 8, 1]), { strides: 2, padding: 'VALID' }).shape.join() === '2,3,3,4')
 * @since 0.2.0
 */
export const applyConv = (layer: Conv, x: Tensor, options: ConvOptions = {}): Tensor => {
  const op = 'applyConv'
  const o = optionsOf(op, options)
  const given: unknown = layer
  if (typeof given !== 'object' || given === null) throw new TensorError(op, `layer must be { w, b }, got ${describe(layer)}`)
  const w = tensorArg(op, 'layer.w', layer.w)
  const b = tensorArg(op, 'layer.b', layer.b)
  tensorArg(op, 'x', x)
  const layout: unknown = o.dimensionNumbers ?? 'NHWC'
  if (layout !== 'NHWC') throw new TensorError(op, `dimensionNumbers must be 'NHWC' (the layer's filters are HWIO), got ${describe(layout)}`)
  if (w.rank < 3) throw new TensorError(op, `layer.w must be HWIO filters [...window, in, out] of rank ≥ 3, got ${fmtShape(w.shape)}`)
  const out = w.shape[w.rank - 1]!
  if (b.rank !== 1 || b.shape[0] !== out) throw new TensorError(op, `layer.b${fmtShape(b.shape)} must have the shape [${out}] of layer.w${fmtShape(w.shape)}'s output channels`)
  return add(conv(x, w, o), b)
}
