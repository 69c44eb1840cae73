/**
 * Elementwise primitives: unary math, broadcasting binary arithmetic,
 * comparisons, `where`, `cast` and `stopGradient`. Each op is defined once,
 * here: its shape rule, its kernel, and how derivatives flow through it.
 *
 * Data-first, like the maths: `add(a, b)`. A JavaScript number is a weakly
 * typed scalar that takes the other operand's dtype (see `core/dtype.ts`).
 */
import { describe } from '../../core/check.js'
import { type DType, checkDType, isFloat, promote } from '../../core/dtype.js'
import { TensorError } from '../../core/errors.js'
import { binaryKernel, castKernel, type BinaryOp, type UnaryOp, unaryKernel, whereKernel } from '../../core/kernels/elementwise.js'
import { broadcastShapes, shapeEq } from '../../core/shape.js'
import { Tensor, scalar, tensorArg, wrap } from '../../core/tensor.js'
import { type Ctx, primitive } from '../prim.js'
import { bind } from '../trace.js'
import { broadcastTo, sumTo } from './shape.js'

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

const unaryPrim = (op: UnaryOp, vjp: ((g: Tensor, ctx: Ctx<undefined>) => Tensor) | null) =>
  primitive<undefined>({
    name: op,
    shapeRule: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
    kernel: ([x], _, shape, dtype) => wrap(shape, dtype, unaryKernel(op, x!.data, dtype)),
    vjp: vjp === null ? null : [vjp],
    jvp: vjp === null ? null : [vjp],
  })

// A unary rule that is linear in g serves as both its VJP and its JVP (g ↦ g·f'(x)).
const negP = unaryPrim('neg', (g) => neg(g))
const expP = unaryPrim('exp', (g, { out }) => mul(g, out))
const logP = unaryPrim('log', (g, { inputs: [x] }) => div(g, x!))
const log1pP = unaryPrim('log1p', (g, { inputs: [x] }) => div(g, add(x!, 1)))
const sqrtP = unaryPrim('sqrt', (g, { out }) => div(g, mul(out, 2)))
// JAX's rule: select(x ≥ 0, g, −g), so abs′(0) = 1.
const absP = unaryPrim('abs', (g, { inputs: [x] }) => where(greaterEqual(x!, 0), g, neg(g)))
const signP = unaryPrim('sign', null)
const tanhP = unaryPrim('tanh', (g, { out }) => mul(g, sub(1, mul(out, out))))
const sigmoidP = unaryPrim('sigmoid', (g, { out }) => mul(g, mul(out, sub(1, out))))
const reluP = unaryPrim('relu', (g, { inputs: [x] }) => where(greater(x!, 0), g, 0))

const floatUnary = (op: string, x: TensorLike): Tensor => {
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
  return bind(negP, [t], undefined)
}
/** `eˣ`. @example import { exp } from 'grad-ts'
 * console.assert(exp(0).item() === 1)
 * @since 0.1.0 */
export const exp = (x: TensorLike): Tensor => bind(expP, [floatUnary('exp', x)], undefined)
/** Natural logarithm. @example import { log } from 'grad-ts'
 * console.assert(log(1).item() === 0)
 * @since 0.1.0 */
export const log = (x: TensorLike): Tensor => bind(logP, [floatUnary('log', x)], undefined)
/** `log(1 + x)`, accurate for small x. @example import { log1p, tensor } from 'grad-ts'
 * console.assert(log1p(tensor(1e-10, 'float64')).item() === Math.log1p(1e-10))
 * @since 0.1.0 */
export const log1p = (x: TensorLike): Tensor => bind(log1pP, [floatUnary('log1p', x)], undefined)
/** Square root. @example import { sqrt } from 'grad-ts'
 * console.assert(sqrt(9).item() === 3)
 * @since 0.1.0 */
export const sqrt = (x: TensorLike): Tensor => bind(sqrtP, [floatUnary('sqrt', x)], undefined)
/** `|x|`; its derivative at 0 is 1, as in JAX (whose rule is `select(x ≥ 0, g, −g)`). @example import { abs, tensor } from 'grad-ts'
 * console.assert(abs(tensor([-2, 3])).toTypedArray().join() === '2,3')
 * @since 0.1.0 */
export const abs = (x: TensorLike): Tensor => bind(absP, [asTensor('abs', 'x', x)], undefined)
/** −1, 0 or 1 (NaN stays NaN); derivative zero. @example import { sign, tensor } from 'grad-ts'
 * console.assert(sign(tensor([-2, 0, 5])).toTypedArray().join() === '-1,0,1')
 * @since 0.1.0 */
export const sign = (x: TensorLike): Tensor => bind(signP, [asTensor('sign', 'x', x)], undefined)
/** Hyperbolic tangent. @example import { tanh } from 'grad-ts'
 * console.assert(tanh(0).item() === 0)
 * @since 0.1.0 */
export const tanh = (x: TensorLike): Tensor => bind(tanhP, [floatUnary('tanh', x)], undefined)
/** The logistic function `1 / (1 + e⁻ˣ)`, stable for large |x|. @example import { sigmoid, tensor } from 'grad-ts'
 * console.assert(sigmoid(tensor(-1000, 'float64')).item() === 0 && sigmoid(0).item() === 0.5)
 * @since 0.1.0 */
export const sigmoid = (x: TensorLike): Tensor => bind(sigmoidP, [floatUnary('sigmoid', x)], undefined)
/** `max(x, 0)`; its derivative at 0 is 0. @example import { relu, tensor } from 'grad-ts'
 * console.assert(relu(tensor([-1, 2])).toTypedArray().join() === '0,2')
 * @since 0.1.0 */
export const relu = (x: TensorLike): Tensor => bind(reluP, [asTensor('relu', 'x', x)], undefined)

// ---------------------------------------------------------------- binary

const binaryPrim = (op: BinaryOp, da: ((g: Tensor, ctx: Ctx<undefined>) => Tensor) | null, db: ((g: Tensor, ctx: Ctx<undefined>) => Tensor) | null, name: string = op) => {
  const cmp = da === null
  return primitive<undefined>({
    name,
    shapeRule: ([a, b]) => {
      if (a!.dtype !== b!.dtype) throw new TensorError(name, `dtypes ${a!.dtype} and ${b!.dtype} differ (ops promote before binding)`)
      return { shape: broadcastShapes(a!.shape, b!.shape, name), dtype: cmp ? 'bool' : a!.dtype }
    },
    kernel: ([a, b], _, shape, dtype) => wrap(shape, dtype, binaryKernel(op, a!.data, a!.shape, b!.data, b!.shape, shape, dtype)),
    // The VJP of each side sums the broadcast dimensions back to that side's shape;
    // the JVP broadcasts each tangent's contribution up to the output's shape.
    vjp: cmp ? null : [(g, c) => sumTo(da(g, c), c.inputs[0]!.shape), (g, c) => sumTo(db!(g, c), c.inputs[1]!.shape)],
    jvp: cmp ? null : [(t, c) => expand(da(t, c), c.out), (t, c) => expand(db!(t, c), c.out)],
  })
}
const expand = (t: Tensor, out: Tensor): Tensor => (shapeEq(t.shape, out.shape) ? t : broadcastTo(t, out.shape))

// x ↦ x at 0 → 1 so that log and pow stay finite where their factor is zero anyway.
const safeLogBase = (a: Tensor): Tensor => log(where(equal(a, 0), 1, a))

const addP = binaryPrim('add', (g) => g, (g) => g)
const subP = binaryPrim('sub', (g) => g, (g) => neg(g))
const mulP = binaryPrim('mul', (g, { inputs: [, b] }) => mul(g, b!), (g, { inputs: [a] }) => mul(g, a!))
const divP = binaryPrim('div', (g, { inputs: [, b] }) => div(g, b!), (g, { inputs: [, b], out }) => neg(mul(g, div(out, b!))))
const powP = binaryPrim(
  'pow',
  // d/da aᵇ = b·aᵇ⁻¹, taken as 0 at a = b = 0 (0⁰ has derivative 0, as in JAX). The guard
  // swaps a for 1 only there (the double-where trick), so the b-derivative of this
  // rule (the mixed second derivative aᵇ⁻¹(1 + b·log a)) survives at b = 0.
  (g, { inputs: [a, b] }) => {
    const zz = equal(add(abs(a!), abs(b!)), 0)
    return mul(g, where(zz, 0, mul(b!, pow(where(zz, 1, a!), sub(b!, 1)))))
  },
  (g, { inputs: [a], out }) => mul(g, mul(safeLogBase(a!), out)),
)
// Ties send half of the cotangent to each side (JAX's convention).
const tieShare = (a: Tensor, b: Tensor, mine: (a: Tensor, b: Tensor) => Tensor): Tensor => where(mine(a, b), 1, where(equal(a, b), 0.5, 0))
const maximumP = binaryPrim(
  'maximum',
  (g, { inputs: [a, b] }) => mul(g, tieShare(a!, b!, greater)),
  (g, { inputs: [a, b] }) => mul(g, tieShare(b!, a!, greater)),
)
const minimumP = binaryPrim(
  'minimum',
  (g, { inputs: [a, b] }) => mul(g, tieShare(a!, b!, less)),
  (g, { inputs: [a, b] }) => mul(g, tieShare(b!, a!, less)),
)
const eqP = binaryPrim('eq', null, null, 'equal')
const neP = binaryPrim('ne', null, null, 'notEqual')
const ltP = binaryPrim('lt', null, null, 'less')
const leP = binaryPrim('le', null, null, 'lessEqual')
const gtP = binaryPrim('gt', null, null, 'greater')
const geP = binaryPrim('ge', null, null, 'greaterEqual')

/** `a + b` with broadcasting. @example import { add, tensor } from 'grad-ts'
 * console.assert(add(tensor([[1], [2]]), tensor([10, 20])).toTypedArray().join() === '11,21,12,22')
 * @since 0.1.0 */
export const add = (a: TensorLike, b: TensorLike): Tensor => bind(addP, coerce2('add', a, b), undefined)
/** `a − b` with broadcasting. @example import { sub, tensor } from 'grad-ts'
 * console.assert(sub(tensor([3, 4]), 1).toTypedArray().join() === '2,3')
 * @since 0.1.0 */
export const sub = (a: TensorLike, b: TensorLike): Tensor => bind(subP, coerce2('sub', a, b), undefined)
/** `a · b` elementwise with broadcasting. @example import { mul, tensor } from 'grad-ts'
 * console.assert(mul(tensor([1, 2]), tensor([3, 4])).toTypedArray().join() === '3,8')
 * @since 0.1.0 */
export const mul = (a: TensorLike, b: TensorLike): Tensor => bind(mulP, coerce2('mul', a, b), undefined)
/** `a / b` elementwise; integer operands give float32 (true division). @example import { div, tensor } from 'grad-ts'
 * console.assert(div(tensor([1, 3], 'int32'), 2).toTypedArray().join() === '0.5,1.5')
 * @since 0.1.0 */
export const div = (a: TensorLike, b: TensorLike): Tensor => bind(divP, coerce2('div', a, b, 'float'), undefined)
/** `aᵇ` elementwise. @example import { pow, tensor } from 'grad-ts'
 * console.assert(pow(tensor([2, 3]), 2).toTypedArray().join() === '4,9')
 * @since 0.1.0 */
export const pow = (a: TensorLike, b: TensorLike): Tensor => bind(powP, coerce2('pow', a, b, 'float'), undefined)
/** Elementwise maximum (NaN wins); ties share the gradient equally. @example import { maximum, tensor } from 'grad-ts'
 * console.assert(maximum(tensor([1, 5]), 3).toTypedArray().join() === '3,5')
 * @since 0.1.0 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => bind(maximumP, coerce2('maximum', a, b, 'none'), undefined)
/** Elementwise minimum (NaN wins); ties share the gradient equally. @example import { minimum, tensor } from 'grad-ts'
 * console.assert(minimum(tensor([1, 5]), 3).toTypedArray().join() === '1,3')
 * @since 0.1.0 */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => bind(minimumP, coerce2('minimum', a, b, 'none'), undefined)

const compare = (op: string, p: typeof eqP) => (a: TensorLike, b: TensorLike): Tensor => bind(p, coerce2(op, a, b, 'none'), undefined)
/** `a = b` elementwise, as a bool tensor. @example import { equal, tensor } from 'grad-ts'
 * console.assert(equal(tensor([1, 2]), 2).toTypedArray().join() === '0,1')
 * @since 0.1.0 */
export const equal = compare('equal', eqP)
/** `a ≠ b` elementwise, as a bool tensor. @example import { notEqual, tensor } from 'grad-ts'
 * console.assert(notEqual(tensor([1, 2]), 2).toTypedArray().join() === '1,0')
 * @since 0.1.0 */
export const notEqual = compare('notEqual', neP)
/** `a < b` elementwise, as a bool tensor. @example import { less, tensor } from 'grad-ts'
 * console.assert(less(tensor([1, 2]), 2).toTypedArray().join() === '1,0')
 * @since 0.1.0 */
export const less = compare('less', ltP)
/** `a ≤ b` elementwise, as a bool tensor. @example import { lessEqual, tensor } from 'grad-ts'
 * console.assert(lessEqual(tensor([1, 2]), 2).toTypedArray().join() === '1,1')
 * @since 0.1.0 */
export const lessEqual = compare('lessEqual', leP)
/** `a > b` elementwise, as a bool tensor. @example import { greater, tensor } from 'grad-ts'
 * console.assert(greater(tensor([1, 2]), 1).toTypedArray().join() === '0,1')
 * @since 0.1.0 */
export const greater = compare('greater', gtP)
/** `a ≥ b` elementwise, as a bool tensor. @example import { greaterEqual, tensor } from 'grad-ts'
 * console.assert(greaterEqual(tensor([1, 2]), 2).toTypedArray().join() === '0,1')
 * @since 0.1.0 */
export const greaterEqual = compare('greaterEqual', geP)

// ---------------------------------------------------------------- where, cast, stopGradient

const whereP = primitive<undefined>({
  name: 'where',
  shapeRule: ([c, a, b]) => {
    if (c!.dtype !== 'bool') throw new TensorError('where', `condition must be bool, got ${c!.dtype}`)
    if (a!.dtype !== b!.dtype) throw new TensorError('where', `branch dtypes ${a!.dtype} and ${b!.dtype} differ`)
    return { shape: broadcastShapes(broadcastShapes(c!.shape, a!.shape, 'where'), b!.shape, 'where'), dtype: a!.dtype }
  },
  kernel: ([c, a, b], _, shape, dtype) => wrap(shape, dtype, whereKernel(c!.data, c!.shape, a!.data, a!.shape, b!.data, b!.shape, shape, dtype)),
  vjp: [
    null,
    (g, { inputs: [c, a] }) => sumTo(where(c!, g, 0), a!.shape),
    (g, { inputs: [c, , b] }) => sumTo(where(c!, 0, g), b!.shape),
  ],
  // Each branch's tangent broadcast to the output, as the binary ops' JVPs do: the
  // condition and a constant branch may be the ones that set the output's shape.
  jvp: ([, ta, tb], { inputs: [c], out }) => expand(where(c!, ta ?? zerosOf(out), tb ?? zerosOf(out)), out),
})
const zerosOf = (t: Tensor): Tensor => scalar(0, t.dtype)

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
  return bind(whereP, [c, x, y], undefined)
}

const castP = primitive<{ readonly dtype: DType }>({
  name: 'cast',
  shapeRule: ([x], { dtype }) => ({ shape: x!.shape, dtype }),
  kernel: ([x], _, shape, dtype) => wrap(shape, dtype, castKernel(x!.data, dtype)),
  vjp: [(g, { inputs: [x] }) => cast(g, x!.dtype)],
  jvp: ([t], { params }) => cast(t!, params.dtype),
  showParams: (p) => p.dtype,
})

/**
 * Converts to another dtype (a no-op when it already has it). Floats round to
 * nearest; to int32 truncates toward zero; to bool is `x ≠ 0`.
 * @example import { cast, tensor } from 'grad-ts'
 * console.assert(cast(tensor([1.7, -1.7]), 'int32').toTypedArray().join() === '1,-1')
 * @since 0.1.0
 */
export const cast = (x: Tensor, dtype: DType): Tensor => {
  tensorArg('cast', 'x', x)
  return x.dtype === checkDType('cast', dtype) ? x : bind(castP, [x], { dtype })
}

const stopGradientP = primitive<undefined>({
  name: 'stopGradient',
  shapeRule: ([x]) => ({ shape: x!.shape, dtype: x!.dtype }),
  kernel: ([x]) => x!, // shares the immutable buffer: no copy
  vjp: null,
  jvp: null,
})

/**
 * The identity whose derivative is zero at every order: the result is a
 * constant to every enclosing `grad`, `vjp` and `jvp`.
 * @example import { grad, mul, stopGradient, tensor } from 'grad-ts'
 * const g = grad((x) => mul(x, stopGradient(x)))(tensor(3))
 * console.assert(g.item() === 3)
 * @since 0.1.0
 */
export const stopGradient = (x: Tensor): Tensor => bind(stopGradientP, [tensorArg('stopGradient', 'x', x)], undefined)

/** The elementwise primitives, for the law table. @internal */
export const elementwisePrimitives = {
  negP, expP, logP, log1pP, sqrtP, absP, signP, tanhP, sigmoidP, reluP,
  addP, subP, mulP, divP, powP, maximumP, minimumP, eqP, neP, ltP, leP, gtP, geP, whereP, castP, stopGradientP,
} as const
