/**
 * Reduction primitives: sum, max and min over axes (with `keepdims`), and the
 * non-differentiable argmax/argmin.
 */
import { describe, isOptions } from '../../core/check.js'
import { isFloat } from '../../core/dtype.js'
import { TensorError, fmtShape } from '../../core/errors.js'
import { argReduceKernel, type ReduceOp, reduceKernel } from '../../core/kernels/reduce.js'
import { normAxes, normAxis, sizeOf } from '../../core/shape.js'
import { type Tensor, tensorArg, wrap } from '../../core/tensor.js'
import { primitive } from '../prim.js'
import { bind } from '../trace.js'
import { cast, div, equal, mul } from './elementwise.js'
import { broadcastTo, reshape } from './shape.js'

/** Which axes to reduce (all when omitted) and whether to keep them as size 1. @since 0.1.0 */
export interface ReduceOptions {
  readonly axis?: number | readonly number[]
  readonly keepdims?: boolean
}

interface Axes {
  readonly axes: readonly number[]
  readonly keepdims: boolean
}

const reducedShape = (shape: readonly number[], { axes, keepdims }: Axes): readonly number[] =>
  Object.freeze(keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)))

/** `g` (reduced shape) brought back to the input's shape. */
const spread = (g: Tensor, x: Tensor, p: Axes): Tensor => broadcastTo(reshape(g, reducedShape(x.shape, { ...p, keepdims: true })), x.shape)

const reducePrim = (op: ReduceOp) =>
  primitive<Axes>({
    name: op,
    shapeRule: ([x], p) => {
      if (op !== 'sum' && p.axes.some((a) => x!.shape[a] === 0)) throw new TensorError(op, `cannot reduce an empty axis of ${fmtShape(x!.shape)}`)
      return { shape: reducedShape(x!.shape, p), dtype: op === 'sum' && x!.dtype === 'bool' ? 'int32' : x!.dtype }
    },
    kernel: ([x], p, shape, dtype) => wrap(shape, dtype, reduceKernel(op, x!.data, x!.shape, p.axes, dtype)),
    vjp: [
      op === 'sum'
        ? (g, { inputs: [x], params }) => spread(g, x!, params)
        : // The extreme's cotangent is shared equally among ties (JAX's convention).
          (g, { inputs: [x], out, params }) => {
            const hit = cast(equal(x!, spread(out, x!, params)), x!.dtype)
            return mul(spread(div(g, sumP(hit, params)), x!, params), hit)
          },
    ],
    jvp:
      op === 'sum'
        ? ([t], { params }) => sumP(t!, params)
        : ([t], { inputs: [x], out, params }) => {
            const hit = cast(equal(x!, spread(out, x!, params)), x!.dtype)
            return div(sumP(mul(t!, hit), params), sumP(hit, params))
          },
    showParams: (p) => `axes [${p.axes.join(',')}]${p.keepdims ? ' keepdims' : ''}`,
  })

const sumPrim = reducePrim('sum')
const maxPrim = reducePrim('max')
const minPrim = reducePrim('min')
const sumP = (x: Tensor, p: Axes): Tensor => bind(sumPrim, [x], p)
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
export const max = (x: Tensor, options: ReduceOptions = {}): Tensor => bind(maxPrim, [x], axesOf('max', x, options))

/**
 * Minimum over axes (all by default); NaN propagates; ties share the gradient.
 * @example
 * import { min, tensor } from 'grad-ts'
 * console.assert(min(tensor([3, -1, 2])).item() === -1)
 * @since 0.1.0
 */
export const min = (x: Tensor, options: ReduceOptions = {}): Tensor => bind(minPrim, [x], axesOf('min', x, options))

const argPrim = (op: 'max' | 'min') =>
  primitive<{ readonly axis: number }>({
    name: `arg${op}`,
    shapeRule: ([x], { axis }) => {
      if (x!.shape[axis] === 0) throw new TensorError(`arg${op}`, `axis ${axis} of ${fmtShape(x!.shape)} is empty`)
      if (!isFloat(x!.dtype) && x!.dtype !== 'int32') throw new TensorError(`arg${op}`, `needs a numeric tensor, got ${x!.dtype}`)
      return { shape: Object.freeze(x!.shape.filter((_, i) => i !== axis)), dtype: 'int32' }
    },
    kernel: ([x], { axis }, shape) => {
      const s = x!.shape
      return wrap(shape, 'int32', argReduceKernel(op, x!.data, sizeOf(s.slice(0, axis)), s[axis]!, sizeOf(s.slice(axis + 1))))
    },
    vjp: null,
    jvp: null,
    showParams: (p) => `axis ${p.axis}`,
  })
const argmaxP = argPrim('max')
const argminP = argPrim('min')

/**
 * Index of the maximum along an axis (default: the last), as int32; the first
 * one wins ties.
 * @example
 * import { argmax, tensor } from 'grad-ts'
 * console.assert(argmax(tensor([[1, 9, 3], [7, 2, 7]])).toTypedArray().join() === '1,0')
 * @since 0.1.0
 */
export const argmax = (x: Tensor, axis = -1): Tensor => bind(argmaxP, [x], { axis: normAxis('argmax', axis, tensorArg('argmax', 'x', x).rank) })

/**
 * Index of the minimum along an axis (default: the last), as int32.
 * @example
 * import { argmin, tensor } from 'grad-ts'
 * console.assert(argmin(tensor([4, 1, 3])).item() === 1)
 * @since 0.1.0
 */
export const argmin = (x: Tensor, axis = -1): Tensor => bind(argminP, [x], { axis: normAxis('argmin', axis, tensorArg('argmin', 'x', x).rank) })

/** The reduction primitives, for the law table. @internal */
export const reducePrimitives = { sumPrim, maxPrim, minPrim, argmaxP, argminP } as const
