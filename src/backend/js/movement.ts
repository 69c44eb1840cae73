/**
 * Data movement: transpose, broadcast, slice, pad, concat, gather and
 * scatter-add. Every kernel copies into a fresh buffer in contiguous runs.
 */
import { type TypedArray } from '../../core/dtype.js'
import { type Shape, sizeOf, stridesOf } from '../../core/shape.js'
import { planBroadcast, planStrided } from './plan.js'

const fresh = (like: TypedArray, n: number): TypedArray => new (like.constructor as new (n: number) => TypedArray)(n)

/** Copies a strided walk of `x` into a fresh contiguous buffer of shape `out`. */
const gatherStrided = (x: TypedArray, out: Shape, strides: readonly number[]): TypedArray => {
  const o = fresh(x, sizeOf(out))
  const { inner: n, runs, strides: s, offsets } = planStrided(out, [strides])
  const st = s[0]!
  const off = offsets[0]!
  let k = 0
  for (let r = 0; r < runs; r++) for (let i = off[r]!, end = k + n; k < end; k++, i += st) o[k] = x[i]!
  return o
}

/** Permutes axes: output axis i is input axis `perm[i]`. @internal */
export const transposeKernel = (x: TypedArray, shape: Shape, perm: readonly number[]): TypedArray => {
  const st = stridesOf(shape)
  if (shape.length === 2 && perm[0] === 1) {
    // Blocked 2-D transpose: both sides stay in cache.
    const [R, C] = shape as [number, number]
    const o = fresh(x, R * C)
    const B = 32
    for (let i0 = 0; i0 < R; i0 += B)
      for (let j0 = 0; j0 < C; j0 += B)
        for (let i = i0, ie = Math.min(R, i0 + B); i < ie; i++)
          for (let j = j0, je = Math.min(C, j0 + B); j < je; j++) o[j * R + i] = x[i * C + j]!
    return o
  }
  return gatherStrided(x, perm.map((p) => shape[p]!), perm.map((p) => st[p]!))
}

/** Broadcasts `x` of shape `shape` to `out`. @internal */
export const broadcastKernel = (x: TypedArray, shape: Shape, out: Shape): TypedArray => {
  const o = fresh(x, sizeOf(out))
  const { inner: n, runs, strides, offsets } = planBroadcast(out, [shape])
  const st = strides[0]!
  const off = offsets[0]!
  let k = 0
  for (let r = 0; r < runs; r++) for (let i = off[r]!, end = k + n; k < end; k++, i += st) o[k] = x[i]!
  return o
}

/** The box `begin ≤ index < begin + out` of `x`. @internal */
export const sliceKernel = (x: TypedArray, shape: Shape, begin: readonly number[], out: Shape): TypedArray => {
  const st = stridesOf(shape)
  const base = begin.reduce((acc, b, i) => acc + b * st[i]!, 0)
  const o = fresh(x, sizeOf(out))
  const { inner: n, runs, strides, offsets } = planStrided(out, [st])
  const s = strides[0]!
  let k = 0
  for (let r = 0; r < runs; r++) for (let i = base + offsets[0]![r]!, end = k + n; k < end; k++, i += s) o[k] = x[i]!
  return o
}

/** Zero-pads `x` with `before[i]` and `after[i]` elements on each side of axis i. @internal */
export const padKernel = (x: TypedArray, shape: Shape, before: readonly number[], out: Shape): TypedArray => {
  const ost = stridesOf(out)
  const base = before.reduce((acc, b, i) => acc + b * ost[i]!, 0)
  const o = fresh(x, sizeOf(out))
  const { inner: n, runs, strides, offsets } = planStrided(shape, [ost])
  const s = strides[0]!
  let k = 0
  for (let r = 0; r < runs; r++) for (let i = base + offsets[0]![r]!, end = k + n; k < end; k++, i += s) o[i] = x[k]!
  return o
}

/** Concatenates buffers along an axis; `shapes[i]` differ only there. @internal */
export const concatKernel = (xs: readonly TypedArray[], shapes: readonly Shape[], axis: number, out: Shape): TypedArray => {
  const o = fresh(xs[0]!, sizeOf(out))
  const outer = sizeOf(out.slice(0, axis))
  const rowOut = sizeOf(out.slice(axis))
  let col = 0
  xs.forEach((x, t) => {
    const row = sizeOf(shapes[t]!.slice(axis))
    for (let p = 0; p < outer; p++) o.set(x.subarray(p * row, (p + 1) * row), p * rowOut + col)
    col += row
  })
  return o
}

/**
 * `x` viewed as `[outer, A, inner]`, indices flat of length K: the result
 * `[outer, K, inner]` takes row `indices[k]` for each k. Indices are checked by the caller.
 * @internal
 */
export const gatherKernel = (x: TypedArray, outer: number, A: number, inner: number, indices: Int32Array): TypedArray => {
  const K = indices.length
  const o = fresh(x, outer * K * inner)
  for (let p = 0; p < outer; p++)
    for (let k = 0; k < K; k++) {
      const src = (p * A + indices[k]!) * inner
      o.set(x.subarray(src, src + inner), (p * K + k) * inner)
    }
  return o
}

/** The adjoint of `gatherKernel`: adds row k of `u` (`[outer, K, inner]`) into row `indices[k]` of a zero `[outer, A, inner]`. @internal */
export const scatterAddKernel = (u: TypedArray, outer: number, A: number, inner: number, indices: Int32Array): TypedArray => {
  const K = indices.length
  const o = fresh(u, outer * A * inner)
  for (let p = 0; p < outer; p++)
    for (let k = 0; k < K; k++) {
      const dst = (p * A + indices[k]!) * inner
      const src = (p * K + k) * inner
      for (let i = 0; i < inner; i++) o[dst + i]! += u[src + i]!
    }
  return o
}
