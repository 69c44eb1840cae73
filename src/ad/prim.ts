/**
 * What a primitive is: a name, a shape/dtype rule, a kernel, and its VJP and
 * JVP rules. Rules are written with the library's own differentiable ops, so
 * derivatives of every order come from the same table.
 */
import type { DType } from '../core/dtype.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'

/** What a rule sees: the primal inputs, the primal output and the params. @since 0.1.0 */
export interface Ctx<P> {
  readonly inputs: readonly Tensor[]
  readonly out: Tensor
  readonly params: P
}

/** The cotangent of one input from the cotangent `g` of the output. @since 0.1.0 */
export type VjpRule<P> = (g: Tensor, ctx: Ctx<P>) => Tensor
/** The output tangent from the input tangents (`null` = a known zero). @since 0.1.0 */
export type JvpRule<P> = (tangents: readonly (Tensor | null)[], ctx: Ctx<P>) => Tensor
/** One input's contribution to the output tangent, linear in `t`; contributions are summed. @since 0.1.0 */
export type LinearJvpRule<P> = (t: Tensor, ctx: Ctx<P>) => Tensor

/**
 * A primitive op. `vjp` is `null` for ops without derivatives (comparisons,
 * argmax, stopGradient): their outputs are constants to every transformation.
 * @since 0.1.0
 */
export interface Primitive<P> {
  readonly name: string
  /** Output shape and dtype; throws `TensorError` for bad arguments. */
  readonly shapeRule: (inputs: readonly Tensor[], params: P) => { readonly shape: Shape; readonly dtype: DType }
  /** Computes the output from concrete inputs. */
  readonly kernel: (inputs: readonly Tensor[], params: P, shape: Shape, dtype: DType) => Tensor
  /** One rule per input (`null`: that input gets no cotangent), or one rule chosen by input index. */
  readonly vjp: readonly (VjpRule<P> | null)[] | ((i: number) => VjpRule<P> | null) | null
  /** A rule over all tangents, or one linear rule per input (their contributions are summed). */
  readonly jvp: JvpRule<P> | readonly (LinearJvpRule<P> | null)[] | null
  /** Params as shown in printed graphs. */
  readonly showParams?: (params: P) => string
}

/** The VJP rule of input `i`, or null. @internal */
export const vjpRule = <P>(prim: Primitive<P>, i: number): VjpRule<P> | null => {
  const v = prim.vjp
  if (v === null) return null
  return typeof v === 'function' ? v(i) : (v[i] ?? null)
}

/** Defines a primitive (identity; gives the params type a name). @internal */
export const primitive = <P>(p: Primitive<P>): Primitive<P> => p
