/**
 * Reductions: sum, max and min over axes (with `keepdims`), and the
 * non-differentiable argmax/argmin.
 */
import { describe, isOptions } from '../../core/check.js'
import { TensorError } from '../../core/errors.js'
import { normAxes, normAxis } from '../../core/shape.js'
import { type Tensor, tensorArg } from '../../core/tensor.js'
import type { Axes } from '../primitives.js'
import { bind } from '../trace.js'

/** Which axes to reduce (all when omitted) and whether to keep them as size 1. @since 0.1.0 */
export interface ReduceOptions {
  readonly axis?: number | readonly number[]
  readonly keepdims?: boolean
}

/** The sum primitive over checked axes (the rules' sum). @internal */
export const sumP = (x: Tensor, p: Axes): Tensor => bind('sum', [x], p)
/** The reduced axes of `x` under `options`, checked and named after the function the user called. @internal */
export const axesOf = (op: string, x: Tensor, o: ReduceOptions): Axes => {
  tensorArg(op, 'x', x)
  const given: unknown = o
  if (!isOptions(given)) throw new TensorError(op, `options must be { axis?, keepdims? }, got ${describe(o)}`)
  if (o.keepdims !== undefined && typeof o.keepdims !== 'boolean') throw new TensorError(op, `keepdims must be a boolean, got ${describe(o.keepdims)}`)
  return { axes: normAxes(op, o.axis, x.rank), keepdims: o.keepdims ?? false }
}

/**
 * Sum over axes (all by default). Float32 sums accumulate in double precision.
 * @example
 * import { sum, tensor } from 'grad-ts'
 * const x = tensor([[1, 2], [3, 4]])
 * console.assert(sum(x).item() === 10)
 * console.assert(sum(x, { axis: 0 }).toTypedArray().join() === '4,6')
 * console.assert(sum(x, { axis: 1, keepdims: true }).shape.join() === '2,1')
 * @since 0.1.0
 */
export const sum = (x: Tensor, options: ReduceOptions = {}): Tensor => sumP(x, axesOf('sum', x, options))

/**
 * Maximum over axes (all by default); NaN propagates; ties share the gradient.
 * @example
 * import { max, tensor } from 'grad-ts'
 * console.assert(max(tensor([[1, 5], [7, 2]]), { axis: 1 }).toTypedArray().join() === '5,7')
 * @since 0.1.0
 */
export const max = (x: Tensor, options: ReduceOptions = {}): Tensor => bind('max', [x], axesOf('max', x, options))

/**
 * Minimum over axes (all by default); NaN propagates; ties share the gradient.
 * @example
 * import { min, tensor } from 'grad-ts'
 * console.assert(min(tensor([3, -1, 2])).item() === -1)
 * @since 0.1.0
 */
export const min = (x: Tensor, options: ReduceOptions = {}): Tensor => bind('min', [x], axesOf('min', x, options))

/**
 * Index of the maximum along an axis (default: the last), as int32; the first
 * one wins ties.
 * @example
 * import { argmax, tensor } from 'grad-ts'
 * console.assert(argmax(tensor([[1, 9, 3], [7, 2, 7]])).toTypedArray().join() === '1,0')
 * @since 0.1.0
 */
export const argmax = (x: Tensor, axis = -1): Tensor => bind('argmax', [x], { axis: normAxis('argmax', axis, tensorArg('argmax', 'x', x).rank) })

/**
 * Index of the minimum along an axis (default: the last), as int32.
 * @example
 * import { argmin, tensor } from 'grad-ts'
 * console.assert(argmin(tensor([4, 1, 3])).item() === 1)
 * @since 0.1.0
 */
export const argmin = (x: Tensor, axis = -1): Tensor => bind('argmin', [x], { axis: normAxis('argmin', axis, tensorArg('argmin', 'x', x).rank) })
