/**
 * Elementwise kernels: unary maps, broadcasting binary ops, comparisons,
 * `where` and casts. Each writes only into the fresh buffer it returns.
 * Loops are specialised per op (a `switch` outside the loop), so no closure is
 * called per element. Float32 results are computed in double precision and
 * rounded once on store, except erfInv's, which XLA computes in float32
 * arithmetic (`erfinv.ts`).
 */
import { type DType, type TypedArray, alloc } from '../../core/dtype.js'
import { type Shape, sizeOf } from '../../core/shape.js'
import { erf } from '../../core/erf.js'
import { erfinv32, erfinv64 } from './erfinv.js'
import { planBroadcast } from './plan.js'

/** Unary ops with a kernel. @internal */
export type UnaryOp = 'neg' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'abs' | 'sign' | 'sin' | 'cos' | 'tan' | 'tanh' | 'sigmoid' | 'relu' | 'erf' | 'erfInv' | 'copy'

/** @internal */
export const unaryKernel = (op: UnaryOp, x: TypedArray, dtype: DType): TypedArray => {
  const n = x.length
  const o = alloc(dtype, n)
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) o[i] = -x[i]!; break
    case 'exp': for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!); break
    case 'expm1': for (let i = 0; i < n; i++) o[i] = Math.expm1(x[i]!); break
    case 'log': for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!); break
    case 'log1p': for (let i = 0; i < n; i++) o[i] = Math.log1p(x[i]!); break
    case 'sqrt': for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!); break
    case 'abs': for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!); break
    case 'sign': for (let i = 0; i < n; i++) { const v = x[i]!; o[i] = v > 0 ? 1 : v < 0 ? -1 : v } break
    case 'sin': for (let i = 0; i < n; i++) o[i] = Math.sin(x[i]!); break
    case 'cos': for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]!); break
    case 'tan': for (let i = 0; i < n; i++) o[i] = Math.tan(x[i]!); break
    case 'tanh': for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!); break
    case 'sigmoid':
      // Stable on both sides: never exp of a large positive number.
      for (let i = 0; i < n; i++) {
        const v = x[i]!
        if (v >= 0) o[i] = 1 / (1 + Math.exp(-v))
        else { const e = Math.exp(v); o[i] = e / (1 + e) }
      }
      break
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; o[i] = v > 0 ? v : v === v ? 0 : v } break
    case 'erf': for (let i = 0; i < n; i++) o[i] = erf(x[i]!); break
    // float32 in float32 arithmetic (the normal sampler's erfinv, bit for bit), float64 by the double-precision branch.
    case 'erfInv': { const e = dtype === 'float32' ? erfinv32 : erfinv64; for (let i = 0; i < n; i++) o[i] = e(x[i]!) } break
    case 'copy': o.set(x); break
  }
  return o
}

/** Binary ops with a kernel (comparisons write 0/1 into a bool buffer). @internal */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'

/** @internal */
export const binaryKernel = (op: BinaryOp, a: TypedArray, as: Shape, b: TypedArray, bs: Shape, out: Shape, dtype: DType): TypedArray => {
  const o = alloc(dtype, sizeOf(out))
  const { inner: n, runs, strides, offsets } = planBroadcast(out, [as, bs])
  const sa = strides[0]!
  const sb = strides[1]!
  const offA = offsets[0]!
  const offB = offsets[1]!
  let k = 0
  for (let r = 0; r < runs; r++) {
    let ia = offA[r]!
    let ib = offB[r]!
    const end = k + n
    switch (op) {
      case 'add': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! + b[ib]!; break
      case 'sub': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! - b[ib]!; break
      // int32 products wrap modulo 2³² exactly (Math.imul), as in JAX; a double product would lose the low bits first.
      case 'mul': if (dtype === 'int32') for (; k < end; k++, ia += sa, ib += sb) o[k] = Math.imul(a[ia]!, b[ib]!)
        else for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! * b[ib]!
        break
      case 'div': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! / b[ib]!; break
      case 'pow': for (; k < end; k++, ia += sa, ib += sb) o[k] = Math.pow(a[ia]!, b[ib]!); break
      case 'maximum': for (; k < end; k++, ia += sa, ib += sb) { const u = a[ia]!, v = b[ib]!; o[k] = u > v || u !== u ? u : v } break
      case 'minimum': for (; k < end; k++, ia += sa, ib += sb) { const u = a[ia]!, v = b[ib]!; o[k] = u < v || u !== u ? u : v } break
      case 'eq': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! === b[ib]! ? 1 : 0; break
      case 'ne': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! !== b[ib]! ? 1 : 0; break
      case 'lt': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! < b[ib]! ? 1 : 0; break
      case 'le': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! <= b[ib]! ? 1 : 0; break
      case 'gt': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! > b[ib]! ? 1 : 0; break
      case 'ge': for (; k < end; k++, ia += sa, ib += sb) o[k] = a[ia]! >= b[ib]! ? 1 : 0; break
    }
  }
  return o
}

/** `cond ? a : b` elementwise with broadcasting. @internal */
export const whereKernel = (c: TypedArray, cs: Shape, a: TypedArray, as: Shape, b: TypedArray, bs: Shape, out: Shape, dtype: DType): TypedArray => {
  const o = alloc(dtype, sizeOf(out))
  const { inner: n, runs, strides, offsets } = planBroadcast(out, [cs, as, bs])
  const [sc, sa, sb] = strides as [number, number, number]
  let k = 0
  for (let r = 0; r < runs; r++) {
    let ic = offsets[0]![r]!
    let ia = offsets[1]![r]!
    let ib = offsets[2]![r]!
    for (const end = k + n; k < end; k++, ic += sc, ia += sa, ib += sb) o[k] = c[ic] ? a[ia]! : b[ib]!
  }
  return o
}

/** Converts a buffer to another dtype: floats round to nearest, ints truncate toward zero, bool is `≠ 0`. @internal */
export const castKernel = (x: TypedArray, dtype: DType): TypedArray => {
  const n = x.length
  const o = alloc(dtype, n)
  if (dtype === 'int32') for (let i = 0; i < n; i++) o[i] = Math.trunc(x[i]!)
  else if (dtype === 'bool') for (let i = 0; i < n; i++) o[i] = x[i] !== 0 ? 1 : 0
  else o.set(x)
  return o
}
