/**
 * Reductions over a block of contiguous axes, seen as `[outer, R, inner]`:
 * sums accumulate in double precision; max/min propagate NaN; argmax/argmin
 * return the first index of the extreme (NaN counts as the extreme).
 * Callers move non-contiguous axes together first (see `reduceAxes`).
 */
import { type DType, type TypedArray, alloc } from '../../core/dtype.js'
import { type Shape, sizeOf } from '../../core/shape.js'
import { transposeKernel } from './movement.js'

/** @internal */
export type ReduceOp = 'sum' | 'max' | 'min'

const reduceBlock = (op: ReduceOp, x: TypedArray, outer: number, R: number, inner: number, dtype: DType): TypedArray => {
  const o = alloc(dtype, outer * inner)
  if (op === 'sum') {
    if (inner === 1) {
      for (let p = 0, base = 0; p < outer; p++, base += R) {
        let s = 0
        for (let r = 0; r < R; r++) s += x[base + r]!
        o[p] = s
      }
    } else {
      const acc = new Float64Array(inner)
      for (let p = 0; p < outer; p++) {
        acc.fill(0)
        for (let r = 0, base = p * R * inner; r < R; r++, base += inner) for (let i = 0; i < inner; i++) acc[i]! += x[base + i]!
        for (let i = 0; i < inner; i++) o[p * inner + i] = acc[i]!
      }
    }
    return o
  }
  const max = op === 'max'
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < inner; i++) {
      let m = max ? -Infinity : Infinity
      for (let r = 0, j = p * R * inner + i; r < R; r++, j += inner) {
        const v = x[j]!
        if (v !== v) { m = v; break }
        if (max ? v > m : v < m) m = v
      }
      o[p * inner + i] = m
    }
  }
  return o
}

/** Index of the max (or min) along the middle axis of `[outer, R, inner]`, as int32. @internal */
export const argReduceKernel = (op: 'max' | 'min', x: TypedArray, outer: number, R: number, inner: number): Int32Array => {
  const o = new Int32Array(outer * inner)
  const max = op === 'max'
  for (let p = 0; p < outer; p++) {
    for (let i = 0; i < inner; i++) {
      let best = 0
      let m = x[p * R * inner + i]!
      for (let r = 1, j = p * R * inner + i + inner; r < R && m === m; r++, j += inner) {
        const v = x[j]!
        if (v !== v || (max ? v > m : v < m)) { m = v; best = r }
      }
      o[p * inner + i] = best
    }
  }
  return o
}

/**
 * Reduces `x` of shape `shape` over the sorted axes `axes` (output without the
 * reduced axes, in `dtype`). Non-contiguous axes are first transposed to the end.
 * @internal
 */
export const reduceKernel = (op: ReduceOp, x: TypedArray, shape: Shape, axes: readonly number[], dtype: DType): TypedArray => {
  if (axes.length === 0) return reduceBlock(op, x, x.length, 1, 1, dtype)
  const first = axes[0]!
  const last = axes[axes.length - 1]!
  if (last - first + 1 === axes.length) {
    const outer = sizeOf(shape.slice(0, first))
    const R = sizeOf(shape.slice(first, last + 1))
    const inner = sizeOf(shape.slice(last + 1))
    return reduceBlock(op, x, outer, R, inner, dtype)
  }
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i))
  const perm = [...keep, ...axes]
  const moved = transposeKernel(x, shape, perm)
  const outer = sizeOf(keep.map((i) => shape[i]!))
  return reduceBlock(op, moved, outer, sizeOf(axes.map((i) => shape[i]!)), 1, dtype)
}

