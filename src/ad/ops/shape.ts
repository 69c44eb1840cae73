/**
 * Movement primitives: reshape, transpose, broadcastTo, slice, pad, concat,
 * gather and scatterAdd. Their derivatives are each other: the VJP of slice is
 * pad and back, of gather is scatterAdd and back, of broadcastTo is a sum.
 */
import { describe, isArray } from '../../core/check.js'
import { promote } from '../../core/dtype.js'
import { TensorError, fmtShape } from '../../core/errors.js'
import { broadcastKernel, concatKernel, gatherKernel, padKernel, scatterAddKernel, sliceKernel, transposeKernel } from '../../core/kernels/movement.js'
import { type Shape, broadcastShapes, checkShape, normAxis, shapeEq, sizeOf } from '../../core/shape.js'
import { type Tensor, tensorArg, wrap, zeros } from '../../core/tensor.js'
import { primitive } from '../prim.js'
import { bind } from '../trace.js'
import { cast } from './elementwise.js'
import { sum } from './reduce.js'

const reshapeP = primitive<{ readonly shape: Shape }>({
  name: 'reshape',
  shapeRule: ([x], { shape }) => {
    if (sizeOf(shape) !== x!.size) throw new TensorError('reshape', `cannot reshape ${fmtShape(x!.shape)} (${x!.size} elements) to ${fmtShape(shape)}`)
    return { shape, dtype: x!.dtype }
  },
  kernel: ([x], _, shape, dtype) => wrap(shape, dtype, x!.data), // shares the immutable buffer
  vjp: [(g, { inputs: [x] }) => reshape(g, x!.shape)],
  jvp: ([t], { params }) => reshape(t!, params.shape),
  showParams: (p) => fmtShape(p.shape),
})

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
  return shapeEq(target, x.shape) ? x : bind(reshapeP, [x], { shape: target })
}

const transposeP = primitive<{ readonly perm: readonly number[] }>({
  name: 'transpose',
  shapeRule: ([x], { perm }) => ({ shape: Object.freeze(perm.map((p) => x!.shape[p]!)), dtype: x!.dtype }),
  kernel: ([x], { perm }, shape, dtype) => wrap(shape, dtype, transposeKernel(x!.data, x!.shape, perm)),
  vjp: [(g, { params: { perm } }) => transpose(g, inversePerm(perm))],
  jvp: ([t], { params }) => transpose(t!, params.perm),
  showParams: (p) => `[${p.perm.join(',')}]`,
})
const inversePerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length)
  perm.forEach((p, i) => (inv[p] = i))
  return inv
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
  return p.every((a, i) => a === i) ? x : bind(transposeP, [x], { perm: p })
}

const broadcastToP = primitive<{ readonly shape: Shape }>({
  name: 'broadcastTo',
  shapeRule: ([x], { shape }) => {
    const b = broadcastShapes(x!.shape, shape, 'broadcastTo')
    if (!shapeEq(b, shape)) throw new TensorError('broadcastTo', `cannot broadcast ${fmtShape(x!.shape)} to ${fmtShape(shape)}`)
    return { shape, dtype: x!.dtype }
  },
  kernel: ([x], _, shape, dtype) => wrap(shape, dtype, broadcastKernel(x!.data, x!.shape, shape)),
  vjp: [(g, { inputs: [x] }) => sumTo(g, x!.shape)],
  jvp: ([t], { params }) => broadcastTo(t!, params.shape),
  showParams: (p) => fmtShape(p.shape),
})

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
  return shapeEq(s, x.shape) ? x : bind(broadcastToP, [x], { shape: s })
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

interface Box {
  readonly begin: readonly number[]
  readonly end: readonly number[]
}
const sliceP = primitive<Box>({
  name: 'slice',
  shapeRule: ([x], { begin, end }) => ({ shape: Object.freeze(begin.map((b, i) => end[i]! - b)), dtype: x!.dtype }),
  kernel: ([x], { begin }, shape, dtype) => wrap(shape, dtype, sliceKernel(x!.data, x!.shape, begin, shape)),
  vjp: [(g, { inputs: [x], params: { begin, end } }) => pad(g, begin, end.map((e, i) => x!.shape[i]! - e))],
  jvp: ([t], { params }) => slice(t!, params.begin, params.end),
  showParams: (p) => p.begin.map((b, i) => `${b}:${p.end[i]}`).join(','),
})

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
  return b.every((v) => v === 0) && e.every((v, i) => v === x.shape[i]) ? x : bind(sliceP, [x], { begin: b, end: e })
}

const padP = primitive<{ readonly before: readonly number[]; readonly after: readonly number[] }>({
  name: 'pad',
  shapeRule: ([x], { before, after }) => ({ shape: Object.freeze(x!.shape.map((d, i) => before[i]! + d + after[i]!)), dtype: x!.dtype }),
  kernel: ([x], { before }, shape, dtype) => wrap(shape, dtype, padKernel(x!.data, x!.shape, before, shape)),
  vjp: [(g, { inputs: [x], params: { before } }) => slice(g, before, before.map((b, i) => b + x!.shape[i]!))],
  jvp: ([t], { params }) => pad(t!, params.before, params.after),
  showParams: (p) => p.before.map((b, i) => `${b}|${p.after[i]}`).join(','),
})

/**
 * Pads with zeros: `before[i]` elements before and `after[i]` after axis i.
 * @example
 * import { pad, tensor } from 'grad-ts'
 * console.assert(pad(tensor([1, 2]), [1], [2]).toTypedArray().join() === '0,1,2,0,0')
 * @since 0.1.0
 */
export const pad = (x: Tensor, before: readonly number[], after: readonly number[]): Tensor => {
  tensorArg('pad', 'x', x)
  const ok = (v: readonly number[]) => isArray(v) && v.length === x.rank && v.every((n) => Number.isInteger(n) && n >= 0)
  if (!ok(before) || !ok(after)) throw new TensorError('pad', `needs ${x.rank} non-negative integers before and after for ${fmtShape(x.shape)}, got [${before.join(',')}] and [${after.join(',')}]`)
  return before.every((v) => v === 0) && after.every((v) => v === 0) ? x : bind(padP, [x], { before, after })
}

const concatP = primitive<{ readonly axis: number }>({
  name: 'concat',
  shapeRule: (xs, { axis }) => {
    const first = xs[0]!
    let total = 0
    for (const x of xs) {
      const same = x.rank === first.rank && x.shape.every((d, i) => i === axis || d === first.shape[i])
      if (!same || x.dtype !== first.dtype) throw new TensorError('concat', `${xs.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(' ++ ')}: shapes must agree except on axis ${axis}`)
      total += x.shape[axis]!
    }
    return { shape: Object.freeze(first.shape.map((d, i) => (i === axis ? total : d))), dtype: first.dtype }
  },
  kernel: (xs, { axis }, shape, dtype) => wrap(shape, dtype, concatKernel(xs.map((x) => x.data), xs.map((x) => x.shape), axis, shape)),
  vjp: (i) => (g, { inputs, params: { axis } }) => {
    const start = inputs.slice(0, i).reduce((s, x) => s + x.shape[axis]!, 0)
    const b = g.shape.map((_, k) => (k === axis ? start : 0))
    return slice(g, b, g.shape.map((d, k) => (k === axis ? start + inputs[i]!.shape[axis]! : d)))
  },
  jvp: (ts, { inputs, params: { axis } }) => concat(ts.map((t, i) => t ?? zeros(inputs[i]!.shape, inputs[i]!.dtype)), axis),
  showParams: (p) => `axis ${p.axis}`,
})

/**
 * Joins tensors along an existing axis; their dtypes are promoted to the
 * widest of them first, as in the binary ops.
 * @example
 * import { concat, tensor } from 'grad-ts'
 * console.assert(concat([tensor([[1, 2]]), tensor([[3, 4]])], 0).shape.join() === '2,2')
 * console.assert(concat([tensor([1]), tensor([2], 'float64')]).dtype === 'float64')
 * @since 0.1.0
 */
export const concat = (xs: readonly Tensor[], axis = 0): Tensor => {
  if (!isArray(xs)) throw new TensorError('concat', `xs must be an array of tensors, got ${describe(xs)}`)
  if (xs.length === 0) throw new TensorError('concat', 'needs at least one tensor')
  xs.forEach((x, i) => tensorArg('concat', `xs[${i}]`, x))
  const a = normAxis('concat', axis, xs[0]!.rank)
  if (xs.length === 1) return xs[0]!
  // As jnp.concatenate: the inputs are promoted to their common dtype first (never a downcast).
  const dtype = xs.map((x) => x.dtype).reduce(promote)
  return bind(concatP, xs.map((x) => cast(x, dtype)), { axis: a })
}

const checkIndices = (op: string, idx: Tensor, size: number): void => {
  if (idx.dtype !== 'int32') throw new TensorError(op, `indices must be int32, got ${idx.dtype}`)
  const d = idx.data
  for (let i = 0; i < d.length; i++) {
    if (d[i]! < 0 || d[i]! >= size) throw new TensorError(op, `index ${d[i]} is out of range [0, ${size}) (indices ${fmtShape(idx.shape)})`)
  }
}
const blocks = (shape: Shape, axis: number) => ({ outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) })

const gatherP = primitive<{ readonly axis: number }>({
  name: 'gather',
  shapeRule: ([x, idx], { axis }) => {
    checkIndices('gather', idx!, x!.shape[axis]!)
    return { shape: Object.freeze([...x!.shape.slice(0, axis), ...idx!.shape, ...x!.shape.slice(axis + 1)]), dtype: x!.dtype }
  },
  kernel: ([x, idx], { axis }, shape, dtype) => {
    const { outer, inner } = blocks(x!.shape, axis)
    return wrap(shape, dtype, gatherKernel(x!.data, outer, x!.shape[axis]!, inner, idx!.data as Int32Array))
  },
  vjp: [(g, { inputs: [x, idx], params: { axis } }) => scatterAdd(g, idx!, axis, x!.shape[axis]!), null],
  jvp: ([t], { inputs: [, idx], params: { axis } }) => gather(t!, idx!, axis),
  showParams: (p) => `axis ${p.axis}`,
})

/**
 * Takes entries of `x` along `axis` at int32 `indices` (NumPy's `take`): the
 * result's shape is `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * An index out of range is an error.
 * @example
 * import { gather, tensor } from 'grad-ts'
 * const x = tensor([[1, 2], [3, 4], [5, 6]])
 * console.assert(gather(x, tensor([2, 0], 'int32')).toTypedArray().join() === '5,6,1,2')
 * @since 0.1.0
 */
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => {
  tensorArg('gather', 'indices', indices)
  return bind(gatherP, [x, indices], { axis: normAxis('gather', axis, tensorArg('gather', 'x', x).rank) })
}

const scatterAddP = primitive<{ readonly axis: number; readonly size: number }>({
  name: 'scatterAdd',
  shapeRule: ([u, idx], { axis, size }) => {
    checkIndices('scatterAdd', idx!, size)
    const ir = idx!.rank
    const ok = u!.rank >= axis + ir && idx!.shape.every((d, i) => d === u!.shape[axis + i])
    if (!ok) throw new TensorError('scatterAdd', `updates ${fmtShape(u!.shape)} do not match indices ${fmtShape(idx!.shape)} at axis ${axis}`)
    return { shape: Object.freeze([...u!.shape.slice(0, axis), size, ...u!.shape.slice(axis + ir)]), dtype: u!.dtype }
  },
  kernel: ([u, idx], { axis, size }, shape, dtype) => {
    const { outer, inner } = blocks(shape, axis)
    return wrap(shape, dtype, scatterAddKernel(u!.data, outer, size, inner, idx!.data as Int32Array))
  },
  vjp: [(g, { inputs: [, idx], params: { axis } }) => gather(g, idx!, axis), null],
  jvp: [(t, { inputs: [, idx], params: { axis, size } }) => scatterAdd(t, idx!, axis, size)],
  showParams: (p) => `axis ${p.axis}, size ${p.size}`,
})

/**
 * The adjoint of {@link gather}: a zero tensor with `size` entries on `axis`,
 * to which the slices of `updates` are added at `indices` (repeats accumulate).
 * @example
 * import { scatterAdd, tensor } from 'grad-ts'
 * const s = scatterAdd(tensor([1, 2, 3]), tensor([0, 2, 0], 'int32'), 0, 3)
 * console.assert(s.toTypedArray().join() === '4,0,2')
 * @since 0.1.0
 */
export const scatterAdd = (updates: Tensor, indices: Tensor, axis: number, size: number): Tensor => {
  tensorArg('scatterAdd', 'updates', updates)
  tensorArg('scatterAdd', 'indices', indices)
  // Sums of bools are not bools (true + true would store a 2 in a bool buffer); JAX's scatter-add takes numbers.
  if (updates.dtype === 'bool') throw new TensorError('scatterAdd', 'updates must be numeric, got bool; cast to int32 first')
  if (!Number.isSafeInteger(size) || size < 0) throw new TensorError('scatterAdd', `size must be a non-negative integer, got ${size}`)
  // The result has the axes of `updates` with the indices' axes replaced by one axis of `size`.
  return bind(scatterAddP, [updates, indices], { axis: normAxis('scatterAdd', axis, updates.rank - indices.rank + 1), size })
}

/**
 * Inserts a size-1 axis at `axis`.
 * @example
 * import { expandDims, tensor } from 'grad-ts'
 * console.assert(expandDims(tensor([1, 2]), -1).shape.join() === '2,1')
 * @since 0.1.0
 */
export const expandDims = (x: Tensor, axis: number): Tensor => {
  const a = normAxis('expandDims', axis, tensorArg('expandDims', 'x', x).rank + 1)
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)])
}

/**
 * Removes size-1 axes (all of them, or the ones named).
 * @example
 * import { squeeze, zeros } from 'grad-ts'
 * console.assert(squeeze(zeros([1, 3, 1])).shape.join() === '3')
 * @since 0.1.0
 */
export const squeeze = (x: Tensor, axis?: number | readonly number[]): Tensor => {
  tensorArg('squeeze', 'x', x)
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : (typeof axis === 'number' ? [axis] : axis).map((a) => normAxis('squeeze', a, x.rank))
  for (const a of axes) if (x.shape[a] !== 1) throw new TensorError('squeeze', `axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`)
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)))
}

/** The movement primitives, for the law table. @internal */
export const shapePrimitives = { reshapeP, transposeP, broadcastToP, sliceP, padP, concatP, gatherP, scatterAddP } as const
