/**
 * Reductions: sum, max and min over axes (with `keepdims`), and the
 * non-differentiable argmax/argmin.
 */
import { describe, optionsOf } from '../../core/check.js'
import { TensorError } from '../../core/errors.js'
import { type AxisOptions, type OneAxisOptions, normAxes, oneAxisOf } from '../../core/shape.js'
import { type Tensor, tensorArg } from '../../core/tensor.js'
import type { Axes } from '../primitives.js'
import { bind } from '../trace.js'

export type { AxisOptions, OneAxisOptions } from '../../core/shape.js'

/** Which axes to reduce (all when omitted) and whether to keep them as size 1. @since 0.1.0 */
export interface ReduceOptions extends AxisOptions {
  readonly keepdims?: boolean
}


/** The sum primitive over checked axes (the rules' sum). @internal */
export const sumP = (x: Tensor, p: Axes): Tensor => bind('sum', [x], p)
/** The reduced axes of `x` under `options`, checked and named after the function the user called. @internal */
export const axesOf = (op: string, x: Tensor, o: ReduceOptions): Axes => {
  tensorArg(op, 'x', x)
  optionsOf(op, o)
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
 * Index of the maximum along one axis, as int32; the first one wins ties. With
 * no axis, the index into the flattened tensor (a scalar), as `jnp.argmax`.
 * `keepdims` keeps the reduced axis (or all axes) as size 1.
 * @example
 * import { argmax, tensor } from 'grad-ts'
 * console.assert(argmax(tensor([[1, 9, 3], [7, 2, 7]]), { axis: -1 }).toTypedArray().join() === '1,0')
 * console.assert(argmax(tensor([[1, 9, 3], [7, 2, 7]])).item() === 1)
 * @since 0.1.0
 */
export const argmax = (x: Tensor, options: OneAxisOptions & { readonly keepdims?: boolean } = {}): Tensor => argReduce('argmax', x, options)

/**
 * Index of the minimum along one axis (default: of the flattened tensor), as int32.
 * @example
 * import { argmin, tensor } from 'grad-ts'
 * console.assert(argmin(tensor([4, 1, 3])).item() === 1)
 * console.assert(argmin(tensor([[4, 1], [0, 3]]), { axis: 0 }).toTypedArray().join() === '1,0')
 * @since 0.1.0
 */
export const argmin = (x: Tensor, options: OneAxisOptions & { readonly keepdims?: boolean } = {}): Tensor => argReduce('argmin', x, options)

const argReduce = (op: 'argmax' | 'argmin', x: Tensor, options: OneAxisOptions & { readonly keepdims?: boolean }): Tensor => {
  const t = tensorArg(op, 'x', x)
  const { keepdims = false } = optionsOf(op, options)
  if (typeof keepdims !== 'boolean') throw new TensorError(op, `keepdims must be a boolean, got ${describe(keepdims)}`)
  if (options.axis === undefined) {
    const flat = bind(op, [bind('reshape', [t], { shape: [t.size] })], { axis: 0 })
    return keepdims ? bind('reshape', [flat], { shape: t.shape.map(() => 1) }) : flat
  }
  const axis = oneAxisOf(op, options, t.rank, 0)
  const out = bind(op, [t], { axis })
  return keepdims ? bind('reshape', [out], { shape: t.shape.map((d, i) => (i === axis ? 1 : d)) }) : out
}
