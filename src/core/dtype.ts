/**
 * Element types. Rules (documented in docs/tensors.md):
 * - `bool` < `int32` < `float32` < `float64`; a binary op computes in the larger
 *   of its operands' dtypes, so float32 + float64 is float64 — never a silent downcast.
 * - A JavaScript number used as an operand is *weak*: it takes the other operand's
 *   dtype (`mul(x32, 2)` stays float32), as in JAX; a number with a fraction
 *   meeting an int32 or bool tensor makes the result float32.
 * - Only float tensors carry derivatives.
 */
import { describe } from './check.js'
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

/** A fresh zero-filled buffer of `n` elements of dtype `d` (a kernel's output; its size was checked by the caller). @internal */
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

/** The dtype a typed array holds (Uint8Array holds bool), or undefined for any other kind of array. @internal */
export const dtypeOfArray = (a: unknown): DType | undefined =>
  a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : a instanceof Uint8Array ? 'bool' : undefined

/** Whether `s` names a dtype. @internal */
export const isDType = (s: unknown): s is DType => s === 'float32' || s === 'float64' || s === 'int32' || s === 'bool'

/** `d` if it names a dtype; otherwise a TensorError naming the function the user called. @internal */
export const checkDType = (op: string, d: unknown, arg = 'dtype'): DType => {
  if (!isDType(d)) throw new TensorError(op, `${arg} must be 'float32', 'float64', 'int32' or 'bool', got ${describe(d)}`)
  return d
}

/**
 * Why `v` cannot be an element of dtype `d`, or undefined if it can. The one
 * rule every constructor and weak scalar follows: int32 takes integers in
 * [−2³¹, 2³¹), bool takes `true`, `false`, 0 and 1, floats take any number
 * (rounded to the dtype), and booleans count as 0 and 1. Nothing is truncated,
 * wrapped or coerced from another type.
 * @internal
 */
export const badElement = (v: unknown, d: DType): string | undefined => {
  if (typeof v === 'boolean') return undefined
  if (typeof v !== 'number') return `${describe(v)}, not a number or boolean`
  if (d === 'int32' && !(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) return `${v}, not an int32`
  if (d === 'bool' && v !== 0 && v !== 1) return `${v}, not a bool (true, false, 0 or 1)`
  return undefined
}

/** `v` as the number stored for dtype `d`; a TensorError naming `op` and `what` if it does not fit. @internal */
export const checkElement = (op: string, v: unknown, d: DType, what: string): number => {
  const bad = badElement(v, d)
  if (bad !== undefined) throw new TensorError(op, `${what} is ${bad}`)
  return Number(v)
}
