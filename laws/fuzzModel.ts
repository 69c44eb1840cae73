/**
 * The op-graph fuzzer's model of the ops' contracts: for every public op it
 * fuzzes, the shape and dtype of the result — or why the call must throw a
 * `TensorError` — from the documented rules (docs/tensors.md, the ops' doc
 * comments): NumPy broadcasting, JAX's dtype promotion `bool < int32 <
 * float32 < float64` with JavaScript numbers as weak scalars, `div`, `pow`
 * and the float functions of integers in float32, comparisons in bool. It is
 * written apart from the library's own shape and dtype code on purpose: a
 * model that called `broadcastShapes` would agree with every bug in it.
 *
 * Some calls have more than one acceptable outcome, where the documentation
 * leaves a choice open (`abs` of a bool, `softmax` over an empty axis, a
 * number passed where a tensor belongs); the model then allows a
 * `TensorError` as well as a result, or several dtypes. Where the values
 * decide (indices and labels in range), the model reads them.
 * @module
 */
import type { DType } from '../src/core/dtype.js'
import {
  type ArgInfo, type Expectation, type Operand, type Rule, MAX_ELEMENTS, Model, Reject, binary, binaryDtype, broadcast, common, count, dimsOf,
  dtypeArg, floatOf, fmt, indices, isFloat, isInt32, lit, operand, promote, reject, shapeOf, show, sizeOf, tensorArg, unary, DTYPES,
} from './fuzzModelBase.js'
import { argReduction, broadcastTo, concat, expandDims, gather, matmul, optionsOf, pad, reduceAxes, reducedShape, reduction, reshape, scatterAdd, slice, squeeze, sumTo, transpose } from './fuzzModelOps.js'

export { type ArgInfo, type Expectation, MAX_ELEMENTS } from './fuzzModelBase.js'

// ------------------------------------------------------------ composites

/** softmax, logSoftmax: axes (the last by default); an empty axis has nothing to normalise, so a TensorError is allowed. */
const softmaxLike: Rule = (m, [a, o]) => {
  const x = tensorArg(m, a, 'x')
  const given = optionsOf(lit(o))
  const { axes } = reduceAxes(x, { axis: given.axis ?? -1 })
  if (axes.some((i) => x.shape[i] === 0)) m.allow('an empty axis')
  return { shape: x.shape, dtypes: [floatOf(x.dtype)] }
}

/** logSumExp: a reduction over axes (all by default, as jax.nn.logsumexp). */
const logSumExp: Rule = (m, [a, o]) => {
  const x = tensorArg(m, a, 'x')
  const p = reduceAxes(x, lit(o))
  if (p.axes.some((i) => x.shape[i] === 0)) m.allow('an empty axis')
  return { shape: reducedShape(x, p), dtypes: [floatOf(x.dtype)] }
}

const oneHot: Rule = (m, [l, c, d]) => {
  const labels = tensorArg(m, l, 'labels')
  if (labels.dtype !== 'int32') reject(`labels are ${labels.dtype}, not int32`)
  const classes = count(lit(c), 'classes')
  indices(m, l, classes, 'labels')
  const dtype = dtypeArg(lit(d), 'float32')
  if (!isFloat(dtype)) m.allow('a non-float oneHot dtype')
  return { shape: [...labels.shape, classes], dtypes: [dtype] }
}

const softmaxCrossEntropy: Rule = (m, [l, t]) => {
  const logits = tensorArg(m, l, 'logits')
  const labels = tensorArg(m, t, 'labels')
  const r = logits.shape.length
  if (r === 0) reject('logits of rank 0 have no class axis')
  const C = logits.shape[r - 1]!
  if (C === 0) m.allow('no classes')
  const lp = floatOf(logits.dtype)
  if (labels.dtype === 'int32') {
    if (labels.shape.length !== r - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) reject(`labels ${fmt(labels.shape)} are not the logits' ${fmt(logits.shape)} without the class axis`)
    indices(m, t, C, 'labels')
    return { shape: [], dtypes: [lp] }
  }
  if (labels.shape.length !== r || labels.shape.some((d, i) => d !== logits.shape[i])) reject(`targets ${fmt(labels.shape)} do not match the logits ${fmt(logits.shape)}`)
  return { shape: [], dtypes: [promote(labels.dtype, lp)] }
}

const mse: Rule = (m, [a, b]) => {
  const x = tensorArg(m, a, 'a')
  const y = operand(b, 'b')
  broadcast(x.shape, shapeOf(y))
  return { shape: [], dtypes: [floatOf(binaryDtype('arith', common({ t: x }, y)))] }
}

const clip: Rule = (m, [a, lo, hi]) => {
  const x: Operand = { t: tensorArg(m, a, 'x') }
  const l = operand(lo, 'lo')
  const h = operand(hi, 'hi')
  // maximum(x, lo), then minimum with hi.
  const s1 = broadcast(shapeOf(x), shapeOf(l))
  const d1 = binaryDtype('select', common(x, l))
  return { shape: broadcast(s1, shapeOf(h)), dtypes: [binaryDtype('select', common({ t: { kind: 'tensor', shape: s1, dtype: d1 } }, h))] }
}

const square: Rule = (m, [a]) => {
  const x = tensorArg(m, a, 'x')
  return { shape: x.shape, dtypes: [x.dtype === 'bool' ? 'int32' : x.dtype] }
}

const same: Rule = (m, [a]) => {
  const x = tensorArg(m, a, 'x')
  return { shape: x.shape, dtypes: [x.dtype] }
}

const where: Rule = (m, [c, a, b]) => {
  const cond = tensorArg(m, c, 'the condition')
  const x = operand(a, 'the first branch')
  const y = operand(b, 'the second branch')
  // Selection, not arithmetic: bool branches stay bool.
  return { shape: broadcast(broadcast(cond.shape, shapeOf(x)), shapeOf(y)), dtypes: [common(x, y)] }
}

const cast: Rule = (m, [a, d]) => {
  const x = tensorArg(m, a, 'x')
  const to = lit(d)
  if (!DTYPES.has(to)) reject(`${show(to)} is not a dtype`)
  return { shape: x.shape, dtypes: [to as DType] }
}

// ------------------------------------------------------------ factories

type Nest = unknown
/** The shape of a nested array, checking that it is not ragged and that every leaf is a number or a boolean. */
const nestedShape = (v: Nest): number[] => {
  const shape: number[] = []
  for (let cur = v; Array.isArray(cur); cur = (cur as unknown[])[0]) {
    shape.push(cur.length)
    if (cur.length === 0) break
  }
  const check = (x: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number' && typeof x !== 'boolean') reject(`leaf ${show(x)} is not a number or a boolean`)
      return
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) reject('a ragged nested array')
    ;(x as unknown[]).forEach((y) => { check(y, dim + 1) })
  }
  check(v, 0)
  return shape
}
const leaves = (v: Nest): unknown[] => (Array.isArray(v) ? (v as unknown[]).flatMap(leaves) : [v])
const firstLeaf = (v: Nest): unknown => (Array.isArray(v) ? (v.length === 0 ? undefined : firstLeaf((v as unknown[])[0])) : v)

/** An element stored in dtype d: int32 holds integers in range, bool true, false, 0 and 1; nothing is truncated or wrapped. */
const fits = (v: unknown, d: DType): void => {
  if (typeof v === 'boolean') return
  if (typeof v !== 'number') return void reject(`value ${show(v)} is not a number`)
  if (d === 'int32' && !isInt32(v)) reject(`${v} is not an int32`)
  if (d === 'bool' && v !== 0 && v !== 1) reject(`${v} is not a bool`)
}

const tensorRule: Rule = (m, [v, d]) => {
  const values = lit(v)
  const shape = nestedShape(values)
  const dtype = dtypeArg(lit(d), typeof firstLeaf(values) === 'boolean' ? 'bool' : 'float32')
  for (const x of leaves(values)) fits(x, dtype)
  return { shape, dtypes: [dtype] }
}

const full: Rule = (m, [s, v, d]) => {
  const shape = dimsOf(lit(s), 'shape')
  const value = lit(v)
  const dtype = dtypeArg(lit(d), 'float32')
  fits(value, dtype)
  return { shape, dtypes: [dtype] }
}

const filled: Rule = (m, [s, d]) => ({ shape: dimsOf(lit(s), 'shape'), dtypes: [dtypeArg(lit(d), 'float32')] })

const scalarRule: Rule = (m, [v, d]) => full(m, [{ kind: 'lit', value: [] }, v, d])

const finite = (v: unknown, what: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : reject(`${what} ${show(v)} is not a finite number`))

const arange: Rule = (m, [a, b, c, d]) => {
  const hasStop = lit(b) !== undefined
  const lo = hasStop ? finite(lit(a), 'start') : 0
  const hi = hasStop ? finite(lit(b), 'stop') : finite(lit(a), 'stop')
  const step = lit(c) === undefined ? 1 : finite(lit(c), 'step')
  if (step === 0) reject('a zero step')
  const dtype = dtypeArg(lit(d), 'float32')
  const n = Math.max(0, Math.ceil((hi - lo) / step))
  if (n < MAX_ELEMENTS) for (let i = 0; i < n; i++) fits(lo + i * step, dtype)
  if (dtype === 'bool') m.allow('a range of bools')
  return { shape: [n], dtypes: [dtype] }
}

const linspace: Rule = (m, [a, b, n, d]) => {
  const num = count(lit(n), 'num')
  const dtype = dtypeArg(lit(d), 'float32')
  const start = finite(lit(a), 'start')
  const stop = finite(lit(b), 'stop')
  const step = num > 1 ? (stop - start) / (num - 1) : 0
  if (num < MAX_ELEMENTS) for (let i = 0; i < num; i++) fits(i === num - 1 && num > 1 ? stop : start + i * step, dtype)
  return { shape: [num], dtypes: [dtype] }
}

const eye: Rule = (m, [a, b, d]) => {
  const n = count(lit(a), 'n')
  const k = lit(b) === undefined ? n : count(lit(b), 'm')
  return { shape: [n, k], dtypes: [dtypeArg(lit(d), 'float32')] }
}

// ------------------------------------------------------------ the table

/** The ops and factories the fuzzer calls, by their names in grad-ts. @since 0.2.0 */
export type FuzzOpName =
  | 'tensor' | 'full' | 'zeros' | 'ones' | 'scalar' | 'arange' | 'linspace' | 'eye'
  | 'neg' | 'abs' | 'sign' | 'relu' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'tanh' | 'sigmoid' | 'square' | 'stopGradient'
  | 'add' | 'sub' | 'mul' | 'maximum' | 'minimum' | 'div' | 'pow'
  | 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'where' | 'cast'
  | 'sum' | 'max' | 'min' | 'mean' | 'norm' | 'argmax' | 'argmin'
  | 'matmul' | 'reshape' | 'transpose' | 'broadcastTo' | 'sumTo' | 'slice' | 'pad' | 'concat' | 'gather' | 'scatterAdd' | 'expandDims' | 'squeeze'
  | 'softmax' | 'logSoftmax' | 'logSumExp' | 'oneHot' | 'softmaxCrossEntropy' | 'mse' | 'clip'

const rules: Readonly<Record<FuzzOpName, Rule>> = {
  // factories
  tensor: tensorRule, full, zeros: filled, ones: filled, scalar: scalarRule, arange, linspace, eye,
  // elementwise
  neg: unary('neg'), abs: unary('keep'), sign: unary('keep'), relu: unary('keep'),
  exp: unary('float'), log: unary('float'), log1p: unary('float'), sqrt: unary('float'), tanh: unary('float'), sigmoid: unary('float'),
  square, stopGradient: same,
  add: binary('arith'), sub: binary('arith'), mul: binary('arith'), maximum: binary('select'), minimum: binary('select'),
  div: binary('float'), pow: binary('float'),
  equal: binary('compare'), notEqual: binary('compare'), less: binary('compare'), lessEqual: binary('compare'), greater: binary('compare'), greaterEqual: binary('compare'),
  where, cast,
  // reductions
  sum: reduction('sum'), max: reduction('max'), min: reduction('min'), mean: reduction('mean'), norm: reduction('norm'),
  argmax: argReduction, argmin: argReduction,
  // matmul and movement
  matmul, reshape, transpose, broadcastTo, sumTo, slice, pad, concat, gather, scatterAdd, expandDims, squeeze,
  // composites
  softmax: softmaxLike, logSoftmax: softmaxLike, logSumExp, oneHot, softmaxCrossEntropy, mse, clip,
}

/**
 * Every op and factory the fuzzer's model knows (what {@link opGraphArb} draws by default).
 * @example
 * import { fuzzOpNames, opGraphArb } from 'grad-ts/laws'
 * const noFactories = opGraphArb({ ops: fuzzOpNames.filter((op) => !['tensor', 'full', 'zeros', 'ones', 'scalar', 'arange', 'linspace', 'eye'].includes(op)) })
 * console.assert(fuzzOpNames.includes('matmul') && noFactories !== undefined)
 * @since 0.2.0
 */
export const fuzzOpNames = Object.keys(rules) as readonly FuzzOpName[]

/** What `op(...args)` must do, by the documented rules. */
export const expectation = (op: FuzzOpName, args: readonly (ArgInfo | undefined)[]): Expectation => {
  const m = new Model()
  try {
    const { shape, dtypes } = rules[op](m, args)
    if (sizeOf(shape) >= MAX_ELEMENTS) return { error: `${fmt(shape)} has too many elements to allocate` }
    // An empty result with a dimension no tensor could have: computing it may need a temporary of that size.
    if (shape.some((d) => d >= MAX_ELEMENTS)) m.allow(`a dimension of ${fmt(shape)} exceeds any tensor`)
    return m.loose.length === 0 ? { result: { shape, dtypes } } : { result: { shape, dtypes }, error: m.loose.join('; ') }
  } catch (e) {
    if (e instanceof Reject) return { error: e.why }
    throw e
  }
}
