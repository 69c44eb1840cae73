/**
 * Composite ops: built from primitives only, so they never need rules of
 * their own and are differentiable to every order for free.
 */
import { TensorError, fmtShape } from '../../core/errors.js'
import { type AxisOptions, broadcastShapes, checkSize, normAxes } from '../../core/shape.js'
import { type Tensor, arange, elementsIfConcrete, tensorArg, zeros } from '../../core/tensor.js'
import { describe, optionsOf } from '../../core/check.js'
import { isFloat, promote } from '../../core/dtype.js'
import { type TensorLike, abs, add, asTensor, coerce2, cast, div, equal, exp, floatUnary, log, maximum, minimum, mul, neg, sqrt, stopGradient, sub, where } from './elementwise.js'
import { softplus } from './activations.js'
import { expandDims, reshape } from './shape.js'
import { type ReduceOptions, axesOf, max, sum } from './reduce.js'

/**
 * Mean over axes (all by default).
 * @example
 * import { mean, tensor } from 'grad-ts'
 * console.assert(mean(tensor([[1, 2], [3, 4]]), { axis: 0 }).toTypedArray().join() === '2,3')
 * @since 0.1.0
 */
export const mean = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  const { axes } = axesOf('mean', x, options)
  const n = axes.reduce((k, a) => k * x.shape[a]!, 1)
  if (isFloat(x.dtype)) return div(sum(x, options), n)
  // Integers average to float32, as in jnp.mean, but summed in float64 (exact for int32): an int32 sum
  // would wrap, and rounding each element to float32 first would lose their low bits.
  return cast(div(sum(cast(x, 'float64'), options), n), 'float32')
}

/**
 * `x²` elementwise.
 * @example
 * import { square, tensor } from 'grad-ts'
 * console.assert(square(tensor([-3])).item() === 9)
 * @since 0.1.0
 */
export const square = (x: Tensor): Tensor => mul(tensorArg('square', 'x', x), x)

/**
 * `1/√x` elementwise, as `jax.lax.rsqrt` — composed as `1 / sqrt(x)`, so a
 * float32 result may be an ulp from the correctly rounded one.
 * @example
 * import { rsqrt, tensor } from 'grad-ts'
 * console.assert(rsqrt(tensor([4, 0.25])).toTypedArray().join() === '0.5,2')
 * @since 0.2.0
 */
export const rsqrt = (x: TensorLike): Tensor => div(1, sqrt(floatUnary('rsqrt', x)))

/**
 * `log Σ exp(x)` over axes (all by default, as `jax.nn.logsumexp`), stable for
 * large |x|: the maximum is subtracted first (as a constant, so gradients stay
 * exact). An empty axis gives −∞.
 * @example
 * import { logSumExp, tensor } from 'grad-ts'
 * console.assert(logSumExp(tensor([1e4, 1e4], 'float64')).item() === 1e4 + Math.log(2))
 * console.assert(logSumExp(tensor([[0, 0], [1, 1]], 'float64'), { axis: 1 }).toTypedArray()[1] === 1 + Math.log(2))
 * @since 0.1.0
 */
export const logSumExp = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  const { axes, keepdims } = axesOf('logSumExp', x, options)
  return logSumExpOver(x, axes, keepdims)
}

const logSumExpOver = (x0: Tensor, axes: readonly number[], keepdims: boolean): Tensor => {
  const x = asFloat(x0)
  const reduced = x.shape.filter((_, i) => !axes.includes(i))
  // An empty axis sums nothing: log 0 = −∞, with no maximum to subtract (as JAX's logsumexp).
  if (axes.some((a) => x.shape[a] === 0)) {
    const out = log(sum(exp(x), { axis: axes, keepdims: true }))
    return keepdims ? out : reshape(out, reduced)
  }
  const m = stopGradient(max(x, { axis: axes, keepdims: true }))
  // Rows whose maximum is ±∞ shift by 0 instead, so exp(x − m) is never ∞ − ∞.
  const shift = where(isFiniteT(m), m, 0)
  const out = add(log(sum(exp(sub(x, shift)), { axis: axes, keepdims: true })), shift)
  return keepdims ? out : reshape(out, reduced)
}
const isFiniteT = (x: Tensor): Tensor => equal(sub(x, x), 0)
/** Integer and bool tensors as float32 (the float functions compute in floats, as in jax.nn). */
const asFloat = (x: Tensor): Tensor => (isFloat(x.dtype) ? x : cast(x, 'float32'))

/** The axes of softmax-like ops: the last by default, as in `jax.nn.softmax`. */
const softmaxAxes = (op: string, x: Tensor, options: AxisOptions): number[] => {
  const { axis = -1 } = optionsOf(op, options)
  return normAxes(op, axis, tensorArg(op, 'x', x).rank)
}

/**
 * `x − logSumExp(x)` over axes (default: the last), as `jax.nn.log_softmax`:
 * log-probabilities, stable for logits of ±1e4.
 * @example
 * import { logSoftmax, exp, sum, tensor } from 'grad-ts'
 * const lp = logSoftmax(tensor([1, 2, 3], 'float64'))
 * console.assert(Math.abs(sum(exp(lp)).item() - 1) < 1e-15)
 * @since 0.1.0
 */
export const logSoftmax = (x: Tensor, options: AxisOptions = {}): Tensor => sub(asFloat(x), logSumExpOver(x, softmaxAxes('logSoftmax', x, options), true))

/**
 * `exp(x) / Σ exp(x)` over axes (default: the last), as `jax.nn.softmax`,
 * stable for large logits. An empty axis gives an empty result.
 * @example
 * import { softmax, tensor } from 'grad-ts'
 * console.assert(softmax(tensor([1e4, 1e4])).toTypedArray().join() === '0.5,0.5')
 * console.assert(softmax(tensor([[0, 0], [0, 0]]), { axis: 0 }).toTypedArray().join() === '0.5,0.5,0.5,0.5')
 * @since 0.1.0
 */
export const softmax = (x0: Tensor, options: AxisOptions = {}): Tensor => {
  const axes = softmaxAxes('softmax', x0, options)
  const x = asFloat(x0)
  // An empty axis has nothing to normalise (and no maximum): the result is empty too.
  const e = exp(axes.some((a) => x.shape[a] === 0) ? x : sub(x, stopGradient(max(x, { axis: axes, keepdims: true }))))
  return div(e, sum(e, { axis: axes, keepdims: true }))
}

/** The first label outside `[0, classes)`, described, or undefined (also when the labels have no values yet: inside vmap or evalShape). */
const badLabel = (labels: Tensor, classes: number, what: (flat: number) => string): string | undefined => {
  const data = elementsIfConcrete(labels)
  const at = data?.findIndex((v) => v < 0 || v >= classes) ?? -1
  return at < 0 ? undefined : `${what(at)} is ${data![at]}, outside the ${classes} classes [0, ${classes})`
}

/** `labels[i][j]` for a flat index of a tensor of `shape`. */
const indexPath = (shape: readonly number[], flat: number): string => {
  const idx: number[] = []
  for (let d = shape.length - 1, r = flat; d >= 0; d--) {
    idx.unshift(r % shape[d]!)
    r = Math.floor(r / shape[d]!)
  }
  return idx.map((i) => `[${i}]`).join('')
}

/** The bool mask `[..., C]` of each label's class; labels checked against `[0, C)` under the name `op`. */
const classMask = (op: string, labels: Tensor, classes: number, what: (flat: number) => string): Tensor => {
  const bad = badLabel(labels, classes, what)
  if (bad !== undefined) throw new TensorError(op, bad)
  return equal(expandDims(labels, { axis: -1 }), arange(0, classes, 1, 'int32'))
}

const isFloatName = (d: unknown): boolean => d === 'float32' || d === 'float64'

/**
 * One-hot rows for int32 class indices: shape `[...labels.shape, classes]`.
 * `classes` must be a non-negative integer and every label must lie in
 * `[0, classes)`. (JAX's `one_hot` gives an all-zero row for a label out of
 * range; grad-ts refuses it, since such a label is almost always a bug.)
 * @example
 * import { oneHot, tensor } from 'grad-ts'
 * console.assert(oneHot(tensor([2, 0], 'int32'), 3).toTypedArray().join() === '0,0,1,1,0,0')
 * @since 0.1.0
 */
export const oneHot = (labels: Tensor, classes: number, dtype: 'float32' | 'float64' = 'float32'): Tensor => {
  if (tensorArg('oneHot', 'labels', labels).dtype !== 'int32') throw new TensorError('oneHot', `labels must be int32, got ${labels.dtype}`)
  if (!Number.isSafeInteger(classes) || classes < 0) throw new TensorError('oneHot', `classes must be a non-negative integer, got ${describe(classes)}`)
  if (!isFloatName(dtype)) throw new TensorError('oneHot', `dtype must be 'float32' or 'float64', got ${describe(dtype)}`)
  const shape = [...labels.shape, classes]
  checkSize('oneHot', shape)
  if (labels.size === 0) return zeros(shape, dtype)
  return cast(classMask('oneHot', labels, classes, (i) => `labels${indexPath(labels.shape, i)}`), dtype)
}

/**
 * Mean softmax cross-entropy between logits `[..., C]` and either int32 class
 * labels `[...]` (each in `[0, C)`; a label out of range is an error naming
 * its row) or target distributions `[..., C]`. Computed through
 * `logSoftmax`, so logits of ±1e4 give finite losses and gradients.
 * @example
 * import { softmaxCrossEntropy, tensor } from 'grad-ts'
 * const loss = softmaxCrossEntropy(tensor([[1e4, -1e4]]), tensor([1], 'int32'))
 * console.assert(loss.item() === 2e4)
 * @since 0.1.0
 */
export const softmaxCrossEntropy = (logits: Tensor, labels: Tensor): Tensor => {
  const op = 'softmaxCrossEntropy'
  tensorArg(op, 'logits', logits)
  tensorArg(op, 'labels', labels)
  if (logits.rank === 0) throw new TensorError(op, 'logits must have a class axis, got a scalar')
  const lp = logSoftmax(logits)
  if (labels.dtype === 'int32') {
    if (labels.rank !== logits.rank - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
      throw new TensorError(op, `labels ${fmtShape(labels.shape)} must be the logits' ${fmtShape(logits.shape)} without the class axis`)
    }
    const C = logits.shape[logits.rank - 1]!
    const what = (i: number) => (labels.rank === 0 ? 'the label' : `the label of row ${indexPath(labels.shape, i)}`)
    // Each row's log-probability at its label; `where`, not a product with one-hot floats, so a −∞ elsewhere gives no NaN.
    return neg(mean(sum(where(classMask(op, labels, C, what), lp, 0), { axis: -1 })))
  }
  if (labels.rank !== logits.rank || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new TensorError(op, `target distributions ${fmtShape(labels.shape)} must match the logits ${fmtShape(logits.shape)}`)
  }
  return neg(mean(sum(mul(labels, lp), { axis: -1 })))
}

/**
 * Binary cross-entropy of logits and labels in [0, 1], elementwise, as
 * `optax.sigmoid_binary_cross_entropy(logits, labels)`:
 * `−z·log σ(x) − (1 − z)·log(1 − σ(x))`, computed stably as
 * `softplus(x) − x·z` (finite for logits of ±1e4). Like optax — and unlike
 * {@link softmaxCrossEntropy}, which averages — it returns the loss of each
 * element; take its `mean` for the usual scalar. Logits are float; labels
 * (float, int or bool) are cast to their dtype and broadcast against them.
 * @example
 * import { mean, sigmoidBinaryCrossEntropy, tensor } from 'grad-ts'
 * const l = sigmoidBinaryCrossEntropy(tensor([0, 1e4, -1e4], 'float64'), tensor([1, 1, 1], 'float64'))
 * console.assert(l.toTypedArray().join() === `${Math.LN2},0,10000`)
 * console.assert(mean(l).item() === (Math.LN2 + 1e4) / 3)
 * @since 0.2.0
 */
export const sigmoidBinaryCrossEntropy = (logits: Tensor, labels: TensorLike): Tensor => {
  const op = 'sigmoidBinaryCrossEntropy'
  if (!isFloat(tensorArg(op, 'logits', logits).dtype)) throw new TensorError(op, `logits must be float32 or float64, got ${logits.dtype}`)
  const z0 = asTensor(op, 'labels', labels, logits.dtype)
  const z = cast(z0, logits.dtype)
  broadcastShapes(logits.shape, z.shape, op)
  return sub(softplus(logits), mul(logits, z))
}

/**
 * Mean squared error `mean((a − b)²)`.
 * @example
 * import { mse, tensor } from 'grad-ts'
 * console.assert(mse(tensor([1, 2]), tensor([1, 4])).item() === 2)
 * @since 0.1.0
 */
export const mse = (a: Tensor, b: TensorLike): Tensor => {
  const [x, y] = coerce2('mse', tensorArg('mse', 'a', a), b)
  broadcastShapes(x.shape, y.shape, 'mse')
  return mean(square(sub(x, y)))
}

/**
 * Clamps into `[lo, hi]`.
 * @example
 * import { clip, tensor } from 'grad-ts'
 * console.assert(clip(tensor([-2, 0.5, 3]), 0, 1).toTypedArray().join() === '0,0.5,1')
 * @since 0.1.0
 */
export const clip = (x: Tensor, lo: TensorLike, hi: TensorLike): Tensor => {
  // Checked here so errors name clip; lo and hi stay weak, so each meets the dtype it meets in the ops below.
  const l = asTensor('clip', 'lo', lo, tensorArg('clip', 'x', x).dtype)
  const h = asTensor('clip', 'hi', hi, promote(x.dtype, l.dtype))
  broadcastShapes(broadcastShapes(x.shape, l.shape, 'clip'), h.shape, 'clip')
  return minimum(maximum(x, lo), hi)
}

/**
 * The Euclidean (L2) norm over axes (all by default). Like `hypot` and
 * LAPACK's `nrm2`, it scales by the largest magnitude before squaring, so
 * neither `[3e19, 4e19]` in float32 overflows nor `[3e-30, 4e-30]` underflows.
 * Its gradient at 0 is 0, not NaN: the square root only ever sees positive values.
 * @example
 * import { norm, tensor } from 'grad-ts'
 * console.assert(norm(tensor([3, 4])).item() === 5)
 * console.assert(norm(tensor([[3, 4], [6, 8]]), { axis: 1 }).toTypedArray().join() === '5,10')
 * console.assert(norm(tensor([3e19, 4e19])).item() === Math.fround(5e19))
 * @since 0.1.0
 */
export const norm = (x0: Tensor, options: ReduceOptions = {}): Tensor => {
  const { axes } = axesOf('norm', x0, options)
  const x = asFloat(x0)
  // An empty axis has norm 0 (and no maximum to scale by).
  if (axes.some((a) => x.shape[a] === 0)) return sum(mul(x, x), options)
  // m·√Σ(x/m)² equals ‖x‖ for every constant m > 0, so m carries no gradient.
  const m = stopGradient(max(abs(x), { axis: axes, keepdims: true }))
  const scale = where(isFiniteT(m), where(equal(m, 0), 1, m), 1)
  const s = sum(square(div(x, scale)), { axis: axes, keepdims: true })
  const zero = equal(s, 0)
  const n = mul(where(zero, 0, sqrt(where(zero, 1, s))), scale)
  // An infinite element makes the norm ∞ (x/∞ would be NaN); NaN stays NaN through max.
  const out = where(equal(m, Infinity), Infinity, n)
  return options.keepdims === true ? out : reshape(out, x.shape.filter((_, i) => !axes.includes(i)))
}
