/**
 * Op graphs as data, for the fuzzer (laws/fuzz.ts): a list of inputs and of
 * op applications whose arguments name earlier values (`v3`) or are
 * JavaScript literals, so that fast-check can shrink a graph node by node and
 * a failing graph prints as the TypeScript program that fails. How to print,
 * evaluate and draw them; the drawing rules are in laws/fuzzDraw.ts.
 * @module
 */
import { type DType, alloc } from '../src/core/dtype.js'
import type { Shape } from '../src/core/shape.js'
import { Tensor, arange, eye, fromTypedArray, full, linspace, ones, scalar, tensor, zeros } from '../src/core/tensor.js'
import * as T from '../src/ad/index.js'
import { normalLike } from './arbitraries.js'
import type { FuzzOpName } from './fuzzModel.js'

/**
 * An argument of an op application: an earlier value (`{ ref: 3 }` is `v3`),
 * a list of them (for `concat`), or a JavaScript literal passed as it is — a
 * number operand, an axis, an options object, or a deliberately wrong value
 * such as `null` or `'1'`.
 * @example
 * import type { OpArg } from 'grad-ts/laws'
 * const args: readonly OpArg[] = [{ ref: 0 }, { lit: { axis: -1, keepdims: true } }]
 * console.assert(args.length === 2)
 * @since 0.2.0
 */
export type OpArg = { readonly ref: number } | { readonly refs: readonly number[] } | { readonly lit: unknown }

/**
 * One op application: the op's name in grad-ts and its arguments, in order.
 * @example
 * import type { OpNode } from 'grad-ts/laws'
 * const node: OpNode = { op: 'sum', args: [{ ref: 0 }, { lit: { axis: 0 } }] }  // sum(v0, { axis: 0 })
 * console.assert(node.op === 'sum')
 * @since 0.2.0
 */
export interface OpNode {
  readonly op: FuzzOpName
  readonly args: readonly OpArg[]
}

/**
 * An input tensor of a graph: shape, dtype and its values in row-major order.
 * @example
 * import type { GraphInput } from 'grad-ts/laws'
 * const x: GraphInput = { shape: [2], dtype: 'int32', values: [3, -1] }
 * console.assert(x.values.length === 2)
 * @since 0.2.0
 */
export interface GraphInput {
  readonly shape: Shape
  readonly dtype: DType
  readonly values: readonly number[]
}

/**
 * An op graph: inputs `v0 … v(k−1)`, then one value per node, `vk, vk+1, …`.
 * A derivative graph (from {@link diffGraphArb}) also names its `outputs`,
 * the values whose weighted sums `sum(mul(v, normalLike(v, i)))` add up to
 * the scalar function of the inputs that the derivative laws differentiate.
 * @example
 * import { showOpGraph, type OpGraph } from 'grad-ts/laws'
 * const g: OpGraph = { inputs: [{ shape: [2], dtype: 'float32', values: [1, 2] }], nodes: [{ op: 'add', args: [{ ref: 0 }, { lit: 0.5 }] }] }
 * console.assert(showOpGraph(g).includes('const v1 = add(v0, 0.5)'))
 * @since 0.2.0
 */
export interface OpGraph {
  readonly inputs: readonly GraphInput[]
  readonly nodes: readonly OpNode[]
  readonly outputs?: readonly number[]
}

// ------------------------------------------------------------ calling and printing

type Fn = (...args: unknown[]) => unknown
/** The functions behind the op names: grad-ts's public ops and factories. */
export const opFunctions: Readonly<Record<FuzzOpName, Fn>> = {
  tensor, full, zeros, ones, scalar, arange, linspace, eye,
  neg: T.neg, abs: T.abs, sign: T.sign, relu: T.relu, exp: T.exp, log: T.log, log1p: T.log1p, sqrt: T.sqrt, tanh: T.tanh, sigmoid: T.sigmoid,
  square: T.square, stopGradient: T.stopGradient,
  add: T.add, sub: T.sub, mul: T.mul, maximum: T.maximum, minimum: T.minimum, div: T.div, pow: T.pow,
  equal: T.equal, notEqual: T.notEqual, less: T.less, lessEqual: T.lessEqual, greater: T.greater, greaterEqual: T.greaterEqual,
  where: T.where, cast: T.cast,
  sum: T.sum, max: T.max, min: T.min, mean: T.mean, norm: T.norm, argmax: T.argmax, argmin: T.argmin,
  matmul: T.matmul, reshape: T.reshape, transpose: T.transpose, broadcastTo: T.broadcastTo, sumTo: T.sumTo, slice: T.slice, pad: T.pad,
  concat: T.concat, gather: T.gather, scatterAdd: T.scatterAdd, expandDims: T.expandDims, squeeze: T.squeeze,
  softmax: T.softmax, logSoftmax: T.logSoftmax, logSumExp: T.logSumExp, oneHot: T.oneHot, softmaxCrossEntropy: T.softmaxCrossEntropy, mse: T.mse, clip: T.clip,
} as unknown as Record<FuzzOpName, Fn>

/** A JavaScript literal as source code. */
export const showLit = (v: unknown): string => {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v)
  if (typeof v === 'string') return `'${v}'`
  if (typeof v === 'bigint') return `${v}n`
  if (Array.isArray(v)) return `[${(v as unknown[]).map(showLit).join(', ')}]`
  if (typeof v === 'object' && v !== null) {
    const es = Object.entries(v)
    return es.length === 0 ? '{}' : `{ ${es.map(([k, x]) => `${k}: ${showLit(x)}`).join(', ')} }`
  }
  return String(v)
}

const showArg = (a: OpArg): string => ('ref' in a ? `v${a.ref}` : 'refs' in a ? `[${a.refs.map((r) => `v${r}`).join(', ')}]` : showLit(a.lit))
/** `op(arg, …)` as source code. */
export const showCall = (n: OpNode): string => `${n.op}(${n.args.map(showArg).join(', ')})`

/** Row-major values nested by shape, as `tensor` reads them. */
const nest = (values: readonly (number | boolean)[], shape: Shape): unknown => {
  if (shape.length === 0) return values[0]
  const inner = shape.slice(1).reduce((p, d) => p * d, 1)
  return Array.from({ length: shape[0]! }, (_, i) => nest(values.slice(i * inner, (i + 1) * inner), shape.slice(1)))
}

/** The call that makes a tensor of this shape, dtype and values: `tensor(…)`, or `zeros(…)` when it is empty. */
export const sourceOf = (shape: Shape, dtype: DType, values: readonly number[]): OpNode => {
  if (shape.includes(0)) return { op: 'zeros', args: [{ lit: [...shape] }, { lit: dtype }] }
  const vs = dtype === 'bool' ? values.map((v) => v !== 0) : values
  return { op: 'tensor', args: [{ lit: nest(vs, shape) }, { lit: dtype }] }
}

/** An input as a tensor (over a typed array of its dtype). */
export const inputTensor = (x: GraphInput): Tensor => {
  const data = alloc(x.dtype, x.values.length)
  x.values.forEach((v, i) => (data[i] = v))
  return fromTypedArray(data, x.shape)
}

/**
 * The graph as a TypeScript program: a contract graph as a list of
 * `const` declarations, a derivative graph as a function `f` of its inputs
 * and the point `x` to differentiate it at.
 * @example
 * import { showOpGraph } from 'grad-ts/laws'
 * const text = showOpGraph({ inputs: [{ shape: [], dtype: 'float64', values: [2] }], nodes: [{ op: 'exp', args: [{ ref: 0 }] }], outputs: [1] })
 * console.assert(text.includes('const f = ([v0]: readonly Tensor[]) => {') && text.includes('return sum(mul(v1, normalLike(v1, 1)))'))
 * @since 0.2.0
 */
export const showOpGraph = (g: OpGraph): string => {
  const k = g.inputs.length
  const body = g.nodes.map((n, i) => `const v${k + i} = ${showCall(n)}`)
  if (g.outputs === undefined) return [...g.inputs.map((x, i) => `const v${i} = ${showCall(sourceOf(x.shape, x.dtype, x.values))}`), ...body].join('\n')
  const names = g.inputs.map((_, i) => `v${i}`).join(', ')
  const terms = g.outputs.map((o, i) => `sum(mul(v${o}, normalLike(v${o}, ${i + 1})))`)
  return [
    `const x = [${g.inputs.map((x) => showCall(sourceOf(x.shape, x.dtype, x.values))).join(', ')}]`,
    `const f = ([${names}]: readonly Tensor[]) => {`,
    ...body.map((l) => `  ${l}`),
    `  return ${terms.length === 0 ? "scalar(0, 'float64')" : terms.reduce((a, t) => `add(${a}, ${t})`)}`,
    '}',
  ].join('\n')
}

/** The arguments of a node, resolved against the values so far (undefined when a value it needs is missing). */
export const resolveArgs = (n: OpNode, values: readonly (Tensor | undefined)[]): unknown[] | undefined => {
  const out: unknown[] = []
  for (const a of n.args) {
    if ('ref' in a) {
      const v = values[a.ref]
      if (v === undefined) return undefined
      out.push(v)
    } else if ('refs' in a) {
      const vs = a.refs.map((r) => values[r])
      if (vs.some((v) => v === undefined)) return undefined
      out.push(vs)
    } else out.push(a.lit)
  }
  return out
}

/** Every value of the graph at these inputs; throws whatever an op throws. */
export const evaluateGraph = (g: OpGraph, xs: readonly Tensor[]): Tensor[] => {
  const values: Tensor[] = [...xs]
  for (const n of g.nodes) {
    const v = opFunctions[n.op](...resolveArgs(n, values)!)
    if (!(v instanceof Tensor)) throw new TypeError(`${showCall(n)} returned ${typeof v}`)
    values.push(v)
  }
  return values
}

/**
 * A derivative graph as the scalar function of its inputs that the derivative
 * laws differentiate: each of its `outputs` weighted by fixed normal weights
 * and summed, so every element of every output counts.
 * @example
 * import { graphFunction } from 'grad-ts/laws'
 * import { tensor } from 'grad-ts'
 * const f = graphFunction({ inputs: [{ shape: [2], dtype: 'float64', values: [0, 0] }], nodes: [{ op: 'exp', args: [{ ref: 0 }] }], outputs: [1] })
 * console.assert(f([tensor([0, 0], 'float64')]).rank === 0)
 * @since 0.2.0
 */
export const graphFunction = (g: OpGraph) => (xs: readonly Tensor[]): Tensor => {
  const values = evaluateGraph(g, xs)
  return (g.outputs ?? [values.length - 1]).reduce((acc, o, i) => T.add(acc, T.sum(T.mul(values[o]!, normalLike(values[o]!, i + 1)))), scalar(0, 'float64'))
}
