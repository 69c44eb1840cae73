/**
 * Composite ops: built from primitives only, so they never need rules of
 * their own and are differentiable to every order for free.
 */
import { TensorError, fmtShape } from '../../core/errors.js'
import { normAxes, normAxis } from '../../core/shape.js'
import { type Tensor, arange } from '../../core/tensor.js'
import { type TensorLike, add, cast, div, equal, exp, log, maximum, minimum, mul, neg, sqrt, stopGradient, sub, where } from './elementwise.js'
import { expandDims, gather, reshape } from './shape.js'
import { type ReduceOptions, max, sum } from './reduce.js'

/**
 * Mean over axes (all by default).
 * @example
 * import { mean, tensor } from 'grad-ts'
 * console.assert(mean(tensor([[1, 2], [3, 4]]), { axis: 0 }).toTypedArray().join() === '2,3')
 * @since 0.1.0
 */
export const mean = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  const axes = normAxes('mean', options.axis, x.rank)
  const n = axes.reduce((k, a) => k * x.shape[a]!, 1)
  return div(sum(x, options), n)
}

/**
 * `x²` elementwise.
 * @example
 * import { square, tensor } from 'grad-ts'
 * console.assert(square(tensor([-3])).item() === 9)
 * @since 0.1.0
 */
export const square = (x: Tensor): Tensor => mul(x, x)

/**
 * `log Σ exp(x)` over an axis (default: the last), stable for large |x|: the
 * maximum is subtracted first (as a constant, so gradients stay exact).
 * @example
 * import { logSumExp, tensor } from 'grad-ts'
 * console.assert(logSumExp(tensor([1e4, 1e4], 'float64')).item() === 1e4 + Math.log(2))
 * @since 0.1.0
 */
export const logSumExp = (x: Tensor, axis = -1, keepdims = false): Tensor => {
  const a = normAxis('logSumExp', axis, x.rank)
  const m = stopGradient(max(x, { axis: a, keepdims: true }))
  // Rows whose maximum is ±∞ shift by 0 instead, so exp(x − m) is never ∞ − ∞.
  const shift = where(isFiniteT(m), m, 0)
  const out = add(log(sum(exp(sub(x, shift)), { axis: a, keepdims: true })), shift)
  return keepdims ? out : reshape(out, x.shape.filter((_, i) => i !== a))
}
const isFiniteT = (x: Tensor): Tensor => equal(sub(x, x), 0)

/**
 * `x − logSumExp(x)` over an axis: log-probabilities, stable for logits of ±1e4.
 * @example
 * import { logSoftmax, exp, sum, tensor } from 'grad-ts'
 * const lp = logSoftmax(tensor([1, 2, 3], 'float64'))
 * console.assert(Math.abs(sum(exp(lp)).item() - 1) < 1e-15)
 * @since 0.1.0
 */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => sub(x, logSumExp(x, axis, true))

/**
 * `exp(x) / Σ exp(x)` over an axis (default: the last), stable for large logits.
 * @example
 * import { softmax, tensor } from 'grad-ts'
 * console.assert(softmax(tensor([1e4, 1e4])).toTypedArray().join() === '0.5,0.5')
 * @since 0.1.0
 */
export const softmax = (x: Tensor, axis = -1): Tensor => {
  const e = exp(sub(x, stopGradient(max(x, { axis, keepdims: true }))))
  return div(e, sum(e, { axis, keepdims: true }))
}

/**
 * One-hot rows for int32 class indices: shape `[...labels.shape, classes]`.
 * @example
 * import { oneHot, tensor } from 'grad-ts'
 * console.assert(oneHot(tensor([2, 0], 'int32'), 3).toTypedArray().join() === '0,0,1,1,0,0')
 * @since 0.1.0
 */
export const oneHot = (labels: Tensor, classes: number, dtype: 'float32' | 'float64' = 'float32'): Tensor => {
  if (labels.dtype !== 'int32') throw new TensorError('oneHot', `labels must be int32, got ${labels.dtype}`)
  return cast(equal(expandDims(labels, -1), arange(0, classes, 1, 'int32')), dtype)
}

/**
 * Mean softmax cross-entropy between logits `[..., C]` and either int32 class
 * labels `[...]` or target distributions `[..., C]`. Computed through
 * `logSoftmax`, so logits of ±1e4 give finite losses and gradients.
 * @example
 * import { softmaxCrossEntropy, tensor } from 'grad-ts'
 * const loss = softmaxCrossEntropy(tensor([[1e4, -1e4]]), tensor([1], 'int32'))
 * console.assert(loss.item() === 2e4)
 * @since 0.1.0
 */
export const softmaxCrossEntropy = (logits: Tensor, labels: Tensor): Tensor => {
  const lp = logSoftmax(logits, -1)
  if (labels.dtype === 'int32') {
    if (labels.rank !== logits.rank - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
      throw new TensorError('softmaxCrossEntropy', `labels ${fmtShape(labels.shape)} must be the logits' ${fmtShape(logits.shape)} without the class axis`)
    }
    const C = logits.shape[logits.rank - 1]!
    const flat = reshape(lp, [-1, C])
    const rows = flat.shape[0]!
    // Pick each row's log-probability at its label: gather on the flattened [rows·C] vector.
    const idx = add(mul(arange(0, rows, 1, 'int32'), C), reshape(labels, [rows]))
    return neg(mean(gather(reshape(flat, [rows * C]), idx)))
  }
  if (labels.rank !== logits.rank || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new TensorError('softmaxCrossEntropy', `target distributions ${fmtShape(labels.shape)} must match the logits ${fmtShape(logits.shape)}`)
  }
  return neg(mean(sum(mul(labels, lp), { axis: -1 })))
}

/**
 * Mean squared error `mean((a − b)²)`.
 * @example
 * import { mse, tensor } from 'grad-ts'
 * console.assert(mse(tensor([1, 2]), tensor([1, 4])).item() === 2)
 * @since 0.1.0
 */
export const mse = (a: Tensor, b: TensorLike): Tensor => mean(square(sub(a, b)))

/**
 * Clamps into `[lo, hi]`.
 * @example
 * import { clip, tensor } from 'grad-ts'
 * console.assert(clip(tensor([-2, 0.5, 3]), 0, 1).toTypedArray().join() === '0,0.5,1')
 * @since 0.1.0
 */
export const clip = (x: Tensor, lo: TensorLike, hi: TensorLike): Tensor => minimum(maximum(x, lo), hi)

/**
 * The Euclidean (L2) norm over axes (all by default). Its gradient at 0 is 0,
 * not NaN: the square root only ever sees positive values.
 * @example
 * import { norm, tensor } from 'grad-ts'
 * console.assert(norm(tensor([3, 4])).item() === 5)
 * console.assert(norm(tensor([[3, 4], [6, 8]]), { axis: 1 }).toTypedArray().join() === '5,10')
 * @since 0.1.0
 */
export const norm = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  const s = sum(mul(x, x), options)
  const zero = equal(s, 0)
  return where(zero, 0, sqrt(where(zero, 1, s)))
}
