/**
 * Layout ops composed from the movement primitives: `stack`, `flip`, `tile`
 * and `repeat`. Each is exact (elements are moved, never computed), and its
 * derivatives are those of the reshapes, broadcasts, concats and gathers it
 * is made of.
 */
import { describe, isArray, optionsOf } from '../../core/check.js'
import { TensorError, fmtShape } from '../../core/errors.js'
import { type AxisOptions, type OneAxisOptions, normAxes, normAxis, shapeEq } from '../../core/shape.js'
import { type Tensor, arange, fromTypedArray, tensorArg } from '../../core/tensor.js'
import { broadcastTo, concat, expandDims, gather, reshape } from './shape.js'

/**
 * Joins tensors of one shape along a new axis (default 0), as `jnp.stack`;
 * dtypes are promoted as in {@link concat}.
 * @example
 * import { stack, tensor } from 'grad-ts'
 * const a = tensor([1, 2])
 * const b = tensor([3, 4])
 * console.assert(stack([a, b]).shape.join() === '2,2' && stack([a, b]).toTypedArray().join() === '1,2,3,4')
 * console.assert(stack([a, b], { axis: -1 }).toTypedArray().join() === '1,3,2,4')
 * @since 0.2.0
 */
export const stack = (xs: readonly Tensor[], options: OneAxisOptions = {}): Tensor => {
  if (!isArray(xs)) throw new TensorError('stack', `xs must be an array of tensors, got ${describe(xs)}`)
  if (xs.length === 0) throw new TensorError('stack', 'needs at least one tensor')
  xs.forEach((x, i) => tensorArg('stack', `xs[${i}]`, x))
  const first = xs[0]!.shape
  if (xs.some((x) => !shapeEq(x.shape, first))) throw new TensorError('stack', `all tensors must have one shape, got ${xs.map((x) => fmtShape(x.shape)).join(', ')}`)
  const { axis = 0 } = optionsOf('stack', options)
  if (typeof axis !== 'number') throw new TensorError('stack', `axis must be one integer, got ${describe(axis)}`)
  const a = normAxis('stack', axis, first.length + 1)
  return concat(xs.map((x) => expandDims(x, { axis: a })), { axis: a })
}

/**
 * Reverses the order of elements along axes (all by default), as `jnp.flip`.
 * @example
 * import { flip, tensor } from 'grad-ts'
 * const x = tensor([[1, 2, 3], [4, 5, 6]])
 * console.assert(flip(x).toTypedArray().join() === '6,5,4,3,2,1')
 * console.assert(flip(x, { axis: 1 }).toTypedArray().join() === '3,2,1,6,5,4')
 * @since 0.2.0
 */
export const flip = (x: Tensor, options: AxisOptions = {}): Tensor => {
  tensorArg('flip', 'x', x)
  const axes = normAxes('flip', optionsOf('flip', options).axis, x.rank)
  return axes.reduce((y, a) => (y.shape[a]! <= 1 ? y : gather(y, arange(y.shape[a]! - 1, -1, -1, 'int32'), { axis: a })), x)
}

const counts = (op: string, arg: string, v: unknown): readonly number[] => {
  const list = typeof v === 'number' ? [v] : v
  if (!isArray(list) || !list.every((r) => Number.isSafeInteger(r) && (r as number) >= 0)) {
    throw new TensorError(op, `${arg} must be a non-negative integer or an array of them, got ${isArray(v) ? `[${v.join(',')}]` : describe(v)}`)
  }
  return list as readonly number[]
}

/**
 * Repeats the whole of `x` `reps[i]` times along axis i, as `jnp.tile`: a
 * number tiles the last axis; a shorter `reps` is padded with 1s in front, and
 * a `reps` longer than the rank puts size-1 axes in front of `x`.
 * @example
 * import { tile, tensor } from 'grad-ts'
 * console.assert(tile(tensor([1, 2]), 2).toTypedArray().join() === '1,2,1,2')
 * const t = tile(tensor([[1, 2]]), [2, 2])
 * console.assert(t.shape.join() === '2,4' && t.toTypedArray().join() === '1,2,1,2,1,2,1,2')
 * @since 0.2.0
 */
export const tile = (x: Tensor, reps: number | readonly number[]): Tensor => {
  tensorArg('tile', 'x', x)
  const r0 = counts('tile', 'reps', reps)
  const d = Math.max(r0.length, x.rank)
  const r = [...Array<number>(d - r0.length).fill(1), ...r0]
  const s = [...Array<number>(d - x.rank).fill(1), ...x.shape]
  // [s0, s1, …] → [1, s0, 1, s1, …] → broadcast to [r0, s0, r1, s1, …] → [r0·s0, r1·s1, …].
  const spread = reshape(x, s.flatMap((n) => [1, n]))
  return reshape(broadcastTo(spread, s.flatMap((n, i) => [r[i]!, n])), s.map((n, i) => n * r[i]!))
}

/**
 * Repeats each element `repeats` times along `axis`, as `jnp.repeat(x,
 * repeats, axis=None)`: without an axis, of the flattened tensor. `repeats`
 * is a number, or one count per element of the axis.
 * @example
 * import { repeat, tensor } from 'grad-ts'
 * console.assert(repeat(tensor([1, 2]), 2).toTypedArray().join() === '1,1,2,2')
 * console.assert(repeat(tensor([[1, 2], [3, 4]]), [1, 2], { axis: 1 }).toTypedArray().join() === '1,2,2,3,4,4')
 * @since 0.2.0
 */
export const repeat = (x: Tensor, repeats: number | readonly number[], options: OneAxisOptions = {}): Tensor => {
  tensorArg('repeat', 'x', x)
  const { axis } = optionsOf('repeat', options)
  const t = axis === undefined ? reshape(x, [x.size]) : x
  if (axis !== undefined && typeof axis !== 'number') throw new TensorError('repeat', `axis must be one integer, got ${describe(axis)}`)
  const a = normAxis('repeat', axis ?? 0, t.rank)
  const n = t.shape[a]!
  const rs = counts('repeat', 'repeats', repeats)
  if (typeof repeats === 'number') {
    // [..., n, ...] → [..., n, 1, ...] → broadcast [..., n, r, ...] → [..., n·r, ...].
    const inner = t.shape.slice(a + 1)
    const lifted = reshape(t, [...t.shape.slice(0, a), n, 1, ...inner])
    return reshape(broadcastTo(lifted, [...t.shape.slice(0, a), n, repeats, ...inner]), t.shape.map((d, i) => (i === a ? d * repeats : d)))
  }
  if (rs.length !== n) throw new TensorError('repeat', `repeats has ${rs.length} counts for axis ${a} of ${fmtShape(t.shape)}, which has ${n} elements`)
  const idx = rs.flatMap((r, i) => Array<number>(r).fill(i))
  return gather(t, fromTypedArray(Int32Array.from(idx), [idx.length]), { axis: a })
}
