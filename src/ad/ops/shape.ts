/**
 * Movement ops: reshape, transpose, broadcastTo, slice, pad, concat, gather
 * and scatterAdd. Their derivatives are each other (see `../rules/`): the VJP
 * of slice is pad and back, of gather is scatterAdd and back, of broadcastTo a sum.
 */
import { describe, isArray, optionsOf } from '../../core/check.js'
import { promote } from '../../core/dtype.js'
import { TensorError, fmtShape } from '../../core/errors.js'
import { type AxisOptions, type OneAxisOptions, type Shape, checkShape, normAxes, normAxis, oneAxisOf, shapeEq, sizeOf } from '../../core/shape.js'
import { type Tensor, scalar, tensorArg } from '../../core/tensor.js'
import { bind } from '../trace.js'
import { cast, where } from './elementwise.js'
import { sum } from './reduce.js'


/**
 * The same elements in a new shape; one dimension may be −1 (inferred). No copy.
 * @example
 * import { reshape, arange } from 'grad-ts'
 * console.assert(reshape(arange(6), [2, -1]).shape.join() === '2,3')
 * @since 0.1.0
 */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => {
  tensorArg('reshape', 'x', x)
  if (!isArray(shape)) throw new TensorError('reshape', `shape must be an array of integers, got ${describe(shape)}`)
  const free = shape.filter((d) => d === -1).length
  if (free > 1) throw new TensorError('reshape', `at most one dimension may be -1, got ${fmtShape(shape)}`)
  let s = shape
  if (free === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1))
    if (known === 0 || x.size % known !== 0) throw new TensorError('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`)
    s = shape.map((d) => (d === -1 ? x.size / known : d))
  }
  const target = checkShape('reshape', s)
  return shapeEq(target, x.shape) ? x : bind('reshape', [x], { shape: target })
}


/**
 * Permutes the axes: output axis i is input axis `perm[i]` (default: reversed).
 * @example
 * import { transpose, tensor } from 'grad-ts'
 * console.assert(transpose(tensor([[1, 2, 3]])).shape.join() === '3,1')
 * @since 0.1.0
 */
export const transpose = (x: Tensor, perm?: readonly number[]): Tensor => {
  const r = tensorArg('transpose', 'x', x).rank
  if (perm !== undefined && !isArray(perm)) throw new TensorError('transpose', `perm must be an array of axes, got ${describe(perm)}`)
  const p = perm === undefined ? Array.from({ length: r }, (_, i) => r - 1 - i) : perm.map((a) => normAxis('transpose', a, r))
  if (p.length !== r || new Set(p).size !== r) throw new TensorError('transpose', `[${(perm ?? []).join(',')}] is not a permutation of the ${r} axes of ${fmtShape(x.shape)}`)
  return p.every((a, i) => a === i) ? x : bind('transpose', [x], { perm: p })
}


/**
 * Repeats `x` along new leading axes and size-1 axes to reach `shape` (NumPy rules).
 * @example
 * import { broadcastTo, tensor } from 'grad-ts'
 * console.assert(broadcastTo(tensor([1, 2]), [3, 2]).toTypedArray().join() === '1,2,1,2,1,2')
 * @since 0.1.0
 */
export const broadcastTo = (x: Tensor, shape: readonly number[]): Tensor => {
  tensorArg('broadcastTo', 'x', x)
  const s = checkShape('broadcastTo', shape)
  return shapeEq(s, x.shape) ? x : bind('broadcastTo', [x], { shape: s })
}

/**
 * Sums `g` down to `shape`, the inverse of broadcasting `shape` up to g's shape:
 * the VJP of every broadcasting op.
 * @example
 * import { sumTo, ones } from 'grad-ts'
 * console.assert(sumTo(ones([4, 2, 3]), [2, 1]).toTypedArray().join() === '12,12')
 * @since 0.1.0
 */
export const sumTo = (g: Tensor, shape: Shape): Tensor => {
  tensorArg('sumTo', 'g', g)
  checkShape('sumTo', shape)
  if (shapeEq(g.shape, shape)) return g
  const lead = g.rank - shape.length
  if (lead < 0) throw new TensorError('sumTo', `cannot sum ${fmtShape(g.shape)} down to the larger rank of ${fmtShape(shape)}`)
  const axes: number[] = []
  g.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i)
    else if (shape[i - lead] !== d) throw new TensorError('sumTo', `${fmtShape(g.shape)} does not broadcast from ${fmtShape(shape)}`)
  })
  return reshape(sum(g, { axis: axes }), shape)
}


/**
 * The box `begin[i] ≤ index < end[i]` on each axis (missing axes are whole;
 * negative values count from the end, as in Python).
 * @example
 * import { slice, arange, reshape } from 'grad-ts'
 * const x = reshape(arange(12), [3, 4])
 * console.assert(slice(x, [1, 1], [3, -1]).toTypedArray().join() === '5,6,9,10')
 * @since 0.1.0
 */
export const slice = (x: Tensor, begin: readonly number[], end?: readonly number[]): Tensor => {
  const r = tensorArg('slice', 'x', x).rank
  if (!isArray(begin) || (end !== undefined && !isArray(end))) throw new TensorError('slice', `begin and end must be arrays of integers, got ${describe(begin)} and ${describe(end)}`)
  if (begin.length > r || (end?.length ?? 0) > r) throw new TensorError('slice', `more bounds than the ${r} axes of ${fmtShape(x.shape)}`)
  const fix = (v: number, d: number): number => (v < 0 ? v + d : v)
  const b = x.shape.map((d, i) => fix(begin[i] ?? 0, d))
  const e = x.shape.map((d, i) => fix(end?.[i] ?? d, d))
  x.shape.forEach((d, i) => {
    if (!Number.isInteger(b[i]) || !Number.isInteger(e[i]) || b[i]! < 0 || e[i]! > d || b[i]! > e[i]!) {
      throw new TensorError('slice', `bounds ${begin[i] ?? 0}:${end?.[i] ?? d} are out of range for axis ${i} of ${fmtShape(x.shape)}`)
    }
  })
  return b.every((v) => v === 0) && e.every((v, i) => v === x.shape[i]) ? x : bind('slice', [x], { begin: b, end: e })
}


/** `jnp.pad`'s `pad_width`: one count for both sides of every axis, one `[before, after]` pair for every axis, or a pair per axis. @since 0.2.0 */
export type PadWidth = number | readonly [number] | readonly [number, number] | readonly (readonly [number, number])[]

/** Options of {@link pad} in its `jnp.pad` form. @since 0.2.0 */
export interface PadOptions {
  /** Only `'constant'` (the default, as in JAX). */
  readonly mode?: 'constant'
  /** The value the padding holds; default 0. */
  readonly constantValues?: number
}

/** One `[before, after]` pair per axis from jnp.pad's forms (NumPy broadcasting of pad_width to shape [rank, 2]). */
const padPairs = (x: Tensor, w: unknown): readonly (readonly [number, number])[] => {
  const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
  const bad = () => new TensorError('pad', `padWidth must be a non-negative integer, a pair [before, after], or ${x.rank} such pairs for ${fmtShape(x.shape)}, got ${isArray(w) ? JSON.stringify(w) : describe(w)}`)
  if (count(w)) return x.shape.map(() => [w, w] as const)
  if (!isArray(w)) throw bad()
  if (w.length === 1 && count(w[0])) return x.shape.map(() => [w[0] as number, w[0] as number] as const)
  if (w.length === 2 && count(w[0]) && count(w[1])) return x.shape.map(() => [w[0] as number, w[1] as number] as const)
  const pairs = w.every((p) => isArray(p) && p.length === 2 && count(p[0]) && count(p[1])) ? (w as readonly (readonly [number, number])[]) : undefined
  if (pairs === undefined || (pairs.length !== x.rank && pairs.length !== 1)) throw bad()
  return pairs.length === 1 ? x.shape.map(() => pairs[0]!) : pairs
}

/**
 * Pads `x` with a constant, as `jnp.pad(x, pad_width, mode='constant',
 * constant_values=0)`: `padWidth` is `n` (n on both sides of every axis),
 * `[before, after]` (on every axis) or one such pair per axis.
 * `constantValues` is one number (JAX also takes a pair per axis).
 * @example
 * import { pad, tensor } from 'grad-ts'
 * console.assert(pad(tensor([1, 2]), [1, 2]).toTypedArray().join() === '0,1,2,0,0')
 * console.assert(pad(tensor([[1]]), 1, { constantValues: 9 }).toTypedArray().join() === '9,9,9,9,1,9,9,9,9')
 * console.assert(pad(tensor([[1, 2]]), [[0, 0], [1, 0]]).toTypedArray().join() === '0,1,2')
 * @since 0.1.0
 */
export const pad = (x: Tensor, padWidth: PadWidth, options: PadOptions = {}): Tensor => {
  tensorArg('pad', 'x', x)
  const { mode = 'constant', constantValues = 0 } = optionsOf('pad', options)
  if ((mode as string) !== 'constant') throw new TensorError('pad', `mode must be 'constant' (the only mode), got ${describe(mode)}`)
  if (typeof constantValues !== 'number') throw new TensorError('pad', `constantValues must be a number, got ${describe(constantValues)}`)
  const pairs = padPairs(x, padWidth)
  const padded = padZeros(x, pairs.map((p) => p[0]), pairs.map((p) => p[1]))
  if (constantValues === 0 || padded === x) return padded
  // Exact: the elements of x are selected, never shifted by the constant and back.
  const inside = padZeros(bind('broadcastTo', [scalar(1, 'bool')], { shape: x.shape }), pairs.map((p) => p[0]), pairs.map((p) => p[1]))
  return where(inside, padded, constantValues)
}

const padZeros = (x: Tensor, before: readonly number[], after: readonly number[]): Tensor => {
  const ok = (v: readonly number[]) => isArray(v) && v.length === x.rank && v.every((n) => Number.isInteger(n) && n >= 0)
  if (!ok(before) || !ok(after)) throw new TensorError('pad', `needs ${x.rank} non-negative integers before and after for ${fmtShape(x.shape)}, got [${before.join(',')}] and [${after.join(',')}]`)
  return before.every((v) => v === 0) && after.every((v) => v === 0) ? x : bind('pad', [x], { before, after })
}


/**
 * Joins tensors along an existing axis (default 0, as `jnp.concatenate`);
 * their dtypes are promoted to the widest of them first, as in the binary ops.
 * @example
 * import { concat, tensor } from 'grad-ts'
 * console.assert(concat([tensor([[1, 2]]), tensor([[3, 4]])], { axis: 1 }).shape.join() === '1,4')
 * console.assert(concat([tensor([1]), tensor([2], 'float64')]).dtype === 'float64')
 * @since 0.1.0
 */
export const concat = (xs: readonly Tensor[], options: OneAxisOptions = {}): Tensor => {
  if (!isArray(xs)) throw new TensorError('concat', `xs must be an array of tensors, got ${describe(xs)}`)
  if (xs.length === 0) throw new TensorError('concat', 'needs at least one tensor')
  xs.forEach((x, i) => tensorArg('concat', `xs[${i}]`, x))
  const a = oneAxisOf('concat', options, xs[0]!.rank, 0)
  if (xs.length === 1) return xs[0]!
  // As jnp.concatenate: the inputs are promoted to their common dtype first (never a downcast).
  const dtype = xs.map((x) => x.dtype).reduce(promote)
  return bind('concat', xs.map((x) => cast(x, dtype)), { axis: a })
}



/**
 * Takes entries of `x` along `axis` at int32 `indices`, as `jnp.take`: the
 * result's shape is `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * Without an axis, `x` is flattened first (JAX's default). An index out of
 * range is an error.
 * @example
 * import { gather, tensor } from 'grad-ts'
 * const x = tensor([[1, 2], [3, 4], [5, 6]])
 * console.assert(gather(x, tensor([2, 0], 'int32'), { axis: 0 }).toTypedArray().join() === '5,6,1,2')
 * console.assert(gather(x, tensor([5, 0], 'int32')).toTypedArray().join() === '6,1')
 * @since 0.1.0
 */
export const gather = (x: Tensor, indices: Tensor, options: OneAxisOptions = {}): Tensor => {
  tensorArg('gather', 'indices', indices)
  const t = tensorArg('gather', 'x', x)
  if (optionsOf('gather', options).axis === undefined) return bind('gather', [reshape(t, [t.size]), indices], { axis: 0 })
  return bind('gather', [t, indices], { axis: oneAxisOf('gather', options, t.rank, 0) })
}


/** Options of {@link scatterAdd}: the axis that replaces the indices' axes (default 0) and its size. @since 0.2.0 */
export interface ScatterOptions extends OneAxisOptions {
  readonly size: number
}

/**
 * The adjoint of {@link gather}: a zero tensor with `size` entries on `axis`
 * (default 0), to which the slices of `updates` are added at `indices`
 * (repeats accumulate), as `zeros(…).at[indices].add(updates)` in JAX.
 * @example
 * import { scatterAdd, tensor } from 'grad-ts'
 * const s = scatterAdd(tensor([1, 2, 3]), tensor([0, 2, 0], 'int32'), { size: 3 })
 * console.assert(s.toTypedArray().join() === '4,0,2')
 * @since 0.1.0
 */
export const scatterAdd = (updates: Tensor, indices: Tensor, options: ScatterOptions): Tensor => {
  const { size } = optionsOf('scatterAdd', options)
  tensorArg('scatterAdd', 'updates', updates)
  tensorArg('scatterAdd', 'indices', indices)
  // Sums of bools are not bools (true + true would store a 2 in a bool buffer); JAX's scatter-add takes numbers.
  if (updates.dtype === 'bool') throw new TensorError('scatterAdd', 'updates must be numeric, got bool; cast to int32 first')
  if (!Number.isSafeInteger(size) || size < 0) throw new TensorError('scatterAdd', `size must be a non-negative integer, got ${size}`)
  // The result has the axes of `updates` with the indices' axes replaced by one axis of `size`.
  return bind('scatterAdd', [updates, indices], { axis: oneAxisOf('scatterAdd', options, updates.rank - indices.rank + 1, 0), size })
}

/**
 * Inserts size-1 axes at `axis` (one or several positions of the result), as `jnp.expand_dims`.
 * @example
 * import { expandDims, tensor } from 'grad-ts'
 * console.assert(expandDims(tensor([1, 2]), { axis: -1 }).shape.join() === '2,1')
 * console.assert(expandDims(tensor([1, 2]), { axis: [0, 2] }).shape.join() === '1,2,1')
 * @since 0.1.0
 */
export const expandDims = (x: Tensor, options: Required<AxisOptions>): Tensor => {
  const given: AxisOptions = optionsOf('expandDims', options)
  const { axis } = given
  if (axis === undefined) throw new TensorError('expandDims', 'needs { axis }: where to insert the size-1 axes')
  const rank = tensorArg('expandDims', 'x', x).rank + (typeof axis === 'number' ? 1 : axis.length)
  const at = normAxes('expandDims', axis, rank)
  const shape: number[] = []
  for (let i = 0, k = 0; i < rank; i++) shape.push(at.includes(i) ? 1 : x.shape[k++]!)
  return reshape(x, shape)
}

/**
 * Removes size-1 axes (all of them, or the ones named), as `jnp.squeeze`.
 * @example
 * import { squeeze, zeros } from 'grad-ts'
 * console.assert(squeeze(zeros([1, 3, 1])).shape.join() === '3')
 * console.assert(squeeze(zeros([1, 3, 1]), { axis: 0 }).shape.join() === '3,1')
 * @since 0.1.0
 */
export const squeeze = (x: Tensor, options: AxisOptions = {}): Tensor => {
  tensorArg('squeeze', 'x', x)
  const { axis } = optionsOf('squeeze', options)
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, x.rank)
  for (const a of axes) if (x.shape[a] !== 1) throw new TensorError('squeeze', `axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`)
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)))
}
