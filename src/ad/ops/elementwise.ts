/**
 * Elementwise ops: unary math, broadcasting binary arithmetic, comparisons,
 * `where`, `cast` and `stopGradient`. Each checks its arguments under its own
 * name, promotes dtypes, and binds its primitive (the rules are in the
 * catalogue, `../primitives.ts`, and the rule tables of `../rules/`).
 *
 * Data-first, like the maths: `add(a, b)`. A JavaScript number is a weakly
 * typed scalar that takes the other operand's dtype (see `core/dtype.ts`).
 */
import { describe } from '../../core/check.js'
import { type DType, checkDType, isFloat, promote } from '../../core/dtype.js'
import { TensorError } from '../../core/errors.js'
import { Tensor, scalar, tensorArg } from '../../core/tensor.js'
import type { ComparePrim } from '../primitives.js'
import { bind } from '../trace.js'

/** A tensor, or a number standing for a weakly typed scalar. @since 0.1.0 */
export type TensorLike = Tensor | number

const isIntLike = (d: DType): boolean => d === 'int32' || d === 'bool'

/**
 * A number as a weakly typed scalar of the dtype it meets (float32 when nothing
 * is met, or a fraction meets an integer tensor; int32 when it meets bool). An
 * integer too large for int32 meeting an integer tensor is an error, as in JAX.
 * @internal
 */
export const weak = (op: string, arg: string, v: number, like?: DType): Tensor => {
  const d = like === undefined || (isIntLike(like) && !Number.isInteger(v)) ? 'float32' : like === 'bool' ? 'int32' : like
  if (d === 'int32' && !(v >= -2147483648 && v <= 2147483647)) throw new TensorError(op, `${arg} is ${v}, which does not fit the int32 it meets`)
  return scalar(v, d)
}

/** An op's argument as a tensor: a Tensor passes, a number is a weak scalar, anything else is an error naming the op and the argument. @internal */
export const asTensor = (op: string, arg: string, x: TensorLike, like?: DType): Tensor => {
  if (x instanceof Tensor) return x
  if (typeof x === 'number') return weak(op, arg, x, like)
  throw new TensorError(op, `${arg} must be a tensor or a number, got ${describe(x)}`)
}

/**
 * Brings two operands to one dtype under the promotion rules. `lift` says what
 * the op computes in: `'int'` (arithmetic) lifts bool to int32, `'float'` lifts
 * integers to float32, `'none'` (selection, maximum, comparisons) keeps bool.
 * @internal
 */
export const coerce2 = (op: string, a: TensorLike, b: TensorLike, lift: 'none' | 'int' | 'float' = 'int'): readonly [Tensor, Tensor] => {
  let x = asTensor(op, 'a', a, b instanceof Tensor ? b.dtype : undefined)
  let y = asTensor(op, 'b', b, x.dtype)
  let d = promote(x.dtype, y.dtype)
  if (lift === 'float' && !isFloat(d)) d = 'float32'
  else if (lift === 'int' && d === 'bool') d = 'int32'
  if (x.dtype !== d) x = cast(x, d)
  if (y.dtype !== d) y = cast(y, d)
  return [x, y]
}

// ---------------------------------------------------------------- unary

/** An op's argument as a float tensor: floats pass, integers and bools become float32 (as jax.nn's functions compute). @internal */
export const floatUnary = (op: string, x: TensorLike): Tensor => {
  const t = asTensor(op, 'x', x)
  return isFloat(t.dtype) ? t : cast(t, 'float32')
}

/** `−x`. @example import { neg, tensor } from 'grad-ts'
 * console.assert(neg(tensor([1, -2])).toTypedArray().join() === '-1,2')
 * @since 0.1.0 */
export const neg = (x: TensorLike): Tensor => {
  const t = asTensor('neg', 'x', x)
  // As in NumPy and JAX: a bool has no negative (−true would be a byte 255 in a bool buffer).
  if (t.dtype === 'bool') throw new TensorError('neg', 'is not defined for bool tensors; cast to int32 first')
  return bind('neg', [t], undefined)
}
/** `eˣ`. @example import { exp } from 'grad-ts'
 * console.assert(exp(0).item() === 1)
 * @since 0.1.0 */
export const exp = (x: TensorLike): Tensor => bind('exp', [floatUnary('exp', x)], undefined)
/** `eˣ − 1`, accurate for small x (JAX's `jnp.expm1`). @example import { expm1, tensor } from 'grad-ts'
 * console.assert(expm1(tensor(1e-10, 'float64')).item() === Math.expm1(1e-10) && expm1(0).item() === 0)
 * @since 0.2.0 */
export const expm1 = (x: TensorLike): Tensor => bind('expm1', [floatUnary('expm1', x)], undefined)
/** Natural logarithm. @example import { log } from 'grad-ts'
 * console.assert(log(1).item() === 0)
 * @since 0.1.0 */
export const log = (x: TensorLike): Tensor => bind('log', [floatUnary('log', x)], undefined)
/** `log(1 + x)`, accurate for small x. @example import { log1p, tensor } from 'grad-ts'
 * console.assert(log1p(tensor(1e-10, 'float64')).item() === Math.log1p(1e-10))
 * @since 0.1.0 */
export const log1p = (x: TensorLike): Tensor => bind('log1p', [floatUnary('log1p', x)], undefined)
/** Square root. @example import { sqrt } from 'grad-ts'
 * console.assert(sqrt(9).item() === 3)
 * @since 0.1.0 */
export const sqrt = (x: TensorLike): Tensor => bind('sqrt', [floatUnary('sqrt', x)], undefined)
/** `|x|`; its derivative at 0 is 1, as in JAX (whose rule is `select(x ≥ 0, g, −g)`). @example import { abs, tensor } from 'grad-ts'
 * console.assert(abs(tensor([-2, 3])).toTypedArray().join() === '2,3')
 * @since 0.1.0 */
export const abs = (x: TensorLike): Tensor => bind('abs', [asTensor('abs', 'x', x)], undefined)
/** −1, 0 or 1 (NaN stays NaN); derivative zero. @example import { sign, tensor } from 'grad-ts'
 * console.assert(sign(tensor([-2, 0, 5])).toTypedArray().join() === '-1,0,1')
 * @since 0.1.0 */
export const sign = (x: TensorLike): Tensor => bind('sign', [asTensor('sign', 'x', x)], undefined)
/** Sine (radians). @example import { sin, tensor } from 'grad-ts'
 * console.assert(sin(tensor(Math.PI / 2, 'float64')).item() === 1 && sin(0).item() === 0)
 * @since 0.2.0 */
export const sin = (x: TensorLike): Tensor => bind('sin', [floatUnary('sin', x)], undefined)
/** Cosine (radians). @example import { cos, tensor } from 'grad-ts'
 * console.assert(cos(tensor(Math.PI, 'float64')).item() === -1 && cos(0).item() === 1)
 * @since 0.2.0 */
export const cos = (x: TensorLike): Tensor => bind('cos', [floatUnary('cos', x)], undefined)
/**
 * Tangent (radians). A primitive of its own, as `lax.tan`: float32 results are
 * rounded once, where `sin(x) / cos(x)` would round three times.
 * @example import { tan, tensor } from 'grad-ts'
 * console.assert(tan(tensor(Math.PI / 4, 'float64')).item() === Math.tan(Math.PI / 4) && tan(0).item() === 0)
 * @since 0.2.0 */
export const tan = (x: TensorLike): Tensor => bind('tan', [floatUnary('tan', x)], undefined)
/** Hyperbolic tangent. @example import { tanh } from 'grad-ts'
 * console.assert(tanh(0).item() === 0)
 * @since 0.1.0 */
export const tanh = (x: TensorLike): Tensor => bind('tanh', [floatUnary('tanh', x)], undefined)
/** The logistic function `1 / (1 + e⁻ˣ)`, stable for large |x|. @example import { sigmoid, tensor } from 'grad-ts'
 * console.assert(sigmoid(tensor(-1000, 'float64')).item() === 0 && sigmoid(0).item() === 0.5)
 * @since 0.1.0 */
export const sigmoid = (x: TensorLike): Tensor => bind('sigmoid', [floatUnary('sigmoid', x)], undefined)
/** `max(x, 0)`; its derivative at 0 is 0. @example import { relu, tensor } from 'grad-ts'
 * console.assert(relu(tensor([-1, 2])).toTypedArray().join() === '0,2')
 * @since 0.1.0 */
export const relu = (x: TensorLike): Tensor => bind('relu', [asTensor('relu', 'x', x)], undefined)

/**
 * The error function `erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt`, as `jax.lax.erf`: within
 * 2 ulp in float64 (its series summed in double-double arithmetic for |x| < 2,
 * its continued fraction for erfc above), and that value rounded once in
 * float32. Its derivative is `(2/√π)·e^(−x²)`.
 * @example import { erf, tensor } from 'grad-ts'
 * console.assert(Math.abs(erf(tensor(1, 'float64')).item() - 0.8427007929497149) < 2e-16)
 * console.assert(erf(tensor(-Infinity, 'float64')).item() === -1 && erf(0).item() === 0)
 * @since 0.2.0 */
export const erf = (x: TensorLike): Tensor => bind('erf', [floatUnary('erf', x)], undefined)

/**
 * The inverse error function, as `jax.lax.erf_inv` (`jax.scipy.special.erfinv`):
 * XLA's decomposition, M. Giles' polynomials in `w = −log1p(−x²)` — the
 * single-precision ones evaluated in float32 arithmetic for float32 (the same
 * function `normal` and `truncatedNormal` draw with, bit for bit; XLA's own
 * `log1p` and fused multiply-adds may move JAX's result by an ulp or two), the
 * double-precision ones for float64 (`erf` maps the result back to x within
 * 2e-15·|x|). Defined on [−1, 1]: `erfInv(±1) = ±∞`, and NaN for |x| > 1, as
 * in JAX. Its derivative is `(√π/2)·e^(erfInv(x)²)`.
 * @example import { erf, erfInv, tensor } from 'grad-ts'
 * console.assert(Math.abs(erfInv(tensor(0.5, 'float64')).item() - 0.4769362762044699) < 1e-15)
 * console.assert(Math.abs(erf(erfInv(tensor(-0.9, 'float64'))).item() + 0.9) < 2e-15)
 * console.assert(erfInv(1).item() === Infinity && Number.isNaN(erfInv(2).item()) && erfInv(0).item() === 0)
 * @since 0.2.0 */
export const erfInv = (x: TensorLike): Tensor => bind('erfInv', [floatUnary('erfInv', x)], undefined)

// ---------------------------------------------------------------- binary

/** `a + b` with broadcasting. @example import { add, tensor } from 'grad-ts'
 * console.assert(add(tensor([[1], [2]]), tensor([10, 20])).toTypedArray().join() === '11,21,12,22')
 * @since 0.1.0 */
export const add = (a: TensorLike, b: TensorLike): Tensor => bind('add', coerce2('add', a, b), undefined)
/** `a − b` with broadcasting. @example import { sub, tensor } from 'grad-ts'
 * console.assert(sub(tensor([3, 4]), 1).toTypedArray().join() === '2,3')
 * @since 0.1.0 */
export const sub = (a: TensorLike, b: TensorLike): Tensor => bind('sub', coerce2('sub', a, b), undefined)
/** `a · b` elementwise with broadcasting. @example import { mul, tensor } from 'grad-ts'
 * console.assert(mul(tensor([1, 2]), tensor([3, 4])).toTypedArray().join() === '3,8')
 * @since 0.1.0 */
export const mul = (a: TensorLike, b: TensorLike): Tensor => bind('mul', coerce2('mul', a, b), undefined)
/** `a / b` elementwise; integer operands give float32 (true division). @example import { div, tensor } from 'grad-ts'
 * console.assert(div(tensor([1, 3], 'int32'), 2).toTypedArray().join() === '0.5,1.5')
 * @since 0.1.0 */
export const div = (a: TensorLike, b: TensorLike): Tensor => bind('div', coerce2('div', a, b, 'float'), undefined)
/** `aᵇ` elementwise. @example import { pow, tensor } from 'grad-ts'
 * console.assert(pow(tensor([2, 3]), 2).toTypedArray().join() === '4,9')
 * @since 0.1.0 */
export const pow = (a: TensorLike, b: TensorLike): Tensor => bind('pow', coerce2('pow', a, b, 'float'), undefined)
/** Elementwise maximum (NaN wins); ties share the gradient equally. @example import { maximum, tensor } from 'grad-ts'
 * console.assert(maximum(tensor([1, 5]), 3).toTypedArray().join() === '3,5')
 * @since 0.1.0 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => bind('maximum', coerce2('maximum', a, b, 'none'), undefined)
/** Elementwise minimum (NaN wins); ties share the gradient equally. @example import { minimum, tensor } from 'grad-ts'
 * console.assert(minimum(tensor([1, 5]), 3).toTypedArray().join() === '1,3')
 * @since 0.1.0 */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => bind('minimum', coerce2('minimum', a, b, 'none'), undefined)

const compare = (op: ComparePrim) => (a: TensorLike, b: TensorLike): Tensor => bind(op, coerce2(op, a, b, 'none'), undefined)
/** `a = b` elementwise, as a bool tensor. @example import { equal, tensor } from 'grad-ts'
 * console.assert(equal(tensor([1, 2]), 2).toTypedArray().join() === '0,1')
 * @since 0.1.0 */
export const equal = compare('equal')
/** `a ≠ b` elementwise, as a bool tensor. @example import { notEqual, tensor } from 'grad-ts'
 * console.assert(notEqual(tensor([1, 2]), 2).toTypedArray().join() === '1,0')
 * @since 0.1.0 */
export const notEqual = compare('notEqual')
/** `a < b` elementwise, as a bool tensor. @example import { less, tensor } from 'grad-ts'
 * console.assert(less(tensor([1, 2]), 2).toTypedArray().join() === '1,0')
 * @since 0.1.0 */
export const less = compare('less')
/** `a ≤ b` elementwise, as a bool tensor. @example import { lessEqual, tensor } from 'grad-ts'
 * console.assert(lessEqual(tensor([1, 2]), 2).toTypedArray().join() === '1,1')
 * @since 0.1.0 */
export const lessEqual = compare('lessEqual')
/** `a > b` elementwise, as a bool tensor. @example import { greater, tensor } from 'grad-ts'
 * console.assert(greater(tensor([1, 2]), 1).toTypedArray().join() === '0,1')
 * @since 0.1.0 */
export const greater = compare('greater')
/** `a ≥ b` elementwise, as a bool tensor. @example import { greaterEqual, tensor } from 'grad-ts'
 * console.assert(greaterEqual(tensor([1, 2]), 2).toTypedArray().join() === '0,1')
 * @since 0.1.0 */
export const greaterEqual = compare('greaterEqual')

// ---------------------------------------------------------------- where, cast, stopGradient

/**
 * `cond ? a : b` elementwise with broadcasting; `cond` is bool (other dtypes
 * are compared with 0). Only the chosen branch receives gradient.
 * @example import { where, tensor, greater } from 'grad-ts'
 * const x = tensor([-1, 2])
 * console.assert(where(greater(x, 0), x, 0).toTypedArray().join() === '0,2')
 * @since 0.1.0
 */
export const where = (cond: Tensor, a: TensorLike, b: TensorLike): Tensor => {
  tensorArg('where', 'cond', cond)
  const c = cond.dtype === 'bool' ? cond : notEqual(cond, 0)
  const [x, y] = coerce2('where', a, b, 'none')
  return bind('where', [c, x, y], undefined)
}

/**
 * Converts to another dtype (a no-op when it already has it). Floats round to
 * nearest; to int32 truncates toward zero; to bool is `x ≠ 0`.
 * @example import { cast, tensor } from 'grad-ts'
 * console.assert(cast(tensor([1.7, -1.7]), 'int32').toTypedArray().join() === '1,-1')
 * @since 0.1.0
 */
export const cast = (x: Tensor, dtype: DType): Tensor => {
  tensorArg('cast', 'x', x)
  return x.dtype === checkDType('cast', dtype) ? x : bind('cast', [x], { dtype })
}

/**
 * The identity whose derivative is zero at every order: the result is a
 * constant to every enclosing `grad`, `vjp` and `jvp`.
 * @example import { grad, mul, stopGradient, tensor } from 'grad-ts'
 * const g = grad((x) => mul(x, stopGradient(x)))(tensor(3))
 * console.assert(g.item() === 3)
 * @since 0.1.0
 */
export const stopGradient = (x: Tensor): Tensor => bind('stopGradient', [tensorArg('stopGradient', 'x', x)], undefined)
