/**
 * The primitive catalogue: every primitive named in one union, with its
 * typed params, its arity and its abstract evaluation (the shape and dtype
 * rule). The interpreters and the backends each keep a table over this union
 * — `{ readonly [P in Prim]: … }` — so a primitive without a VJP, JVP,
 * batching rule or kernel is a type error, not a run-time surprise.
 *
 * Abstract evaluation sees avals only and throws a `TensorError` naming the
 * primitive for arguments it cannot take; the public ops check their
 * arguments first, under their own names, so users meet these messages only
 * through a rule that is wrong.
 */
import type { Aval } from '../core/aval.js'
import type { DType } from '../core/dtype.js'
import type { Tensor } from '../core/tensor.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { type Shape, broadcastShapes, shapeEq, sizeOf } from '../core/shape.js'

/** Elementwise maps of one tensor. @internal */
export const unaryPrims = ['neg', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'abs', 'sign', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'relu', 'erf', 'erfInv'] as const
/** Broadcasting arithmetic of two tensors of one dtype. @internal */
export const binaryPrims = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const
/** Broadcasting comparisons: bool results. @internal */
export const comparePrims = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'] as const
/** Reductions over axes. @internal */
export const reducePrims = ['sum', 'max', 'min'] as const

/** @internal */
export type UnaryPrim = (typeof unaryPrims)[number]
/** @internal */
export type BinaryPrim = (typeof binaryPrims)[number]
/** @internal */
export type ComparePrim = (typeof comparePrims)[number]
/** @internal */
export type ReducePrim = (typeof reducePrims)[number]

/** Reduced axes, sorted, and whether they stay as size 1. @internal */
export interface Axes {
  readonly axes: readonly number[]
  readonly keepdims: boolean
}

/** What a random draw turns threefry's bits into. @internal */
export type Distribution =
  | { readonly kind: 'bits' }
  | { readonly kind: 'uniform'; readonly dtype: 'float32' | 'float64'; readonly minval: number; readonly maxval: number }
  /** `√2 · erfinv(u)`, u uniform on [minval, maxval): `[nextafter(−1, 0), 1)` for a normal, `[erf(lower/√2), erf(upper/√2))` for a truncated one. */
  | { readonly kind: 'normal'; readonly dtype: 'float32' | 'float64'; readonly minval: number; readonly maxval: number }
  /** Bool: a float32 uniform on [0, 1) below `p` (a float32 value) — `bernoulli` with a number `p`, as one kernel. */
  | { readonly kind: 'bernoulli'; readonly p: number }

/**
 * A primitive defined outside the catalogue (by a user, through
 * `definePrimitive`): its rules travel in its params, so the catalogue stays closed.
 * @internal
 */
export interface UserRules {
  readonly name: string
  readonly abstractEval: (inputs: readonly Aval[], params: unknown) => Aval
  readonly impl: (inputs: readonly ArrayLike<number>[], params: unknown, out: Aval) => ArrayLike<number>
  readonly vjp: ((g: Tensor, ctx: UserCtx, i: number) => Tensor) | null
  readonly jvp: ((tangents: readonly (Tensor | null)[], ctx: UserCtx) => Tensor) | null
  readonly batch: (args: readonly Tensor[], dims: readonly (number | null)[], params: unknown) => readonly [Tensor, number | null]
}

/** What a user primitive's rules see. @internal */
export interface UserCtx {
  readonly inputs: readonly Tensor[]
  readonly out: Tensor
  readonly params: unknown
}

/**
 * A convolution in the canonical layout: lhs `[N, ...spatial, C]`, rhs
 * `[...window, C / groups, O]`, output `[N, ...spatial′, O]` (NHWC, HWIO). One
 * entry per spatial axis in each array; padding is explicit (and may be
 * negative: the transposed convolutions of the VJP crop). @internal
 */
export interface ConvParams {
  readonly strides: readonly number[]
  readonly padding: readonly (readonly [number, number])[]
  readonly lhsDilation: readonly number[]
  readonly rhsDilation: readonly number[]
  readonly featureGroupCount: number
}

/** The params of each primitive. @internal */
export interface ParamsOf {
  readonly neg: undefined
  readonly exp: undefined
  readonly expm1: undefined
  readonly log: undefined
  readonly log1p: undefined
  readonly sqrt: undefined
  readonly abs: undefined
  readonly sign: undefined
  readonly sin: undefined
  readonly cos: undefined
  readonly tan: undefined
  readonly tanh: undefined
  readonly sigmoid: undefined
  readonly relu: undefined
  readonly erf: undefined
  readonly erfInv: undefined
  readonly add: undefined
  readonly sub: undefined
  readonly mul: undefined
  readonly div: undefined
  readonly pow: undefined
  readonly maximum: undefined
  readonly minimum: undefined
  readonly equal: undefined
  readonly notEqual: undefined
  readonly less: undefined
  readonly lessEqual: undefined
  readonly greater: undefined
  readonly greaterEqual: undefined
  readonly where: undefined
  readonly cast: { readonly dtype: DType }
  readonly stopGradient: undefined
  readonly sum: Axes
  readonly max: Axes
  readonly min: Axes
  readonly argmax: { readonly axis: number }
  readonly argmin: { readonly axis: number }
  readonly reshape: { readonly shape: Shape }
  readonly transpose: { readonly perm: readonly number[] }
  readonly broadcastTo: { readonly shape: Shape }
  readonly slice: { readonly begin: readonly number[]; readonly end: readonly number[] }
  readonly pad: { readonly before: readonly number[]; readonly after: readonly number[] }
  readonly concat: { readonly axis: number }
  readonly gather: { readonly axis: number }
  readonly scatterAdd: { readonly axis: number; readonly size: number }
  readonly matmul: { readonly ta: boolean; readonly tb: boolean }
  readonly conv: ConvParams
  readonly argsort: { readonly axis: number }
  readonly randomBits: { readonly shape: Shape; readonly dist: Distribution }
  readonly randomSplit: { readonly n: number }
  readonly randomFoldIn: { readonly data: number }
  readonly user: { readonly rules: UserRules; readonly params: unknown }
}

/** A primitive's name. @internal */
export type Prim = keyof ParamsOf

/** How many inputs each primitive takes; `n` is any number. @internal */
export interface ArityOf {
  readonly neg: 1
  readonly exp: 1
  readonly expm1: 1
  readonly log: 1
  readonly log1p: 1
  readonly sqrt: 1
  readonly abs: 1
  readonly sign: 1
  readonly sin: 1
  readonly cos: 1
  readonly tan: 1
  readonly tanh: 1
  readonly sigmoid: 1
  readonly relu: 1
  readonly erf: 1
  readonly erfInv: 1
  readonly add: 2
  readonly sub: 2
  readonly mul: 2
  readonly div: 2
  readonly pow: 2
  readonly maximum: 2
  readonly minimum: 2
  readonly equal: 2
  readonly notEqual: 2
  readonly less: 2
  readonly lessEqual: 2
  readonly greater: 2
  readonly greaterEqual: 2
  readonly where: 3
  readonly cast: 1
  readonly stopGradient: 1
  readonly sum: 1
  readonly max: 1
  readonly min: 1
  readonly argmax: 1
  readonly argmin: 1
  readonly reshape: 1
  readonly transpose: 1
  readonly broadcastTo: 1
  readonly slice: 1
  readonly pad: 1
  readonly concat: 'n'
  readonly gather: 2
  readonly scatterAdd: 2
  readonly matmul: 2
  readonly conv: 2
  readonly argsort: 1
  readonly randomBits: 1
  readonly randomSplit: 1
  readonly randomFoldIn: 1
  readonly user: 'n'
}

/** The inputs of primitive `P`, each a `T`, as a tuple of its arity. @internal */
export type Args<P extends Prim, T> = ArityOf[P] extends 1 ? readonly [T] : ArityOf[P] extends 2 ? readonly [T, T] : ArityOf[P] extends 3 ? readonly [T, T, T] : readonly T[]

// ------------------------------------------------------------ abstract evaluation

const same = ([x]: readonly [Aval]): Aval => ({ shape: x.shape, dtype: x.dtype })

const binary = (prim: string, result: (d: DType) => DType) => ([a, b]: readonly [Aval, Aval]): Aval => {
  if (a.dtype !== b.dtype) throw new TensorError(prim, `dtypes ${a.dtype} and ${b.dtype} differ (ops promote before binding)`)
  return { shape: broadcastShapes(a.shape, b.shape, prim), dtype: result(a.dtype) }
}
const arith = (prim: BinaryPrim) => binary(prim, (d) => d)
const compare = (prim: ComparePrim) => binary(prim, () => 'bool')

/** The shape after reducing `axes`. @internal */
export const reducedShape = (shape: Shape, { axes, keepdims }: Axes): Shape =>
  Object.freeze(keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)))

const reduce = (prim: ReducePrim) => ([x]: readonly [Aval], p: Axes): Aval => {
  if (prim !== 'sum' && p.axes.some((a) => x.shape[a] === 0)) throw new TensorError(prim, `cannot reduce an empty axis of ${fmtShape(x.shape)}`)
  return { shape: reducedShape(x.shape, p), dtype: prim === 'sum' && x.dtype === 'bool' ? 'int32' : x.dtype }
}

const argReduce = (prim: 'argmax' | 'argmin') => ([x]: readonly [Aval], { axis }: { readonly axis: number }): Aval => {
  if (x.shape[axis] === 0) throw new TensorError(prim, `axis ${axis} of ${fmtShape(x.shape)} is empty`)
  if (x.dtype === 'bool') throw new TensorError(prim, `needs a numeric tensor, got ${x.dtype}`)
  return { shape: Object.freeze(x.shape.filter((_, i) => i !== axis)), dtype: 'int32' }
}

/** m, k, n and the broadcast batch shape of `op(A)·op(B)`. @internal */
export const matmulDims = (a: Shape, b: Shape, { ta, tb }: ParamsOf['matmul']) => {
  const [ra, ca] = a.slice(-2) as [number, number]
  const [rb, cb] = b.slice(-2) as [number, number]
  const m = ta ? ca : ra
  const k = ta ? ra : ca
  const kb = tb ? cb : rb
  const n = tb ? rb : cb
  if (k !== kb) throw new TensorError('matmul', `${fmtShape(a)}${ta ? 'ᵀ' : ''} × ${fmtShape(b)}${tb ? 'ᵀ' : ''}: inner dimensions ${k} ≠ ${kb}`)
  return { m, k, n, batch: broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul') }
}

/** `(d − 1)·k + 1` for d > 0: the extent of d points k apart (JAX's `_dilate_shape`). @internal */
export const dilated = (d: number, k: number): number => (d === 0 ? 0 : (d - 1) * k + 1)

/**
 * The sizes of one convolution: batch, spatial extents in and out, window,
 * input channels (all groups), channels per group, output channels. An
 * output extent is 0 where the dilated window does not fit the padded input. @internal
 */
export const convDims = (lhs: Shape, rhs: Shape, p: ConvParams) => {
  const nsp = lhs.length - 2
  const spatial = lhs.slice(1, -1)
  const window = rhs.slice(0, nsp)
  const out = spatial.map((d, i) => {
    const padded = p.padding[i]![0] + dilated(d, p.lhsDilation[i]!) + p.padding[i]![1]
    const w = dilated(window[i]!, p.rhsDilation[i]!)
    return padded < w ? 0 : Math.floor((padded - w) / p.strides[i]!) + 1
  })
  return { n: lhs[0]!, spatial, out, window, c: lhs[lhs.length - 1]!, cg: rhs[nsp]!, o: rhs[nsp + 1]!, groups: p.featureGroupCount }
}

const keyShape = (prim: string, k: Aval): Shape => {
  if (k.dtype !== 'int32' || k.shape[k.shape.length - 1] !== 2) throw new TensorError(prim, `expected a key (int32 [..., 2]), got ${k.dtype}${fmtShape(k.shape)}`)
  return k.shape.slice(0, -1)
}

/** The output aval of each primitive. @internal */
export const abstractEval: { readonly [P in Prim]: (args: Args<P, Aval>, params: ParamsOf[P]) => Aval } = {
  neg: same, exp: same, expm1: same, log: same, log1p: same, sqrt: same, abs: same, sign: same, sin: same, cos: same, tan: same, tanh: same, sigmoid: same, relu: same, erf: same, erfInv: same,
  add: arith('add'), sub: arith('sub'), mul: arith('mul'), div: arith('div'), pow: arith('pow'), maximum: arith('maximum'), minimum: arith('minimum'),
  equal: compare('equal'), notEqual: compare('notEqual'), less: compare('less'), lessEqual: compare('lessEqual'), greater: compare('greater'), greaterEqual: compare('greaterEqual'),
  where: ([c, a, b]) => {
    if (c.dtype !== 'bool') throw new TensorError('where', `condition must be bool, got ${c.dtype}`)
    if (a.dtype !== b.dtype) throw new TensorError('where', `branch dtypes ${a.dtype} and ${b.dtype} differ`)
    return { shape: broadcastShapes(broadcastShapes(c.shape, a.shape, 'where'), b.shape, 'where'), dtype: a.dtype }
  },
  cast: ([x], { dtype }) => ({ shape: x.shape, dtype }),
  stopGradient: same,
  sum: reduce('sum'), max: reduce('max'), min: reduce('min'),
  argmax: argReduce('argmax'), argmin: argReduce('argmin'),
  reshape: ([x], { shape }) => {
    if (sizeOf(shape) !== sizeOf(x.shape)) throw new TensorError('reshape', `cannot reshape ${fmtShape(x.shape)} (${sizeOf(x.shape)} elements) to ${fmtShape(shape)}`)
    return { shape, dtype: x.dtype }
  },
  transpose: ([x], { perm }) => ({ shape: Object.freeze(perm.map((p) => x.shape[p]!)), dtype: x.dtype }),
  broadcastTo: ([x], { shape }) => {
    if (!shapeEq(broadcastShapes(x.shape, shape, 'broadcastTo'), shape)) throw new TensorError('broadcastTo', `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`)
    return { shape, dtype: x.dtype }
  },
  slice: ([x], { begin, end }) => ({ shape: Object.freeze(begin.map((b, i) => end[i]! - b)), dtype: x.dtype }),
  pad: ([x], { before, after }) => ({ shape: Object.freeze(x.shape.map((d, i) => before[i]! + d + after[i]!)), dtype: x.dtype }),
  concat: (xs, { axis }) => {
    const first = xs[0]!
    let total = 0
    for (const x of xs) {
      const fits = x.shape.length === first.shape.length && x.shape.every((d, i) => i === axis || d === first.shape[i])
      if (!fits || x.dtype !== first.dtype) throw new TensorError('concat', `${xs.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(' ++ ')}: shapes must agree except on axis ${axis}`)
      total += x.shape[axis]!
    }
    return { shape: Object.freeze(first.shape.map((d, i) => (i === axis ? total : d))), dtype: first.dtype }
  },
  gather: ([x, idx], { axis }) => {
    if (idx.dtype !== 'int32') throw new TensorError('gather', `indices must be int32, got ${idx.dtype}`)
    return { shape: Object.freeze([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]), dtype: x.dtype }
  },
  scatterAdd: ([u, idx], { axis, size }) => {
    if (idx.dtype !== 'int32') throw new TensorError('scatterAdd', `indices must be int32, got ${idx.dtype}`)
    const ir = idx.shape.length
    const fits = u.shape.length >= axis + ir && idx.shape.every((d, i) => d === u.shape[axis + i])
    if (!fits) throw new TensorError('scatterAdd', `updates ${fmtShape(u.shape)} do not match indices ${fmtShape(idx.shape)} at axis ${axis}`)
    return { shape: Object.freeze([...u.shape.slice(0, axis), size, ...u.shape.slice(axis + ir)]), dtype: u.dtype }
  },
  matmul: ([a, b], f) => {
    if (a.dtype !== b.dtype || (a.dtype !== 'float32' && a.dtype !== 'float64')) throw new TensorError('matmul', `needs two float tensors of one dtype, got ${a.dtype} and ${b.dtype}`)
    const { m, n, batch } = matmulDims(a.shape, b.shape, f)
    return { shape: Object.freeze([...batch, m, n]), dtype: a.dtype }
  },
  conv: ([a, b], p) => {
    if (a.dtype !== b.dtype || (a.dtype !== 'float32' && a.dtype !== 'float64')) throw new TensorError('conv', `needs two float tensors of one dtype, got ${a.dtype} and ${b.dtype}`)
    const nsp = a.shape.length - 2
    const arrays = [p.strides, p.padding, p.lhsDilation, p.rhsDilation]
    if (nsp < 0 || b.shape.length !== nsp + 2 || arrays.some((v) => v.length !== nsp)) throw new TensorError('conv', `lhs ${fmtShape(a.shape)} and rhs ${fmtShape(b.shape)} do not agree on ${Math.max(nsp, 0)} spatial axes`)
    const d = convDims(a.shape, b.shape, p)
    if (d.groups < 1 || d.c !== d.cg * d.groups || d.o % d.groups !== 0) throw new TensorError('conv', `lhs ${fmtShape(a.shape)} and rhs ${fmtShape(b.shape)} do not fit ${d.groups} feature groups`)
    return { shape: Object.freeze([d.n, ...d.out, d.o]), dtype: a.dtype }
  },
  argsort: ([x]) => ({ shape: x.shape, dtype: 'int32' }),
  randomBits: ([k], { shape, dist }) => ({ shape: Object.freeze([...keyShape('randomBits', k), ...shape]), dtype: dist.kind === 'bits' ? 'int32' : dist.kind === 'bernoulli' ? 'bool' : dist.dtype }),
  randomSplit: ([k], { n }) => ({ shape: Object.freeze([...keyShape('randomSplit', k), n, 2]), dtype: 'int32' }),
  randomFoldIn: ([k]) => ({ shape: Object.freeze([...keyShape('randomFoldIn', k), 2]), dtype: 'int32' }),
  user: (xs, { rules, params }) => rules.abstractEval(xs, params),
}

/** The name messages use for an application of `prim`: a user primitive's own name, else the primitive's. @internal */
export const nameOf = <P extends Prim>(prim: P, params: ParamsOf[P]): string => (prim === 'user' ? (params as ParamsOf['user']).rules.name : prim)

/** Params as shown in printed graphs. @internal */
export const showParams = (prim: Prim, params: unknown): string => {
  const p = params as Record<string, unknown> | undefined
  switch (prim) {
    case 'sum':
    case 'max':
    case 'min': {
      const a = p as unknown as Axes
      return `axes [${a.axes.join(',')}]${a.keepdims ? ' keepdims' : ''}`
    }
    case 'reshape':
    case 'broadcastTo':
      return fmtShape((p as { shape: Shape }).shape)
    case 'transpose':
      return `[${(p as { perm: readonly number[] }).perm.join(',')}]`
    case 'slice': {
      const { begin, end } = p as ParamsOf['slice']
      return begin.map((b, i) => `${b}:${end[i]}`).join(',')
    }
    case 'pad': {
      const { before, after } = p as ParamsOf['pad']
      return before.map((b, i) => `${b}|${after[i]}`).join(',')
    }
    case 'matmul': {
      const { ta, tb } = p as ParamsOf['matmul']
      return ta || tb ? `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}` : ''
    }
    case 'cast':
      return (p as ParamsOf['cast']).dtype
    case 'conv': {
      const c = p as unknown as ConvParams
      return `strides [${c.strides.join(',')}], padding [${c.padding.map((q) => q.join('|')).join(',')}], lhsDilation [${c.lhsDilation.join(',')}], rhsDilation [${c.rhsDilation.join(',')}], groups ${c.featureGroupCount}`
    }
    case 'user':
      return '' // the op is shown by the user primitive's own name
    case 'randomBits':
      return (p as unknown as ParamsOf['randomBits']).dist.kind
    default:
      return p === undefined ? '' : Object.entries(p).map(([k, v]) => `${k} ${String(v)}`).join(', ')
  }
}
