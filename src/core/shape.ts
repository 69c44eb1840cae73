/**
 * Shapes and NumPy broadcasting. A shape is a frozen array of non-negative
 * integers; `[]` is a scalar. Broadcasting aligns shapes on the right; each pair
 * of dimensions must be equal or one of them 1.
 */
import { describe, isArray, optionsOf } from './check.js'
import { TensorError, fmtShape } from './errors.js'

/** A tensor's dimensions, outermost first. @since 0.1.0 */
export type Shape = readonly number[]

/** Number of elements of a shape (1 for a scalar). @internal */
export const sizeOf = (shape: Shape): number => {
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** Row-major strides of a shape. @internal */
export const stridesOf = (shape: Shape): number[] => {
  const s = new Array<number>(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i]!
  }
  return s
}

/** Whether two shapes are equal. @internal */
export const shapeEq = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i])

/** The most elements one tensor may hold: the longest typed array JavaScript engines allocate (2³²−1 in V8). @internal */
export const MAX_SIZE = 2 ** 32 - 1

/** Checks that a tensor of `shape` can exist: a TensorError naming `op` and the size if it has more than {@link MAX_SIZE} elements. @internal */
export const checkSize = (op: string, shape: Shape): void => {
  const n = sizeOf(shape)
  if (n > MAX_SIZE) throw new TensorError(op, `shape ${fmtShape(shape)} has ${n.toExponential(3)} elements, more than the ${MAX_SIZE} a tensor can hold`)
}

/** Checks that `shape` is an array of non-negative integers whose product a tensor can hold; returns it frozen. @internal */
export const checkShape = (op: string, shape: readonly number[], arg = 'shape'): Shape => {
  if (!isArray(shape)) throw new TensorError(op, `${arg} must be an array of non-negative integers, got ${describe(shape)}`)
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new TensorError(op, `bad ${arg} [${shape.map(String).join(',')}]: dimensions must be non-negative integers`)
  }
  const s = Object.freeze(shape.slice())
  checkSize(op, s)
  return s
}

/**
 * The broadcast of two shapes under NumPy rules.
 *
 * @example
 * import { broadcastShapes } from 'grad-ts'
 * console.assert(broadcastShapes([2, 1, 3], [4, 1]).join() === '2,4,3')
 * @since 0.1.0
 */
export const broadcastShapes = (a: Shape, b: Shape, op = 'broadcast'): Shape => {
  const n = Math.max(a.length, b.length)
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1
    const db = b[b.length - n + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) {
      throw new TensorError(op, `${fmtShape(a)} and ${fmtShape(b)} do not broadcast: dimension ${da} ≠ ${db}`)
    }
    out[i] = da === 1 ? db : da
  }
  return Object.freeze(out)
}

/** Normalises an axis (negative counts from the end) for a tensor of rank `r`. @internal */
export const normAxis = (op: string, axis: number, r: number): number => {
  if (!Number.isInteger(axis)) throw new TensorError(op, `axis must be an integer, got ${describe(axis)}`)
  if (axis < -r || axis >= r) throw new TensorError(op, `axis ${axis} is out of range for rank ${r}`)
  return axis < 0 ? axis + r : axis
}

/** Normalises an axis list (undefined = all axes); sorted, without repeats. @internal */
export const normAxes = (op: string, axes: number | readonly number[] | undefined, r: number): number[] => {
  if (axes === undefined) return Array.from({ length: r }, (_, i) => i)
  if (typeof axes !== 'number' && !isArray(axes)) throw new TensorError(op, `axis must be an integer or an array of integers, got ${describe(axes)}`)
  const list = typeof axes === 'number' ? [axes] : axes
  const out = list.map((a) => normAxis(op, a, r)).sort((x, y) => x - y)
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) throw new TensorError(op, `axis ${out[i]} is repeated`)
  return out
}

/**
 * Which axes an op works over: one axis or several, negative counting from
 * the end. Every op that takes axes takes them this way (JAX's `axis=`); the
 * default is each op's own (all axes for a reduction).
 * @since 0.2.0
 */
export interface AxisOptions {
  readonly axis?: number | readonly number[]
}

/** One axis (negative counts from the end), for ops that take exactly one. @since 0.2.0 */
export interface OneAxisOptions {
  readonly axis?: number
}

/** The one axis of `options` for a tensor of rank `rank`, normalised, or `fallback` when none is given. @internal */
export const oneAxisOf = (op: string, options: OneAxisOptions, rank: number, fallback: number): number => {
  const { axis } = optionsOf(op, options)
  if (axis !== undefined && typeof axis !== 'number') throw new TensorError(op, `axis must be one integer, got ${describe(axis)}`)
  return normAxis(op, axis ?? fallback, rank)
}
