/**
 * The reference convolution: a direct loop in the canonical layout (lhs
 * `[N, ...spatial, C]`, rhs `[...window, C/G, O]`, out `[N, ...spatial′, O]`),
 * for any number of spatial axes.
 *
 * Each output element is one sum, accumulated in a double (a JavaScript
 * number) in a fixed order — window positions in row-major order, and within
 * each the group's input channels in increasing order — and rounded once to
 * the output's dtype when it is stored (float32 outputs round once; float64
 * ones are that double). The order does not depend on the batch size or the
 * number of groups, so batching (which folds a vmapped axis into N or into
 * groups) gives bit-identical results.
 */
import { type DType, type TypedArray, alloc } from '../../core/dtype.js'
import { type Shape, sizeOf } from '../../core/shape.js'
import { type ConvParams, convDims } from '../../ad/primitives.js'

/** The row-major multi-indices of `shape`, flattened: entry `i·rank + a` is axis a of index i. */
const multiIndices = (shape: Shape): Int32Array => {
  const r = shape.length
  const n = sizeOf(shape)
  const out = new Int32Array(n * r)
  const idx = new Array<number>(r).fill(0)
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < r; a++) out[i * r + a] = idx[a]!
    for (let a = r - 1; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break
      idx[a] = 0
    }
  }
  return out
}

/** Row-major strides of `shape` times `inner`. @internal */
export const stridesOf = (shape: Shape, inner: number): number[] => {
  const s = new Array<number>(shape.length)
  let acc = inner
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i]!
  }
  return s
}

/**
 * For each spatial axis a, `rows[a][oi·K + k]`: the input index that output
 * position oi reads at window offset k, or −1 where that is padding or a hole
 * of lhs dilation. @internal
 */
export const windowRows = (spatial: Shape, out: Shape, window: Shape, p: ConvParams): Int32Array[] =>
  spatial.map((d, a) => {
    const K = window[a]!
    const t = new Int32Array(out[a]! * K)
    for (let oi = 0; oi < out[a]!; oi++) {
      for (let k = 0; k < K; k++) {
        const pos = oi * p.strides[a]! + k * p.rhsDilation[a]! - p.padding[a]![0]
        const ld = p.lhsDilation[a]!
        t[oi * K + k] = pos >= 0 && pos % ld === 0 && pos / ld < d ? pos / ld : -1
      }
    }
    return t
  })

/** @internal */
export const convKernel = (x: TypedArray, w: TypedArray, lhs: Shape, rhs: Shape, p: ConvParams, dtype: DType): TypedArray => {
  const { n, spatial, out, window, cg, o, groups } = convDims(lhs, rhs, p)
  const nsp = spatial.length
  const og = o / groups
  const c = cg * groups
  const result = alloc(dtype, n * sizeOf(out) * o)
  if (result.length === 0) return result
  const rows = windowRows(spatial, out, window, p)
  const xStride = stridesOf(spatial, c)
  const wStride = stridesOf(window, cg * o)
  const outs = multiIndices(out)
  const wins = multiIndices(window)
  const nOut = sizeOf(out)
  const nWin = sizeOf(window)
  const acc = new Float64Array(o)
  const xBatch = sizeOf(spatial) * c
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < nOut; q++) {
      acc.fill(0)
      for (let kk = 0; kk < nWin; kk++) {
        let xo = b * xBatch
        let wo = 0
        let inside = true
        for (let a = 0; a < nsp; a++) {
          const k = wins[kk * nsp + a]!
          const i = rows[a]![outs[q * nsp + a]! * window[a]! + k]!
          if (i < 0) {
            inside = false
            break
          }
          xo += i * xStride[a]!
          wo += k * wStride[a]!
        }
        if (!inside) continue
        for (let g = 0; g < groups; g++) {
          const fo = g * og
          for (let ci = 0; ci < cg; ci++) {
            const xv = x[xo + g * cg + ci]!
            const wr = wo + ci * o + fo
            for (let f = 0; f < og; f++) acc[fo + f]! += xv * w[wr + f]!
          }
        }
      }
      result.set(acc, (b * nOut + q) * o)
    }
  }
  return result
}
