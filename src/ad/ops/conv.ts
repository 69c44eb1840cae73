/**
 * Convolution and pooling. `conv` binds the one `conv` primitive (canonical
 * layout NHWC/HWIO; other layouts are transposes around it), whose VJPs are
 * convolutions themselves (`../rules/derivatives.ts`). `maxPool` and
 * `avgPool` are composed: the padded input's windows are gathered along each
 * spatial axis and reduced with `max` or `sum`, so they are exact and their
 * derivatives are those of pad, gather, max and sum.
 */
import { describe, isArray, optionsOf } from '../../core/check.js'
import { isFloat } from '../../core/dtype.js'
import { TensorError, fmtShape } from '../../core/errors.js'
import { type Tensor, fromTypedArray, tensorArg } from '../../core/tensor.js'
import { type ConvParams, dilated } from '../primitives.js'
import { bind } from '../trace.js'
import { cast, coerce2, div } from './elementwise.js'
import { max, sum } from './reduce.js'
import { gather, pad, transpose } from './shape.js'

/**
 * Padding of the spatial axes: `'SAME'` (output ⌈input/stride⌉, the extra
 * padding after, as JAX), `'VALID'` (none), or one `[low, high]` pair per
 * spatial axis. @since 0.2.0
 */
export type ConvPadding = 'SAME' | 'VALID' | readonly (readonly [number, number])[]

/**
 * Options of {@link conv}; each spatial option is one integer for every
 * spatial axis or one per axis. @since 0.2.0
 */
export interface ConvOptions {
  /** `window_strides`; default 1. */
  readonly strides?: number | readonly number[]
  /** `padding`; default `'SAME'` (flax.linen.Conv's default). */
  readonly padding?: ConvPadding
  /** `lhs_dilation` (a transposed convolution's stride); default 1. */
  readonly lhsDilation?: number | readonly number[]
  /** `rhs_dilation` (atrous convolution); default 1. */
  readonly rhsDilation?: number | readonly number[]
  /** `feature_group_count`; default 1. Equal to the input channels: a depthwise convolution. */
  readonly featureGroupCount?: number
  /**
   * `dimension_numbers`, as the lhs spec for any number of spatial axes:
   * `'NHWC'` (default: lhs `[N, ...spatial, C]`, rhs `[...window, I, O]`,
   * output `[N, ...spatial, O]`) or `'NCHW'` (lhs `[N, C, ...spatial]`, rhs
   * `[O, I, ...window]`, output `[N, O, ...spatial]`).
   */
  readonly dimensionNumbers?: 'NHWC' | 'NCHW'
}

/** Options of {@link maxPool}; as flax.linen's `max_pool`. @since 0.2.0 */
export interface PoolOptions {
  /** One integer for every spatial axis or one per axis; default 1. */
  readonly strides?: number | readonly number[]
  /** Default `'VALID'`. */
  readonly padding?: ConvPadding
}

/** Options of {@link avgPool}; as flax.linen's `avg_pool`. @since 0.2.0 */
export interface AvgPoolOptions extends PoolOptions {
  /** Whether padded elements count in each window's mean (default true, as flax). */
  readonly countIncludePad?: boolean
}

/** The conv primitive in the canonical layout (the rules' conv). @internal */
export const convP = (lhs: Tensor, rhs: Tensor, p: ConvParams): Tensor => bind('conv', [lhs, rhs], p)

const fmtPads = (pads: readonly (readonly [number, number])[]): string => `[${pads.map((q) => `[${q[0]},${q[1]}]`).join(',')}]`
const fmtList = (v: unknown): string => (isArray(v) ? `[${v.map((e) => (typeof e === 'number' ? String(e) : describe(e))).join(',')}]` : describe(v))

/** One positive integer per spatial axis from a number or an array. */
const perAxis = (op: string, arg: string, v: unknown, nsp: number): readonly number[] => {
  const ok = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1
  if (ok(v)) return Array<number>(nsp).fill(v)
  if (isArray(v) && v.length === nsp && v.every(ok)) return v
  throw new TensorError(op, `${arg} must be a positive integer or ${nsp} of them (one per spatial axis), got ${fmtList(v)}`)
}

/**
 * Explicit `[low, high]` pads from a padding option: JAX's `padtype_to_pads`
 * on the dilated input and window extents.
 */
const padsOf = (op: string, padding: unknown, inputs: readonly number[], windows: readonly number[], strides: readonly number[]): readonly (readonly [number, number])[] => {
  if (padding === 'VALID') return inputs.map(() => [0, 0] as const)
  if (padding === 'SAME') {
    return inputs.map((d, i) => {
      const out = Math.ceil(d / strides[i]!)
      const total = Math.max(0, (out - 1) * strides[i]! + windows[i]! - d)
      return [Math.floor(total / 2), total - Math.floor(total / 2)] as const
    })
  }
  const pair = (q: unknown): q is readonly [number, number] => isArray(q) && q.length === 2 && q.every((n) => Number.isSafeInteger(n))
  if (isArray(padding) && padding.length === inputs.length && padding.every(pair)) return padding
  const shown = isArray(padding) ? JSON.stringify(padding) : describe(padding)
  throw new TensorError(op, `padding must be 'SAME', 'VALID' or ${inputs.length} pairs [low, high] of integers (one per spatial axis), got ${shown}`)
}

/** The window must fit the padded input on every spatial axis. */
const checkFits = (op: string, inputs: readonly number[], windows: readonly number[], pads: readonly (readonly [number, number])[], shapes: string): void => {
  inputs.forEach((d, i) => {
    const padded = pads[i]![0] + d + pads[i]![1]
    if (windows[i]! > padded) throw new TensorError(op, `the window ${windows[i]} is larger than the padded input ${padded} on spatial axis ${i} (${shapes}, padding ${fmtPads(pads)})`)
  })
}

/**
 * The convolution of `lhs` with the filters `rhs`, as
 * `jax.lax.conv_general_dilated(lhs, rhs, window_strides, padding,
 * lhs_dilation, rhs_dilation, dimension_numbers, feature_group_count)` —
 * the options carry JAX's names in camelCase — for any number of spatial
 * axes (1-d, 2-d, 3-d, …). Like the `flax.linen.Conv` layer and TensorFlow
 * it is NHWC with HWIO filters by default (JAX's `lax` default is NCHW/OIHW:
 * pass `dimensionNumbers: 'NCHW'`), and its padding defaults to `'SAME'`.
 *
 * Output `[N, ...spatial′, O]` where, on each spatial axis,
 * `spatial′ = ⌊(low + (in − 1)·lhsDilation + 1 + high − ((k − 1)·rhsDilation + 1)) / stride⌋ + 1`.
 * With `featureGroupCount` G the C input channels split into G groups of C/G,
 * the filters are `[...window, C/G, O]`, and output channels `[g·O/G, (g+1)·O/G)`
 * read group g: G = C is a depthwise convolution. Operands are promoted to one
 * float dtype (integers to float32). Its derivatives are convolutions too
 * (transposed, dilated), so every order of derivative is available.
 * @example
 * import { conv, ones, tensor } from 'grad-ts'
 * const x = tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]]) // 1×3×3×1, NHWC
 * const w = ones([2, 2, 1, 1]) // 2×2 window, 1 in, 1 out (HWIO)
 * const y = conv(x, w, { padding: 'VALID' })
 * console.assert(y.shape.join() === '1,2,2,1' && y.toTypedArray().join() === '12,16,24,28')
 * console.assert(conv(x, w, { strides: 2 }).toTypedArray().join() === '12,9,15,9') // SAME: padding after
 * @since 0.2.0
 */
export const conv = (lhs: Tensor, rhs: Tensor, options: ConvOptions = {}): Tensor => {
  tensorArg('conv', 'lhs', lhs)
  tensorArg('conv', 'rhs', rhs)
  const o = optionsOf('conv', options)
  const layout: unknown = o.dimensionNumbers ?? 'NHWC'
  if (layout !== 'NHWC' && layout !== 'NCHW') throw new TensorError('conv', `dimensionNumbers must be 'NHWC' or 'NCHW', got ${describe(layout)}`)
  const [filt, inSpec] = layout === 'NHWC' ? ['HWIO', 'NHWC'] : ['OIHW', 'NCHW']
  const shapes = `lhs ${fmtShape(lhs.shape)} (${inSpec}), rhs ${fmtShape(rhs.shape)} (${filt})`
  if (lhs.rank < 3 || rhs.rank !== lhs.rank) throw new TensorError('conv', `needs lhs and rhs of one rank ≥ 3 (batch, spatial axes, channels), got ${shapes}`)
  const r = lhs.rank
  const nsp = r - 2
  const spatialAxes = Array.from({ length: nsp }, (_, i) => i + 1)
  const [x, w] = coerce2('conv', lhs, rhs, 'float')
  // The canonical layout: lhs [N, ...spatial, C], rhs [...window, I, O].
  const xc = layout === 'NHWC' ? x : transpose(x, [0, ...spatialAxes.map((a) => a + 1), 1])
  const wc = layout === 'NHWC' ? w : transpose(w, [...spatialAxes.map((a) => a + 1), 1, 0])
  const spatial = xc.shape.slice(1, -1)
  const window = wc.shape.slice(0, nsp)
  const [c, i, out] = [xc.shape[r - 1]!, wc.shape[nsp]!, wc.shape[nsp + 1]!]
  const strides = perAxis('conv', 'strides', o.strides ?? 1, nsp)
  const lhsDilation = perAxis('conv', 'lhsDilation', o.lhsDilation ?? 1, nsp)
  const rhsDilation = perAxis('conv', 'rhsDilation', o.rhsDilation ?? 1, nsp)
  const groups = o.featureGroupCount ?? 1
  if (!Number.isSafeInteger(groups) || groups < 1) throw new TensorError('conv', `featureGroupCount must be a positive integer, got ${describe(groups)}`)
  if (c % groups !== 0) throw new TensorError('conv', `featureGroupCount ${groups} does not divide the ${c} input channels of ${shapes}`)
  if (out % groups !== 0) throw new TensorError('conv', `featureGroupCount ${groups} does not divide the ${out} output channels of ${shapes}`)
  if (i * groups !== c) throw new TensorError('conv', `lhs has ${c} input channels but rhs takes ${i} per group × ${groups} group${groups === 1 ? '' : 's'} = ${i * groups} (${shapes})`)
  if (window.some((k) => k === 0)) throw new TensorError('conv', `the window must not be empty, got ${fmtShape(window)} (${shapes})`)
  const dilatedIn = spatial.map((d, a) => dilated(d, lhsDilation[a]!))
  const dilatedWindow = window.map((k, a) => dilated(k, rhsDilation[a]!))
  const padding = padsOf('conv', o.padding ?? 'SAME', dilatedIn, dilatedWindow, strides)
  checkFits('conv', dilatedIn, dilatedWindow, padding, shapes)
  const y = convP(xc, wc, { strides, padding, lhsDilation, rhsDilation, featureGroupCount: groups })
  return layout === 'NHWC' ? y : transpose(y, [0, r - 1, ...spatialAxes])
}

// ---------------------------------------------------------------- pooling

interface Windows {
  /** The input, padded with `fill`, with each spatial axis a replaced by (out_a, window_a): `[...batch, o0, k0, o1, k1, …, C]`. */
  readonly windows: Tensor
  /** The window axes of `windows`. */
  readonly axes: readonly number[]
  readonly pads: readonly (readonly [number, number])[]
  readonly strides: readonly number[]
  readonly first: number
}

/** The windows of `x` (spatial axes just before the last, as flax's pooling), gathered from the padded input. */
const windowsOf = (op: string, x: Tensor, windowShape: readonly number[], options: PoolOptions, fill: number): Windows => {
  tensorArg(op, 'x', x)
  const o = optionsOf(op, options)
  if (!isArray(windowShape) || windowShape.length === 0) throw new TensorError(op, `windowShape must be a non-empty array of positive integers, got ${fmtList(windowShape)}`)
  const nsp = windowShape.length
  const window = perAxis(op, 'windowShape', windowShape, nsp)
  if (x.rank < nsp + 1) throw new TensorError(op, `x ${fmtShape(x.shape)} needs ${nsp} spatial axes and a feature axis for windowShape ${fmtShape(window)}`)
  const first = x.rank - 1 - nsp
  const spatial = x.shape.slice(first, -1)
  const strides = perAxis(op, 'strides', o.strides ?? 1, nsp)
  const pads = padsOf(op, o.padding ?? 'VALID', spatial, window, strides)
  if (pads.some((q) => q[0] < 0 || q[1] < 0)) throw new TensorError(op, `padding must not be negative, got ${fmtPads(pads)}`)
  checkFits(op, spatial, window, pads, `x ${fmtShape(x.shape)}, windowShape ${fmtShape(window)}`)
  const padded = pad(x, x.shape.map((_, a) => (a >= first && a < x.rank - 1 ? pads[a - first]! : ([0, 0] as const))), { constantValues: fill })
  let windows = padded
  for (let a = 0; a < nsp; a++) {
    const size = pads[a]![0] + spatial[a]! + pads[a]![1]
    const out = Math.floor((size - window[a]!) / strides[a]!) + 1
    const idx = new Int32Array(out * window[a]!)
    for (let q = 0; q < out; q++) for (let k = 0; k < window[a]!; k++) idx[q * window[a]! + k] = q * strides[a]! + k
    windows = gather(windows, fromTypedArray(idx, [out, window[a]!]), { axis: first + 2 * a })
  }
  return { windows, axes: window.map((_, a) => first + 2 * a + 1), pads, strides, first }
}

/**
 * The maximum over each window of the spatial axes of `x`, as
 * `flax.linen.max_pool(x, window_shape, strides, padding)`: `x` is
 * `[...batch, ...spatial, features]` with one spatial axis per entry of
 * `windowShape`; strides default to 1 and padding to `'VALID'` (padded
 * elements are −∞, so they never win). Its gradient goes to the window's
 * maximum; a tie shares it equally (JAX's `reduce_window` gradient picks one).
 * @example
 * import { maxPool, tensor } from 'grad-ts'
 * const x = tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]]) // 1×3×3×1
 * console.assert(maxPool(x, [2, 2]).toTypedArray().join() === '5,6,8,9')
 * console.assert(maxPool(x, [2, 2], { strides: 2, padding: 'SAME' }).toTypedArray().join() === '5,6,8,9')
 * @since 0.2.0
 */
export const maxPool = (x: Tensor, windowShape: readonly number[], options: PoolOptions = {}): Tensor => {
  const t = tensorArg('maxPool', 'x', x)
  if (t.dtype === 'bool') throw new TensorError('maxPool', 'x must be numeric, got bool')
  const fill = t.dtype === 'int32' ? -2147483648 : -Infinity
  const { windows, axes } = windowsOf('maxPool', x, windowShape, options, fill)
  return max(windows, { axis: axes })
}

/**
 * The mean over each window of the spatial axes of `x`, as
 * `flax.linen.avg_pool(x, window_shape, strides, padding, count_include_pad)`:
 * `x` is `[...batch, ...spatial, features]`; strides default to 1, padding
 * to `'VALID'`, and padded zeros count in the mean unless `countIncludePad`
 * is false. Integer inputs are averaged in float32.
 * @example
 * import { avgPool, tensor } from 'grad-ts'
 * const x = tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]]) // 1×3×3×1
 * console.assert(avgPool(x, [2, 2]).toTypedArray().join() === '3,4,6,7')
 * console.assert(avgPool(x, [2, 2], { strides: 2, padding: 'SAME' }).toTypedArray().join() === '3,2.25,3.75,2.25')
 * console.assert(avgPool(x, [2, 2], { strides: 2, padding: 'SAME', countIncludePad: false }).toTypedArray().join() === '3,4.5,7.5,9')
 * @since 0.2.0
 */
export const avgPool = (x: Tensor, windowShape: readonly number[], options: AvgPoolOptions = {}): Tensor => {
  const t = tensorArg('avgPool', 'x', x)
  const xf = isFloat(t.dtype) ? t : cast(t, 'float32')
  const { countIncludePad = true } = optionsOf('avgPool', options)
  if (typeof countIncludePad !== 'boolean') throw new TensorError('avgPool', `countIncludePad must be a boolean, got ${describe(countIncludePad)}`)
  const { windows, axes, pads, strides, first } = windowsOf('avgPool', xf, windowShape, options, 0)
  const sums = sum(windows, { axis: axes })
  if (countIncludePad) return div(sums, windowShape.reduce((p, k) => p * k, 1))
  // How many elements of the unpadded input each window holds (a constant), broadcast over batch and features.
  const spatial = t.shape.slice(first, -1)
  const outs = sums.shape.slice(first, -1)
  const perAxisCounts = outs.map((n, a) => Array.from({ length: n }, (_, q) => {
    const lo = q * strides[a]! - pads[a]![0]
    return Math.min(lo + windowShape[a]!, spatial[a]!) - Math.max(lo, 0)
  }))
  const counts = new Float64Array(outs.reduce((p, n) => p * n, 1))
  counts.forEach((_, flat) => {
    let rest = flat
    let prod = 1
    for (let a = outs.length - 1; a >= 0; a--) {
      prod *= perAxisCounts[a]![rest % outs[a]!]!
      rest = Math.floor(rest / outs[a]!)
    }
    counts[flat] = prod
  })
  return div(sums, cast(fromTypedArray(counts, [...outs, 1]), xf.dtype))
}
