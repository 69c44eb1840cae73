/**
 * Element types. Rules (documented in docs/tensors.md):
 * - `bool` < `int32` < `float32` < `float64`; a binary op computes in the larger
 *   of its operands' dtypes, so float32 + float64 is float64 — never a silent downcast.
 * - A JavaScript number used as an operand is *weak*: it takes the other operand's
 *   dtype (`mul(x32, 2)` stays float32), as in JAX; a number with a fraction
 *   meeting an int32 or bool tensor makes the result float32.
 * - Only float tensors carry derivatives.
 */
import { TensorError } from './errors.js'

/** Element type of a tensor. @since 0.1.0 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool'
/** The differentiable element types. @since 0.1.0 */
export type FloatDType = 'float32' | 'float64'

/** The typed array that holds a dtype's elements. @since 0.1.0 */
export type ArrayOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array

/** Any buffer a tensor can sit on. @since 0.1.0 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 }

/** The dtype both operands are computed in. @internal */
export const promote = (a: DType, b: DType): DType => (rank[a] >= rank[b] ? a : b)

/** Whether a dtype carries derivatives. @internal */
export const isFloat = (d: DType): d is FloatDType => d === 'float32' || d === 'float64'

/** A fresh zero-filled buffer of `n` elements of dtype `d`. @internal */
export const alloc = <D extends DType>(d: D, n: number): ArrayOf<D> => {
  switch (d) {
    case 'float32':
      return new Float32Array(n) as ArrayOf<D>
    case 'float64':
      return new Float64Array(n) as ArrayOf<D>
    case 'int32':
      return new Int32Array(n) as ArrayOf<D>
    case 'bool':
      return new Uint8Array(n) as ArrayOf<D>
  }
  throw new TensorError('alloc', `unknown dtype ${String(d)}`)
}

/** The dtype a typed array holds (Uint8Array holds bool). @internal */
export const dtypeOfArray = (a: TypedArray): DType =>
  a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'bool'

/** Whether `s` names a dtype. @internal */
export const isDType = (s: unknown): s is DType => s === 'float32' || s === 'float64' || s === 'int32' || s === 'bool'
