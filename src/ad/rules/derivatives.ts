/**
 * How derivatives flow through each primitive: the VJP table (reverse mode)
 * and the JVP table (forward mode), one entry per primitive of the catalogue
 * (the compiler checks). `null` marks a primitive whose output is a constant
 * to every transformation (comparisons, argmax, stopGradient, random draws).
 *
 * Rules are written with the library's own differentiable ops, so the
 * derivative of a rule is itself traced: every order of derivative comes
 * from these two tables.
 */
import { TensorError } from '../../core/errors.js'
import { shapeEq } from '../../core/shape.js'
import { type Tensor, zeros } from '../../core/tensor.js'
import { type Args, type BinaryPrim, type ConvParams, type ParamsOf, type Prim, type UnaryPrim, convDims, dilated, reducedShape } from '../primitives.js'
import { convP } from '../ops/conv.js'
import { flip } from '../ops/layout.js'
import { abs, add, cast, cos, div, equal, exp, greater, greaterEqual, less, log, mul, neg, pow, sin, sub, where } from '../ops/elementwise.js'
import { mm } from '../ops/matmul.js'
import { sumP } from '../ops/reduce.js'
import { broadcastTo, concat, gather, pad, reshape, scatterAdd, slice, sumTo, transpose } from '../ops/shape.js'

/** What a rule sees: the primal inputs, the primal output and the params. @internal */
export interface Ctx<P extends Prim> {
  readonly inputs: Args<P, Tensor>
  readonly out: Tensor
  readonly params: ParamsOf[P]
}

/** The cotangent of input `i` from the output's cotangent `g`; called only for inputs that need one. @internal */
export type VjpRule<P extends Prim> = (g: Tensor, ctx: Ctx<P>, i: number) => Tensor
/** The output's tangent from the inputs' tangents (`null` = a known zero; at least one is not). @internal */
export type JvpRule<P extends Prim> = (tangents: Args<P, Tensor | null>, ctx: Ctx<P>) => Tensor

// ------------------------------------------------------------ shared shapes of rule

/** A unary rule linear in its first argument serves as both VJP and JVP: g ↦ g·f′(x). */
type Linear<P extends Prim> = (g: Tensor, ctx: Ctx<P>) => Tensor
const unaryVjp = <P extends UnaryPrim>(d: Linear<P>): VjpRule<P> => (g, c) => d(g, c)
const unaryJvp = <P extends UnaryPrim>(d: Linear<P>): JvpRule<P> => ([t], c) => d(t!, c)

/** `t` broadcast to the output's shape (a tangent contribution of a broadcasting input). */
const expand = (t: Tensor, out: Tensor): Tensor => (shapeEq(t.shape, out.shape) ? t : broadcastTo(t, out.shape))

/** Sums per-input contributions that are linear in each input's tangent. */
const sumOf = (terms: readonly (Tensor | undefined)[]): Tensor => {
  let acc: Tensor | undefined
  for (const t of terms) if (t !== undefined) acc = acc === undefined ? t : add(acc, t)
  if (acc === undefined) throw new TensorError('jvp', 'internal: a jvp with no tangent contributions')
  return acc
}

/**
 * A broadcasting binary op from its two partial maps (g ↦ g·∂f/∂a, g ↦ g·∂f/∂b):
 * the VJP sums each side's broadcast dimensions back to its shape; the JVP
 * broadcasts each contribution up to the output's shape.
 */
const binary = <P extends BinaryPrim>(da: Linear<P>, db: Linear<P>): { vjp: VjpRule<P>; jvp: JvpRule<P> } => ({
  vjp: (g, c, i) => sumTo(i === 0 ? da(g, c) : db(g, c), c.inputs[i]!.shape),
  jvp: ([ta, tb], c) => sumOf([ta === null ? undefined : expand(da(ta, c), c.out), tb === null ? undefined : expand(db(tb!, c), c.out)]),
})

// x ↦ x at 0 → 1 so that log and pow stay finite where their factor is zero anyway.
const safeLogBase = (a: Tensor): Tensor => log(where(equal(a, 0), 1, a))

// Ties send half of the cotangent to each side (JAX's convention).
const tieShare = (a: Tensor, b: Tensor, mine: (a: Tensor, b: Tensor) => Tensor): Tensor => where(mine(a, b), 1, where(equal(a, b), 0.5, 0))

const arith = {
  add: binary<'add'>((g) => g, (g) => g),
  sub: binary<'sub'>((g) => g, (g) => neg(g)),
  mul: binary<'mul'>((g, { inputs: [, b] }) => mul(g, b), (g, { inputs: [a] }) => mul(g, a)),
  div: binary<'div'>((g, { inputs: [, b] }) => div(g, b), (g, { inputs: [, b], out }) => neg(mul(g, div(out, b)))),
  pow: binary<'pow'>(
    // d/da aᵇ = b·aᵇ⁻¹, taken as 0 at a = b = 0 (0⁰ has derivative 0, as in JAX). The guard
    // swaps a for 1 only there (the double-where trick), so the b-derivative of this
    // rule (the mixed second derivative aᵇ⁻¹(1 + b·log a)) survives at b = 0.
    (g, { inputs: [a, b] }) => {
      const zz = equal(add(abs(a), abs(b)), 0)
      return mul(g, where(zz, 0, mul(b, pow(where(zz, 1, a), sub(b, 1)))))
    },
    (g, { inputs: [a], out }) => mul(g, mul(safeLogBase(a), out)),
  ),
  maximum: binary<'maximum'>((g, { inputs: [a, b] }) => mul(g, tieShare(a, b, greater)), (g, { inputs: [a, b] }) => mul(g, tieShare(b, a, greater))),
  minimum: binary<'minimum'>((g, { inputs: [a, b] }) => mul(g, tieShare(a, b, less)), (g, { inputs: [a, b] }) => mul(g, tieShare(b, a, less))),
}

/** erf′(x) = (2/√π)·e^(−x²). */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI)
/** erfinv′(x) = (√π/2)·e^(erfinv(x)²), the inverse function's derivative 1/erf′(erfinv x). */
const SQRT_PI_OVER_TWO = Math.sqrt(Math.PI) / 2

const unary = {
  neg: (g: Tensor) => neg(g),
  exp: (g: Tensor, { out }: Ctx<'exp'>) => mul(g, out),
  // expm1′ = eˣ = out + 1 (JAX's rule).
  expm1: (g: Tensor, { out }: Ctx<'expm1'>) => mul(g, add(out, 1)),
  log: (g: Tensor, { inputs: [x] }: Ctx<'log'>) => div(g, x),
  log1p: (g: Tensor, { inputs: [x] }: Ctx<'log1p'>) => div(g, add(x, 1)),
  sqrt: (g: Tensor, { out }: Ctx<'sqrt'>) => div(g, mul(out, 2)),
  // JAX's rule: select(x ≥ 0, g, −g), so abs′(0) = 1.
  abs: (g: Tensor, { inputs: [x] }: Ctx<'abs'>) => where(greaterEqual(x, 0), g, neg(g)),
  sin: (g: Tensor, { inputs: [x] }: Ctx<'sin'>) => mul(g, cos(x)),
  cos: (g: Tensor, { inputs: [x] }: Ctx<'cos'>) => neg(mul(g, sin(x))),
  tan: (g: Tensor, { out }: Ctx<'tan'>) => mul(g, add(1, mul(out, out))),
  tanh: (g: Tensor, { out }: Ctx<'tanh'>) => mul(g, sub(1, mul(out, out))),
  sigmoid: (g: Tensor, { out }: Ctx<'sigmoid'>) => mul(g, mul(out, sub(1, out))),
  relu: (g: Tensor, { inputs: [x] }: Ctx<'relu'>) => where(greater(x, 0), g, 0),
  erf: (g: Tensor, { inputs: [x] }: Ctx<'erf'>) => mul(g, mul(TWO_OVER_SQRT_PI, exp(neg(mul(x, x))))),
  erfInv: (g: Tensor, { out }: Ctx<'erfInv'>) => mul(g, mul(SQRT_PI_OVER_TWO, exp(mul(out, out)))),
}

/** `g` (of the reduced shape) brought back to the input's shape. */
const spread = (g: Tensor, x: Tensor, p: ParamsOf['sum']): Tensor => broadcastTo(reshape(g, reducedShape(x.shape, { ...p, keepdims: true })), x.shape)
/** 1 where x attains the max/min of its reduced block: the extreme's cotangent is shared equally among ties (JAX's convention). */
const hits = (x: Tensor, out: Tensor, p: ParamsOf['sum']): Tensor => cast(equal(x, spread(out, x, p)), x.dtype)
const extremeVjp: VjpRule<'max' | 'min'> = (g, { inputs: [x], out, params }) => {
  const hit = hits(x, out, params)
  return mul(spread(div(g, sumP(hit, params)), x, params), hit)
}
const extremeJvp: JvpRule<'max' | 'min'> = ([t], { inputs: [x], out, params }) => {
  const hit = hits(x, out, params)
  return div(sumP(mul(t!, hit), params), sumP(hit, params))
}

const inversePerm = (perm: readonly number[]): number[] => {
  const inv = new Array<number>(perm.length)
  perm.forEach((p, i) => (inv[p] = i))
  return inv
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from)

/**
 * The cotangent of a convolution's lhs: the cotangent `g` convolved with the
 * flipped filters, input and output channels swapped within each group, with
 * lhs dilation = the stride and stride = the lhs dilation — a transposed
 * convolution (JAX's `_conv_general_dilated_transpose_lhs`). Pads are chosen
 * so the result has the lhs's extent exactly; they may be negative.
 */
const convLhsVjp = (g: Tensor, w: Tensor, lhs: readonly number[], p: ConvParams): Tensor => {
  const { spatial, out, window, cg, o, groups } = convDims(lhs, w.shape, p)
  const nsp = spatial.length
  const og = o / groups
  // [...window, C/G, G·O/G] → [...window, O/G, G·C/G], flipped in space.
  const swapped = reshape(transpose(reshape(w, [...window, cg, groups, og]), [...range(nsp), nsp + 2, nsp + 1, nsp]), [...window, og, groups * cg])
  const flipped = flip(swapped, { axis: range(nsp) })
  const padding = spatial.map((d, a) => {
    const k = dilated(window[a]!, p.rhsDilation[a]!)
    const before = k - p.padding[a]![0] - 1
    return [before, dilated(d, p.lhsDilation[a]!) + k - 1 - dilated(out[a]!, p.strides[a]!) - before] as const
  })
  return convP(g, flipped, { strides: p.lhsDilation, padding, lhsDilation: p.strides, rhsDilation: p.rhsDilation, featureGroupCount: groups })
}

/**
 * The cotangent of a convolution's rhs: the lhs (channels as the batch, the
 * batch as channels, grouped) convolved with the cotangent as the filters,
 * with stride = the rhs dilation and rhs dilation = the stride. The high pads
 * make the result exactly the window's extent.
 */
const convRhsVjp = (g: Tensor, x: Tensor, rhs: readonly number[], p: ConvParams): Tensor => {
  const { n, spatial, out, cg, groups } = convDims(x.shape, rhs, p)
  const nsp = spatial.length
  // [N, ...spatial, G·C/G] → [C/G, ...spatial, G·N]: group g's features are the batch of its channels.
  const lhs = reshape(transpose(reshape(x, [n, ...spatial, groups, cg]), [nsp + 2, ...range(nsp, 1), nsp + 1, 0]), [cg, ...spatial, groups * n])
  const filters = transpose(g, [...range(nsp, 1), 0, nsp + 1]) // [...spatial′, N, O]
  const padding = spatial.map((d, a) => {
    const lo = p.padding[a]![0]
    return [lo, dilated(out[a]!, p.strides[a]!) - dilated(d, p.lhsDilation[a]!) + dilated(rhs[a]!, p.rhsDilation[a]!) - lo - 1] as const
  })
  const got = convP(lhs, filters, { strides: p.rhsDilation, padding, lhsDilation: p.lhsDilation, rhsDilation: p.strides, featureGroupCount: groups })
  return transpose(got, [...range(nsp, 1), 0, nsp + 1]) // [C/G, ...window, O] → [...window, C/G, O]
}

/** Reverse-mode rules. @internal */
export const vjpRules: { readonly [P in Prim]: VjpRule<P> | null } = {
  neg: unaryVjp(unary.neg), exp: unaryVjp(unary.exp), expm1: unaryVjp(unary.expm1), log: unaryVjp(unary.log), log1p: unaryVjp(unary.log1p), sqrt: unaryVjp(unary.sqrt),
  abs: unaryVjp(unary.abs), sign: null, sin: unaryVjp(unary.sin), cos: unaryVjp(unary.cos), tan: unaryVjp(unary.tan), tanh: unaryVjp(unary.tanh),
  sigmoid: unaryVjp(unary.sigmoid), relu: unaryVjp(unary.relu), erf: unaryVjp(unary.erf), erfInv: unaryVjp(unary.erfInv),
  add: arith.add.vjp, sub: arith.sub.vjp, mul: arith.mul.vjp, div: arith.div.vjp, pow: arith.pow.vjp, maximum: arith.maximum.vjp, minimum: arith.minimum.vjp,
  equal: null, notEqual: null, less: null, lessEqual: null, greater: null, greaterEqual: null,
  where: (g, { inputs: [c, a, b] }, i) => (i === 1 ? sumTo(where(c, g, 0), a.shape) : sumTo(where(c, 0, g), b.shape)),
  cast: (g, { inputs: [x] }) => cast(g, x.dtype),
  stopGradient: null,
  sum: (g, { inputs: [x], params }) => spread(g, x, params),
  max: extremeVjp,
  min: extremeVjp,
  argmax: null,
  argmin: null,
  reshape: (g, { inputs: [x] }) => reshape(g, x.shape),
  transpose: (g, { params: { perm } }) => transpose(g, inversePerm(perm)),
  broadcastTo: (g, { inputs: [x] }) => sumTo(g, x.shape),
  slice: (g, { inputs: [x], params: { begin, end } }) => pad(g, begin.map((b, i) => [b, x.shape[i]! - end[i]!] as const)),
  pad: (g, { inputs: [x], params: { before } }) => slice(g, before, before.map((b, i) => b + x.shape[i]!)),
  concat: (g, { inputs, params: { axis } }, i) => {
    const start = inputs.slice(0, i).reduce((s, x) => s + x.shape[axis]!, 0)
    return slice(g, g.shape.map((_, k) => (k === axis ? start : 0)), g.shape.map((d, k) => (k === axis ? start + inputs[i]!.shape[axis]! : d)))
  },
  gather: (g, { inputs: [x, idx], params: { axis } }) => scatterAdd(g, idx, { axis, size: x.shape[axis]! }),
  scatterAdd: (g, { inputs: [, idx], params: { axis } }) => gather(g, idx, { axis }),
  // C = op(A)·op(B). dA = G·op(B)ᵀ (or its transpose when A is read transposed),
  // dB = op(A)ᵀ·G (likewise); batch broadcasting is summed away by sumTo.
  matmul: (g, { inputs: [a, b], params: { ta, tb } }, i) =>
    i === 0
      ? sumTo(ta ? mm(b, g, { ta: tb, tb: true }) : mm(g, b, { ta: false, tb: !tb }), a.shape)
      : sumTo(tb ? mm(g, a, { ta: true, tb: ta }) : mm(a, g, { ta: !ta, tb: false }), b.shape),
  conv: (g, { inputs: [x, w], params }, i) => (i === 0 ? convLhsVjp(g, w, x.shape, params) : convRhsVjp(g, x, w.shape, params)),
  argsort: null,
  randomBits: null,
  randomSplit: null,
  randomFoldIn: null,
  user: (g, { inputs, out, params: { rules, params } }, i) => rules.vjp!(g, { inputs, out, params }, i),
}

/** Forward-mode rules. @internal */
export const jvpRules: { readonly [P in Prim]: JvpRule<P> | null } = {
  neg: unaryJvp(unary.neg), exp: unaryJvp(unary.exp), expm1: unaryJvp(unary.expm1), log: unaryJvp(unary.log), log1p: unaryJvp(unary.log1p), sqrt: unaryJvp(unary.sqrt),
  abs: unaryJvp(unary.abs), sign: null, sin: unaryJvp(unary.sin), cos: unaryJvp(unary.cos), tan: unaryJvp(unary.tan), tanh: unaryJvp(unary.tanh),
  sigmoid: unaryJvp(unary.sigmoid), relu: unaryJvp(unary.relu), erf: unaryJvp(unary.erf), erfInv: unaryJvp(unary.erfInv),
  add: arith.add.jvp, sub: arith.sub.jvp, mul: arith.mul.jvp, div: arith.div.jvp, pow: arith.pow.jvp, maximum: arith.maximum.jvp, minimum: arith.minimum.jvp,
  equal: null, notEqual: null, less: null, lessEqual: null, greater: null, greaterEqual: null,
  // Each branch's tangent broadcast to the output, as the binary ops' JVPs do: the
  // condition and a constant branch may be the ones that set the output's shape.
  where: ([, ta, tb], { inputs: [c], out }) => expand(where(c, ta ?? zeros([], out.dtype), tb ?? zeros([], out.dtype)), out),
  cast: ([t], { params }) => cast(t!, params.dtype),
  stopGradient: null,
  sum: ([t], { params }) => sumP(t!, params),
  max: extremeJvp,
  min: extremeJvp,
  argmax: null,
  argmin: null,
  reshape: ([t], { params }) => reshape(t!, params.shape),
  transpose: ([t], { params }) => transpose(t!, params.perm),
  broadcastTo: ([t], { params }) => broadcastTo(t!, params.shape),
  slice: ([t], { params }) => slice(t!, params.begin, params.end),
  pad: ([t], { params }) => pad(t!, params.before.map((b, i) => [b, params.after[i]!] as const)),
  concat: (ts, { inputs, params: { axis } }) => concat(ts.map((t, i) => t ?? zeros(inputs[i]!.shape, inputs[i]!.dtype)), { axis }),
  gather: ([t], { inputs: [, idx], params: { axis } }) => gather(t!, idx, { axis }),
  scatterAdd: ([t], { inputs: [, idx], params: { axis, size } }) => scatterAdd(t!, idx, { axis, size }),
  matmul: ([ta, tb], { inputs: [a, b], params }) => sumOf([ta === null ? undefined : mm(ta, b, params), tb === null ? undefined : mm(a, tb, params)]),
  // Bilinear: conv(ẋ, w) + conv(x, ẇ).
  conv: ([tx, tw], { inputs: [x, w], params }) => sumOf([tx === null ? undefined : convP(tx, w, params), tw === null ? undefined : convP(x, tw, params)]),
  argsort: null,
  randomBits: null,
  randomSplit: null,
  randomFoldIn: null,
  user: (ts, { inputs, out, params: { rules, params } }) => rules.jvp!(ts, { inputs, out, params }),
}

/** The VJP rule of one application (a user primitive may have none). @internal */
export const vjpRuleOf = <P extends Prim>(prim: P, params: ParamsOf[P]): VjpRule<P> | null =>
  prim === 'user' && (params as ParamsOf['user']).rules.vjp === null ? null : vjpRules[prim]

/** The JVP rule of one application (a user primitive may have none). @internal */
export const jvpRuleOf = <P extends Prim>(prim: P, params: ParamsOf[P]): JvpRule<P> | null =>
  prim === 'user' && (params as ParamsOf['user']).rules.jvp === null ? null : jvpRules[prim]
