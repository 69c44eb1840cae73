/**
 * The op-graph fuzzer: random graphs of grad-ts's public ops, drawn as data
 * (laws/fuzzGraph.ts, laws/fuzzDraw.ts), and two laws over them.
 *
 * - **The contract**: every op application returns a tensor of the shape and
 *   dtype an independent model of the documented rules gives
 *   (laws/fuzzModel.ts), or throws a `TensorError` where the model says the
 *   call is invalid — never another exception (TypeError, RangeError…),
 *   never a wrong shape or dtype, never a bool tensor holding a byte other
 *   than 0 or 1, never a change to its inputs, and never a value other than
 *   an independent float64 reference gives for the ops that have one
 *   (laws/fuzzReference.ts).
 * - **The derivatives**: on float64 graphs ending in a scalar, `checkGrads`
 *   (forward and reverse mode against central finite differences, the
 *   adjoint identity between them, at orders 1 and 2), Hessian symmetry, and
 *   `hvp` against finite differences of `grad` — at points away from every
 *   kink the graph passes through.
 */
import fc from 'fast-check'
import { TensorError, fmtShape } from '../src/core/errors.js'
import { Tensor, fromTypedArray } from '../src/core/tensor.js'
import { grad, hvp } from '../src/ad/transforms.js'
import { normalLike } from './arbitraries.js'
import { flat64, numericalJvp, worst } from './float64Trees.js'
import { type GradLawOptions, type LawCheck, checkGrads, gradientTolerances, hvpSymmetryCheck } from './gradients.js'
import { type ArgInfo, type Expectation, expectation } from './fuzzModel.js'
import { type OpGraph, type OpNode, evaluateGraph, graphFunction, inputTensor, opFunctions, resolveArgs, showCall } from './fuzzGraph.js'
import { diffGraphArb, opGraphArb } from './fuzzDraw.js'
import { reference } from './fuzzReference.js'

export { type FuzzOpName, fuzzOpNames } from './fuzzModel.js'
export { type OpArg, type OpNode, type GraphInput, type OpGraph, showOpGraph, graphFunction } from './fuzzGraph.js'
export { type OpGraphOptions, opGraphArb, diffGraphArb, differentiableOps } from './fuzzDraw.js'

// ------------------------------------------------------------ the contract

/**
 * The outcome of the contract law on one graph: how many applications ran
 * and how many were refused with a `TensorError`, and the first violation.
 * @example
 * import { opContractCheck, type OpContractReport } from 'grad-ts/laws'
 * const r: OpContractReport = opContractCheck({ inputs: [{ shape: [2], dtype: 'int32', values: [1, 2] }], nodes: [{ op: 'div', args: [{ ref: 0 }, { lit: 2 }] }] })
 * console.assert(r.ok && r.calls === 1 && r.refused === 0)
 * @since 0.2.0
 */
export interface OpContractReport {
  readonly ok: boolean
  readonly calls: number
  readonly refused: number
  /** The first violation: the value it was to be (`v3`), the call, and what went wrong. */
  readonly failure?: { readonly at: string; readonly call: string; readonly problem: string }
}

const describe = (e: Expectation): string => {
  const r = e.result === undefined ? undefined : `${e.result.dtypes.join('|')}${fmtShape(e.result.shape)}`
  if (r === undefined) return `a TensorError (${e.error ?? ''})`
  return e.error === undefined ? r : `${r} or a TensorError (${e.error})`
}
const errorName = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : `a thrown ${typeof e}: ${String(e)}`)
const TYPED = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const

const infoOf = (v: unknown): ArgInfo => {
  if (v instanceof Tensor) return { kind: 'tensor', shape: v.shape, dtype: v.dtype, values: v.dtype === 'int32' ? v.toTypedArray() : undefined }
  if (Array.isArray(v) && v.length > 0 && v.every((t) => t instanceof Tensor)) return { kind: 'list', items: v.map(infoOf) }
  return { kind: 'lit', value: v }
}

/** What is wrong with a result, if anything: shape, dtype, buffer, bool bytes, values. */
const resultProblem = (n: OpNode, args: readonly unknown[], e: Expectation, out: unknown): string | undefined => {
  if (!(out instanceof Tensor)) return `returned ${out === null ? 'null' : typeof out}, not a tensor; expected ${describe(e)}`
  const got = `${out.dtype}${fmtShape(out.shape)}`
  if (e.result === undefined) return `returned ${got}; expected ${describe(e)}`
  const { shape, dtypes } = e.result
  if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i]) || !dtypes.includes(out.dtype)) return `returned ${got}; expected ${describe(e)}`
  const data = out.toTypedArray()
  if (!(data instanceof TYPED[out.dtype]) || data.length !== shape.reduce((p, d) => p * d, 1) || out.size !== data.length) return `returned ${got} over a ${data.constructor.name} of ${data.length} elements`
  if (!Object.isFrozen(out.shape)) return `returned ${got} with a shape that is not frozen`
  if (out.dtype === 'bool') {
    const k = data.findIndex((v) => v !== 0 && v !== 1)
    if (k >= 0) return `returned a bool tensor holding the byte ${data[k]} at [${k}]`
  }
  const ref = reference(n.op, args, out)
  if (ref === undefined) return undefined
  for (let i = 0; i < data.length; i++) {
    const want = ref.want[i]
    const v = data[i]!
    if (want === undefined) continue
    const ok = Number.isNaN(want) ? Number.isNaN(v) : Number.isFinite(want) ? Math.abs(v - want) <= ref.tol[i]! : v === want
    if (!ok) return `returned ${got} with [${i}] = ${v}; the reference gives ${want}${ref.tol[i]! > 0 ? ` (± ${ref.tol[i]!.toPrecision(2)})` : ''}`
  }
  return undefined
}

/**
 * What {@link opContractCheck} insists on beyond shapes, dtypes and error classes.
 * @example
 * import { opContractLaw, type OpContractOptions } from 'grad-ts/laws'
 * const lenient: OpContractOptions = { names: false }
 * console.assert(opContractLaw({ inputs: [], nodes: [{ op: 'zeros', args: [{ lit: [-1] }] }] }, lenient))
 * @since 0.2.0
 */
export interface OpContractOptions {
  /** A TensorError names the function the user called (its `op`, the start of its message), not a function inside it; default true. */
  readonly names?: boolean
}

/**
 * Runs a graph and checks every application against the model: a
 * result of the model's shape and one of its dtypes, well formed (a frozen
 * shape, a buffer of the dtype's typed array, bool bytes 0 or 1), with the
 * reference's values where there is a reference, inputs untouched; or a
 * `TensorError` naming the function called where the model refuses the
 * call. Applications that need a value an earlier one refused are skipped.
 * @example
 * import { opContractCheck } from 'grad-ts/laws'
 * const g = { inputs: [{ shape: [2, 3], dtype: 'float32' as const, values: [1, 2, 3, 4, 5, 6] }], nodes: [
 *   { op: 'sum' as const, args: [{ ref: 0 }, { lit: { axis: -1, keepdims: true } }] },   // v1: float32[2,1]
 *   { op: 'add' as const, args: [{ ref: 0 }, { ref: 1 }] },                              // v2: float32[2,3]
 *   { op: 'matmul' as const, args: [{ ref: 0 }, { ref: 0 }] },                           // [2,3] × [2,3]: a TensorError
 * ] }
 * const r = opContractCheck(g)
 * console.assert(r.ok && r.calls === 3 && r.refused === 1)
 * @since 0.2.0
 */
export const opContractCheck = (graph: OpGraph, options: OpContractOptions = {}): OpContractReport => {
  const values: (Tensor | undefined)[] = graph.inputs.map(inputTensor)
  let calls = 0
  let refused = 0
  const base = graph.inputs.length
  for (const [k, n] of graph.nodes.entries()) {
    const args = resolveArgs(n, values)
    if (args === undefined) {
      values.push(undefined)
      continue
    }
    calls++
    const e = expectation(n.op, args.map(infoOf))
    const inputs = args.flatMap((a) => (a instanceof Tensor ? [a] : Array.isArray(a) ? (a as unknown[]).filter((t): t is Tensor => t instanceof Tensor) : []))
    const before = inputs.map((t) => t.toTypedArray())
    const fail = (problem: string): OpContractReport => ({ ok: false, calls, refused, failure: { at: `v${base + k}`, call: showCall(n), problem } })
    let out: unknown
    try {
      out = opFunctions[n.op](...args)
    } catch (err) {
      if (!(err instanceof TensorError)) return fail(`threw ${errorName(err)}; expected ${describe(e)}`)
      if (e.error === undefined) return fail(`threw ${errorName(err)}; expected ${describe(e)}`)
      // TensorError's promise: the message starts with the name of the function the user called.
      if (options.names !== false && err.op !== n.op) return fail(`threw a TensorError naming ${err.op}, not ${n.op}: ${err.message}`)
      refused++
      values.push(undefined)
      continue
    }
    const changed = inputs.findIndex((t, i) => { const now = t.toTypedArray(); return now.some((v, j) => !Object.is(v, before[i]![j])) })
    if (changed >= 0) return fail(`changed the values of its input ${fmtShape(inputs[changed]!.shape)}`)
    const problem = resultProblem(n, args, e, out)
    if (problem !== undefined) return fail(problem)
    values.push(out as Tensor)
  }
  return { ok: true, calls, refused }
}

/**
 * {@link opContractCheck} as a predicate.
 * @example
 * import { opContractLaw } from 'grad-ts/laws'
 * console.assert(opContractLaw({ inputs: [{ shape: [3], dtype: 'bool', values: [1, 0, 1] }], nodes: [{ op: 'sum', args: [{ ref: 0 }] }] }))
 * @since 0.2.0
 */
export const opContractLaw = (graph: OpGraph, options: OpContractOptions = {}): boolean => opContractCheck(graph, options).ok

/**
 * The contract law as a property over graphs: by default {@link opGraphArb}'s,
 * or yours (a subset of ops, your own sizes). A failure reports the graph as
 * a program and names the application that broke the contract.
 * @example
 * import fc from 'fast-check'
 * import { opContractProperty, opGraphArb } from 'grad-ts/laws'
 * fc.assert(opContractProperty(opGraphArb({ ops: ['add', 'mul', 'sum', 'reshape', 'transpose'], maxOps: 4 })), { numRuns: 10, seed: 1 })
 * @since 0.2.0
 */
export const opContractProperty = (graphs: fc.Arbitrary<OpGraph> = opGraphArb(), options: OpContractOptions = {}) =>
  fc.property(graphs, (g) => {
    const r = opContractCheck(g, options)
    if (r.failure !== undefined) throw new Error(`${r.failure.at} = ${r.failure.call} ${r.failure.problem}`)
  })

// ------------------------------------------------------------ the derivatives

/**
 * What the derivative laws check on a graph, on top of {@link GradLawOptions}.
 * @example
 * import type { GraphDerivativeOptions } from 'grad-ts/laws'
 * const quick: GraphDerivativeOptions = { order: 1, hvp: false }
 * console.assert(quick.order === 1)
 * @since 0.2.0
 */
export interface GraphDerivativeOptions extends GradLawOptions {
  /** checkGrads' order; default 2. */
  readonly order?: number
  /** Also Hessian symmetry and hvp against finite differences of grad; default true. */
  readonly hvp?: boolean
}

/** Ops whose value jumps at their kinks (the others are continuous there). */
const JUMPS = new Set<string>(['sign', 'less', 'greater', 'lessEqual', 'greaterEqual', 'equal', 'notEqual', 'argmax', 'argmin'])

/** Per node, the signed distances to its kinks (relu at 0, maximum where a = b, max where the top two tie, …). */
const kinks = (n: OpNode, args: readonly unknown[], out: Tensor): Float64Array | undefined => {
  const vals = (x: unknown): Float64Array => (x instanceof Tensor ? Float64Array.from(x.toTypedArray()) : Float64Array.of(x as number))
  const bcast = (x: unknown): Float64Array => {
    const v = vals(x)
    if (v.length === out.size) return v
    const s = x instanceof Tensor ? x.shape : []
    const lead = out.rank - s.length
    return Float64Array.from({ length: out.size }, (_, i) => {
      let off = 0
      let rest = i
      const idx = out.shape.map((d) => d).reverse().map((d) => { const q = rest % d; rest = Math.floor(rest / d); return q }).reverse()
      s.forEach((d, k) => (off = off * d + (d === 1 ? 0 : idx[lead + k]!)))
      return v[off]!
    })
  }
  const diff = (a: unknown, b: unknown) => { const [x, y] = [bcast(a), bcast(b)]; return x.map((v, i) => v - y[i]!) }
  const gap = (x: Tensor, axes: readonly number[]) => {
    // The distance between the two largest (or smallest) entries of each reduced group: a tie is a kink of max, min, argmax.
    const v = vals(x)
    const keep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    const groups = new Map<number, number[]>()
    for (let i = 0; i < v.length; i++) {
      let rest = i
      const idx = [...x.shape].reverse().map((d) => { const q = rest % d; rest = Math.floor(rest / d); return q }).reverse()
      const key = idx.reduce((acc, q, k) => acc * keep[k]! + (axes.includes(k) ? 0 : q), 0)
      groups.set(key, [...(groups.get(key) ?? []), v[i]!])
    }
    return Float64Array.from([...groups.values()].map((g) => { const s = [...g].sort((p, q) => q - p); return s.length < 2 ? Infinity : Math.min(s[0]! - s[1]!, s[s.length - 2]! - s[s.length - 1]!) }))
  }
  const axesOf = (x: Tensor, o: unknown) => {
    const a = (o as { axis?: number | number[] } | undefined)?.axis
    return (a === undefined ? x.shape.map((_, i) => i) : typeof a === 'number' ? [a] : a).map((q) => (q < 0 ? q + x.rank : q))
  }
  const [a, b, c] = args
  switch (n.op) {
    case 'relu': case 'abs': case 'sign': case 'sqrt': case 'log': return vals(a)
    case 'log1p': return vals(a).map((v) => v + 1)
    case 'div': return vals(b)
    case 'pow': return vals(a)
    case 'maximum': case 'minimum': case 'less': case 'greater': case 'lessEqual': case 'greaterEqual': return diff(a, b)
    case 'clip': {
      // maximum(x, lo), then minimum with hi: both kinks.
      const [x, lo, hi] = [bcast(a), bcast(b), bcast(c)]
      return Float64Array.from([...x.map((v, i) => v - lo[i]!), ...x.map((v, i) => Math.max(v, lo[i]!) - hi[i]!)])
    }
    case 'max': case 'min': return gap(a as Tensor, axesOf(a as Tensor, b))
    case 'argmax': case 'argmin': return gap(a as Tensor, [typeof b === 'number' ? (b < 0 ? b + (a as Tensor).rank : b) : (a as Tensor).rank - 1])
    case 'norm': return vals(out)
    default: return undefined
  }
}

/** Every node's kink distances at the inputs xs, the float64 values, and whether they are all finite and moderate. */
const survey = (g: OpGraph, xs: readonly Tensor[]): { kinks: (Float64Array | undefined)[]; operands: string[]; floats: Float64Array[]; tame: boolean } => {
  const values = evaluateGraph(g, xs)
  const floats = values.flatMap((v) => (v.dtype === 'float64' ? [v.toTypedArray() as Float64Array] : []))
  const tame = floats.every((d) => d.every((x) => Number.isFinite(x) && Math.abs(x) <= 1e4))
  const base = g.inputs.length
  const args = g.nodes.map((n) => resolveArgs(n, values)!)
  // The operands of the ops that jump, to tell a kink that sits still from one that only looks still.
  const operands = g.nodes.map((n, k) => (JUMPS.has(n.op) ? args[k]!.map((a) => (a instanceof Tensor ? Array.from(a.toTypedArray()).join() : String(a))).join(';') : ''))
  return { tame, floats, operands, kinks: g.nodes.map((n, k) => kinks(n, args[k]!, values[base + k]!)) }
}

/**
 * Whether finite differences see one smooth piece of the graph around xs —
 * no value is infinite, NaN or huge, and every kink the graph passes through
 * is farther than the step could move it (50·ε times its rate of change
 * along two probe directions) or does not move at all — and if so, the
 * graph's derivative scale: the largest rate of change of any of its values
 * along the probes (at least 1).
 */
const smoothAround = (g: OpGraph, xs: readonly Tensor[], seed: number, eps: number): number | undefined => {
  const at = survey(g, xs)
  if (!at.tame) return undefined
  const h = 1e-3
  const probes = [0, 1].flatMap((k) => {
    const t = normalLike(xs, seed, 1000 + k)
    return [1, -1].map((s) => survey(g, xs.map((x, i) => {
      const d = t[i]!.toTypedArray()
      return fromTypedArray(x.toTypedArray().map((v, j) => v + s * h * d[j]!), x.shape)
    })))
  })
  if (!probes.every((p) => p.tame)) return undefined
  const rate = (m: readonly number[]) => Math.max(Math.abs(m[0]! - m[1]!), Math.abs(m[2]! - m[3]!)) / (2 * h)
  const smooth = at.kinks.every((kx, n) => kx === undefined || kx.every((v, j) => {
    const moved = probes.map((p) => p.kinks[n]![j]!)
    // A kink that does not move is never crossed — but a jump (comparisons, argmax, sign) sitting at 0 between
    // operands that move is decided by rounding (greaterEqual(mean(broadcastTo(x, s)), x)), which the step may flip.
    const still = !JUMPS.has(g.nodes[n]!.op) || v !== 0 || probes.every((p) => p.operands[n] === at.operands[n])
    if (still && moved.every((m) => Object.is(m, v) || (Number.isNaN(m) && Number.isNaN(v)))) return true
    return Math.abs(v) > 50 * eps * (rate(moved) + 1e-3) && moved.every((m) => Math.sign(m) === Math.sign(v))
  }))
  if (!smooth) return undefined
  return at.floats.reduce((s, d, k) => d.reduce((t, _, j) => Math.max(t, rate(probes.map((p) => p.floats[k]![j]!))), s), 1)
}

/** hvp(f)(x, u) agrees with the central difference of grad(f) along u (tolerances as for the finite-difference laws). */
const hvpFiniteDifferenceCheck = (f: (x: readonly Tensor[]) => Tensor, x: readonly Tensor[], u: readonly Tensor[], o: Required<GradLawOptions>): LawCheck => {
  const law = 'hvp ≈ finite differences of grad'
  const got = flat64(law, hvp(f)(x, u), 'hvp')
  return worst(law, numericalJvp(law, grad(f), x, u, o.eps).flatMap((l, i) => {
    const n = l.data.length
    return Array.from(l.data, (want, k) => ({ at: `input ${l.path}[${k}]`, got: got[i]!.data[k]!, want, tolerance: n * o.atol + n * o.rtol * Math.abs(want) }))
  }))
}

/**
 * The derivative laws on one graph at its inputs, with directions from
 * `seed`: checkGrads (order 2 by default), Hessian symmetry and hvp against
 * finite differences. Undefined when the point is too close to a kink (or a
 * value is not finite or above 10⁴) for finite differences to mean anything.
 * A random graph can have large higher derivatives, so two allowances are
 * made: when a check fails at the step ε, all are repeated at ε/10 (a
 * truncation error shrinks a hundredfold, a wrong derivative does not); and
 * the exact identities' rounding budget (`roundoff`) is scaled by the square
 * of the graph's derivative scale — the largest rate of change of any of its
 * values, measured by finite differences of the values alone — since a
 * composition that is constant has zero derivatives computed as cancellations
 * of terms that large.
 * @example
 * import { graphDerivativeChecks } from 'grad-ts/laws'
 * const g = { inputs: [{ shape: [3], dtype: 'float64' as const, values: [0.5, -1, 2] }], nodes: [{ op: 'tanh' as const, args: [{ ref: 0 }] }], outputs: [1] }
 * const checks = graphDerivativeChecks(g, 0)
 * console.assert(checks !== undefined && checks.length === 11 && checks.every((c) => c.ok))
 * console.assert(graphDerivativeChecks({ ...g, nodes: [{ op: 'relu', args: [{ ref: 0 }] }], inputs: [{ shape: [1], dtype: 'float64', values: [0] }] }, 0) === undefined)
 * @since 0.2.0
 */
export const graphDerivativeChecks = (graph: OpGraph, seed: number, options: GraphDerivativeOptions = {}): readonly LawCheck[] | undefined => {
  const o = { ...gradientTolerances, ...options }
  const xs = graph.inputs.map(inputTensor)
  const scale = smoothAround(graph, xs, seed, o.eps)
  if (scale === undefined) return undefined
  // The exact identities allow rounding relative to the graph's second-order scale too: a composition that is
  // constant (softmax of equal logits) has zero derivatives computed as cancellations of terms that large.
  const roundoff = o.roundoff * scale * scale
  const f = graphFunction(graph)
  const run = (eps: number): LawCheck[] => {
    const checks = [...checkGrads(f, xs, { ...o, eps, roundoff, order: options.order ?? 2, seed })]
    if (options.hvp !== false) {
      checks.push(hvpSymmetryCheck(f, xs, normalLike(xs, seed, 100), normalLike(xs, seed, 101), { ...o, roundoff }))
      checks.push(hvpFiniteDifferenceCheck(f, xs, normalLike(xs, seed, 102), { ...o, eps }))
    }
    return checks
  }
  // A random graph can have large higher derivatives (exp of a square of a square): a central difference that
  // fails at ε is repeated at ε/10, where its truncation error (∝ ε²) is a hundred times smaller. A wrong
  // derivative fails at both steps.
  const first = run(o.eps)
  return first.every((c) => c.ok) ? first : run(o.eps / 10)
}

/**
 * {@link graphDerivativeChecks} as a predicate: every check passes, or the
 * point is too close to a kink to check.
 * @example
 * import { graphDerivativesLaw } from 'grad-ts/laws'
 * const g = { inputs: [{ shape: [2], dtype: 'float64' as const, values: [0.5, 2] }], nodes: [{ op: 'log' as const, args: [{ ref: 0 }] }], outputs: [1] }
 * console.assert(graphDerivativesLaw(g, 3, { order: 1 }))
 * @since 0.2.0
 */
export const graphDerivativesLaw = (graph: OpGraph, seed = 0, options: GraphDerivativeOptions = {}): boolean =>
  graphDerivativeChecks(graph, seed, options)?.every((c) => c.ok) ?? true

/**
 * The derivative laws as a property over derivative graphs (by default
 * {@link diffGraphArb}'s): points near a kink are skipped with `fc.pre`, so
 * fast-check draws another. A failure reports the graph as the function and
 * point that fail, and the worst discrepancy.
 * @example
 * import fc from 'fast-check'
 * import { diffGraphArb, graphDerivativesProperty } from 'grad-ts/laws'
 * fc.assert(graphDerivativesProperty(diffGraphArb({ ops: ['exp', 'mul', 'sum', 'softmax'], maxOps: 3 }), { order: 1 }), { numRuns: 5, seed: 2 })
 * @since 0.2.0
 */
export const graphDerivativesProperty = (graphs: fc.Arbitrary<OpGraph> = diffGraphArb(), options: GraphDerivativeOptions = {}) =>
  fc.property(graphs, fc.nat(), (g, seed) => {
    const checks = graphDerivativeChecks(g, seed, options)
    fc.pre(checks !== undefined)
    const bad = checks.find((c) => !c.ok)
    if (bad !== undefined) throw new Error(`${bad.law} fails at ${bad.at}: got ${bad.got}, want ${bad.want} (|Δ| = ${Math.abs(bad.got - bad.want)}, tolerance ${bad.tolerance})`)
  })
