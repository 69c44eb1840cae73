/**
 * The fuzzer's graph arbitraries. fast-check draws raw material — the
 * inputs, and per node an op index and a dozen choice numbers — and a builder
 * (laws/fuzzBuilder.ts) turns it into a graph, each op choosing its arguments
 * (laws/fuzzGenerators.ts) with every value's shape and dtype known from the
 * model (laws/fuzzModel.ts). Shrinking the raw material shrinks the graph
 * toward fewer nodes and the canonical, valid choices.
 * @module
 */
import fc from 'fast-check'
import type { DType } from '../src/core/dtype.js'
import type { Shape } from '../src/core/shape.js'
import { shapeArb } from './arbitraries.js'
import { type FuzzOpName, fuzzOpNames } from './fuzzModel.js'
import { type GraphInput, type OpGraph, showOpGraph } from './fuzzGraph.js'
import { Builder, DTYPES, Draw, type Mode, sizeOf } from './fuzzBuilder.js'
import { generators } from './fuzzGenerators.js'

/**
 * What {@link opGraphArb} and {@link diffGraphArb} draw.
 * @example
 * import fc from 'fast-check'
 * import { opGraphArb, type OpGraphOptions } from 'grad-ts/laws'
 * const small: OpGraphOptions = { minOps: 1, maxOps: 3, ops: ['add', 'sum'], maxSize: 6 }
 * fc.assert(fc.property(opGraphArb(small), (g) => g.nodes.every((n) => n.op === 'add' || n.op === 'sum' || n.op === 'tensor' || n.op === 'zeros')), { numRuns: 5 })
 * @since 0.2.0
 */
export interface OpGraphOptions {
  /** Fewest op applications drawn; default 3. */
  readonly minOps?: number
  /** Most op applications drawn; default 12 (constants and guards they need come on top). */
  readonly maxOps?: number
  /** The ops to draw from; default every op the model knows (contract) or every differentiable one (derivatives). */
  readonly ops?: readonly FuzzOpName[]
  /** Most elements of an input tensor; default 24. */
  readonly maxSize?: number
  /** The inputs' dtypes; default all four (contract graphs; derivative graphs are float64). */
  readonly dtypes?: readonly DType[]
}

/**
 * The ops {@link diffGraphArb} draws by default: the differentiable ones, and
 * the comparisons, argmax and argmin that feed `where`, `gather` and `oneHot`.
 * @example
 * import { differentiableOps } from 'grad-ts/laws'
 * console.assert(differentiableOps.includes('softmaxCrossEntropy') && !differentiableOps.includes('stopGradient'))
 * @since 0.2.0
 */
export const differentiableOps: readonly FuzzOpName[] = [
  'neg', 'exp', 'log', 'log1p', 'sqrt', 'abs', 'sign', 'tanh', 'sigmoid', 'relu', 'square',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'less', 'greater', 'lessEqual', 'greaterEqual', 'where', 'cast',
  'sum', 'max', 'min', 'mean', 'norm', 'argmax', 'argmin', 'matmul',
  'reshape', 'transpose', 'broadcastTo', 'sumTo', 'slice', 'pad', 'concat', 'gather', 'scatterAdd', 'expandDims', 'squeeze',
  'softmax', 'logSoftmax', 'logSumExp', 'oneHot', 'softmaxCrossEntropy', 'mse', 'clip',
]

// ------------------------------------------------------------ the arbitraries

const CONTRACT_VALUES = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 5 }) },
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 1e-40, 65504.5) },
)

/** Derivative inputs: uniform in ±[0.05, 2] (fast-check's bias toward 0 and tiny numbers would put them on the kinks at 0). */
const DIFF_VALUES = fc.noBias(fc.integer({ min: -1950, max: 1950 })).map((k) => (k + (k < 0 ? -50 : 50)) / 1000)

/** A drawn number stored in a dtype, as the tensor would hold it. */
const store = (v: number, dtype: DType): number => {
  if (dtype === 'float64') return v
  if (dtype === 'float32') return Math.fround(v)
  if (dtype === 'bool') return v > 0 ? 1 : 0
  return Number.isFinite(v) ? Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v))) : 0
}

/** Inputs of one broadcast family: a base shape, and operands that drop leading axes or make dimensions 1 — or (one in four) a shape of their own. */
const inputsArb = (mode: Mode, o: OpGraphOptions): fc.Arbitrary<readonly GraphInput[]> => {
  const S = { maxRank: 4, maxDim: 4, maxSize: o.maxSize ?? 24 }
  const dtypes = mode === 'diff' ? ['float64' as const] : (o.dtypes ?? DTYPES)
  const one = (base: Shape) =>
    fc.record({ derive: fc.nat(7), drop: fc.nat(4), ones: fc.array(fc.nat(3), { minLength: 4, maxLength: 4 }), own: shapeArb(S), dtype: fc.constantFrom(...dtypes) })
      .chain(({ derive, drop, ones, own, dtype }) => {
        const shape = derive === 0 ? base : derive < 6 ? base.slice(Math.min(drop, base.length)).map((d, i) => (ones[i] === 3 ? 1 : d)) : own
        const n = sizeOf(shape)
        // Derivative graphs get distinct values everywhere (ties are kinks); contract graphs repeat a few, ties included.
        const values = mode === 'diff' ? fc.array(DIFF_VALUES, { minLength: n, maxLength: n }) : fc.array(CONTRACT_VALUES, { minLength: 1, maxLength: 8 }).map((vs) => Array.from({ length: n }, (_, i) => vs[i % vs.length]!))
        return values.map((vs): GraphInput => ({ shape, dtype, values: vs.map((v) => store(v, dtype)) }))
      })
  return shapeArb(S).chain((base) => fc.array(one(base), { minLength: 1, maxLength: mode === 'diff' ? 3 : 4 }))
}

interface RawNode {
  readonly op: number
  readonly r: readonly number[]
}

const build = (mode: Mode, ops: readonly FuzzOpName[], inputs: readonly GraphInput[], raws: readonly RawNode[]): OpGraph => {
  const b = new Builder(mode, inputs.length)
  inputs.forEach((x, i) => {
    b.add({ ref: i, shape: x.shape, dtype: x.dtype, live: mode === 'diff' })
  })
  for (const raw of raws) {
    b.d = new Draw(raw.r)
    generators[ops[raw.op % ops.length]!](b)
  }
  // The outputs of a derivative graph: every value derivatives flow through that no later differentiable value uses.
  const used = new Set(b.vals.filter((v) => v.live).flatMap((v) => (v.ref < inputs.length ? [] : b.nodes[v.ref - inputs.length]!.args.flatMap((a) => ('ref' in a ? [a.ref] : 'refs' in a ? a.refs : [])))))
  const sinks = b.vals.filter((v) => v.live && !used.has(v.ref)).map((v) => v.ref)
  const g: OpGraph = mode === 'diff' ? { inputs, nodes: b.nodes, outputs: sinks } : { inputs, nodes: b.nodes }
  // fast-check prints a counterexample with this: the failing graph as the program that fails.
  return Object.defineProperty(g, fc.toStringMethod, { value: () => `\n${showOpGraph(g)}\n`, enumerable: false })
}

const graphArb = (mode: Mode, o: OpGraphOptions): fc.Arbitrary<OpGraph> => {
  const ops = o.ops ?? (mode === 'diff' ? differentiableOps : fuzzOpNames)
  if (ops.length === 0) throw new TypeError('opGraphArb: no ops to draw from')
  const raw = fc.record({ op: fc.nat(ops.length - 1), r: fc.array(fc.nat(1 << 16), { minLength: 12, maxLength: 12 }) })
  return fc.tuple(inputsArb(mode, o), fc.array(raw, { minLength: o.minOps ?? 3, maxLength: o.maxOps ?? 12 })).map(([inputs, raws]) => build(mode, ops, inputs, raws))
}

/**
 * Random op graphs for the contract law: 1–4 inputs of mixed dtypes (shapes
 * of one broadcast family, with size-0 and size-1 dimensions, or shapes of
 * their own), then 3–12 applications of grad-ts's public ops and factories —
 * mostly valid, some deliberately not (shapes that do not broadcast, axes out
 * of range, `null` or `'1'` as operands, indices out of range, huge sizes).
 * Each graph prints (in fast-check's reports too) as the program it is.
 * @example
 * import fc from 'fast-check'
 * import { opGraphArb, showOpGraph } from 'grad-ts/laws'
 * const [g] = fc.sample(opGraphArb({ maxOps: 4 }), { numRuns: 1, seed: 3 })
 * console.assert(g!.inputs.length >= 1 && showOpGraph(g!).startsWith('const v0 = '))
 * @since 0.2.0
 */
export const opGraphArb = (options: OpGraphOptions = {}): fc.Arbitrary<OpGraph> => graphArb('contract', options)

/**
 * Random differentiable graphs for the derivative laws: 1–3 float64 inputs,
 * then 3–12 valid applications of differentiable ops (and of the comparisons,
 * argmax and constants that feed `where`, `gather` and `oneHot`), ending in an
 * `outputs` that depend on the inputs.
 * @example
 * import fc from 'fast-check'
 * import { diffGraphArb } from 'grad-ts/laws'
 * fc.assert(fc.property(diffGraphArb({ maxOps: 4 }), (g) => g.outputs !== undefined && g.inputs.every((x) => x.dtype === 'float64')), { numRuns: 5 })
 * @since 0.2.0
 */
export const diffGraphArb = (options: OpGraphOptions = {}): fc.Arbitrary<OpGraph> => graphArb('diff', options)
