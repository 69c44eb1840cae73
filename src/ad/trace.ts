/**
 * Tracing: how ops record themselves while a transformation runs.
 *
 * Every `vjp`/`jvp` call opens a *main trace* with a fresh, increasing id.
 * A traced tensor belongs to exactly one main trace and wraps its value one
 * level down. `bind` finds the innermost (highest-id) trace among its inputs,
 * treats inputs of other traces as constants, computes the op one level down,
 * and wraps the result: a reverse-mode trace adds an immutable graph node, a
 * forward-mode trace computes the tangent with the primitive's JVP rule. Active
 * traces nest, so ids increase from outer to inner — the highest id is always
 * the innermost — and perturbations of different calls can never be confused.
 */
import { isFloat } from '../core/dtype.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { checkSize, shapeEq } from '../core/shape.js'
import { Tensor } from '../core/tensor.js'
import { type Ctx, type Primitive, vjpRule } from './prim.js'
import { add } from './ops/elementwise.js'

let traceIds = 0

/** One `vjp` or `jvp` call. @internal */
export class MainTrace {
  readonly id = ++traceIds
  /** Cleared when the call returns; a tracer seen after that has leaked. */
  active = true
  private nodes = 0
  constructor(readonly kind: 'vjp' | 'jvp') {}
  /** The next node id: creation order, a topological order of this trace's graph. */
  nextNode(): number {
    return this.nodes++
  }
}

/** A node of the immutable graph a reverse-mode trace records. @since 0.1.0 */
export interface Node {
  /** Creation order within its trace (parents have smaller ids). */
  readonly id: number
  /** The primitive, or `null` for an input of the traced function. */
  readonly prim: Primitive<unknown> | null
  readonly params: unknown
  /** Per input of the op: the node that made it in this trace, or `null` for a constant. */
  readonly parents: readonly (Node | null)[]
  /** The primal inputs (constants of this trace). */
  readonly inputs: readonly Tensor[]
  /** The primal output. */
  readonly out: Tensor
}

/** @internal */
export interface VjpTracer {
  readonly main: MainTrace
  readonly primal: Tensor
  readonly node: Node
}

/** @internal */
export interface JvpTracer {
  readonly main: MainTrace
  readonly primal: Tensor
  readonly tangent: Tensor
}

/** The tracer of `x` if it belongs to `main`. @internal */
export const tracerOf = (x: Tensor, main: MainTrace): VjpTracer | JvpTracer | undefined =>
  x.tracer?.main === main ? (x.tracer as VjpTracer | JvpTracer) : undefined

/** A tensor traced by `main` whose value is `primal`. @internal */
export const traced = (primal: Tensor, tracer: VjpTracer | JvpTracer): Tensor => new Tensor(primal.shape, primal.dtype, primal.data, tracer)

/** A fresh input node of a reverse-mode trace. @internal */
export const inputNode = (main: MainTrace, x: Tensor): Node => ({ id: main.nextNode(), prim: null, params: undefined, parents: [], inputs: [], out: x })

/** Asserts a rule produced what its op promised (a bug in a rule otherwise). @internal */
export const checkRuleOutput = (kind: string, prim: string, got: Tensor, want: Tensor): void => {
  if (!shapeEq(got.shape, want.shape) || got.dtype !== want.dtype) {
    throw new TensorError(prim, `${kind} rule returned ${got.dtype}${fmtShape(got.shape)}, expected ${want.dtype}${fmtShape(want.shape)}`)
  }
}

/**
 * Applies a primitive: the one entry point of every op.
 * @internal
 */
export const bind = <P>(prim: Primitive<P>, inputs: readonly Tensor[], params: P): Tensor => {
  let top: MainTrace | undefined
  for (const x of inputs) {
    const m = x.tracer?.main as MainTrace | undefined
    if (m !== undefined && (top === undefined || m.id > top.id)) top = m
  }
  if (top === undefined) {
    const { shape, dtype } = prim.shapeRule(inputs, params)
    checkSize(prim.name, shape)
    try {
      return prim.kernel(inputs, params, shape, dtype)
    } catch (e) {
      // An engine out of memory throws a bare RangeError; the user gets the op and the size.
      if (e instanceof RangeError) throw new TensorError(prim.name, `cannot allocate the ${dtype}${fmtShape(shape)} result: ${e.message}`)
      throw e
    }
  }
  if (!top.active) throw new TensorError(prim.name, 'a traced value was used after its grad/vjp/jvp call returned (a leaked tracer)')
  const main = top
  const primals = inputs.map((x) => tracerOf(x, main)?.primal ?? x)
  const out = bind(prim, primals, params)
  if (prim.vjp === null || !isFloat(out.dtype)) return out
  if (main.kind === 'vjp') {
    const parents = inputs.map((x, i) => {
      const t = tracerOf(x, main) as VjpTracer | undefined
      return t === undefined || vjpRule(prim, i) === null ? null : t.node
    })
    if (parents.every((p) => p === null)) return out
    const node: Node = { id: main.nextNode(), prim: prim as Primitive<unknown>, params, parents, inputs: primals, out }
    return traced(out, { main, primal: out, node })
  }
  const tangents = inputs.map((x) => (tracerOf(x, main) as JvpTracer | undefined)?.tangent ?? null)
  const ctx: Ctx<P> = { inputs: primals, out, params }
  const rule = prim.jvp!
  let tangent: Tensor | undefined
  if (typeof rule === 'function') tangent = rule(tangents, ctx)
  else
    tangents.forEach((t, i) => {
      const r = rule[i]
      if (t === null || r == null) return
      const c = r(t, ctx)
      tangent = tangent === undefined ? c : add(tangent, c)
    })
  if (tangent === undefined) throw new TensorError(prim.name, 'internal: a jvp with no tangent contributions')
  checkRuleOutput('jvp', prim.name, tangent, out)
  return traced(out, { main, primal: out, tangent })
}
