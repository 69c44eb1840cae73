/**
 * The reverse-mode interpreter: each primitive computes its primal one level
 * down and records an immutable node — its parents and a backward function —
 * so the pullback can walk the graph from the outputs back to the inputs.
 * Nodes are never changed after they are made; the graph is a value.
 */
import type { Aval } from '../../core/aval.js'
import { isFloat } from '../../core/dtype.js'
import { type Tensor, zeros } from '../../core/tensor.js'
import { add } from '../ops/elementwise.js'
import { type Args, type ParamsOf, type Prim, nameOf } from '../primitives.js'
import { vjpRuleOf } from '../rules/derivatives.js'
import { type CustomCall, Interpreter, bind, checkRuleOutput, traced, within } from '../trace.js'

/** One output of a node: a node and which of its outputs. @internal */
export interface Port {
  readonly node: Node
  readonly index: number
}

/**
 * A node of the immutable graph a reverse-mode trace records: a primitive
 * application (one output), a custom-rule call (any number), or an input.
 * @internal
 */
export interface Node {
  /** Creation order within its trace (parents have smaller ids). */
  readonly id: number
  /** Per input: the output of this trace that fed it, or `null` for a constant. */
  readonly parents: readonly (Port | null)[]
  /** The inputs' avals (for checking the cotangents a rule returns). */
  readonly inputs: readonly Aval[]
  /** Output cotangents (null = zero) to input cotangents (null = none), for the inputs in `need`. */
  readonly backward: ((cts: readonly (Tensor | null)[], need: readonly boolean[]) => readonly (Tensor | null)[]) | null
  /** The primitive or custom function, for messages. */
  readonly name: string
}

/** @internal */
export interface VjpTracer {
  readonly main: VjpInterpreter
  readonly primal: Tensor
  readonly port: Port
}

/** One `vjp` (or `grad`) call. @internal */
export class VjpInterpreter extends Interpreter {
  private nodes = 0
  constructor(readonly name: string) {
    super()
  }
  private mine(x: Tensor): VjpTracer | undefined {
    return this.own(x) as VjpTracer | undefined
  }


  /** An input of the traced function: a fresh node without parents. */
  input(x: Tensor): Tensor {
    const node: Node = { id: this.nodes++, parents: [], inputs: [], backward: null, name: 'input' }
    const t: VjpTracer = { main: this, primal: x, port: { node, index: 0 } }
    return traced(x, t)
  }

  primalOf(x: Tensor): Tensor {
    return this.mine(x)?.primal ?? x
  }

  portOf(x: Tensor): Port | null {
    return this.mine(x)?.port ?? null
  }

  private record(name: string, args: readonly Tensor[], outs: readonly Tensor[], backward: NonNullable<Node['backward']>): readonly Tensor[] {
    const parents = args.map((x) => this.portOf(x))
    if (parents.every((p) => p === null)) return outs
    const node: Node = { id: this.nodes++, parents, inputs: args.map((x) => ({ shape: x.shape, dtype: x.dtype })), backward, name }
    return outs.map((o, index) => {
      const t: VjpTracer = { main: this, primal: o, port: { node, index } }
      return isFloat(o.dtype) ? traced(o, t) : o
    })
  }

  process<P extends Prim>(prim: P, args: Args<P, Tensor>, params: ParamsOf[P]): Tensor {
    const xs = args as readonly Tensor[]
    const primals = xs.map((x) => this.primalOf(x)) as unknown as Args<P, Tensor>
    const out = bind(prim, primals, params)
    const rule = vjpRuleOf(prim, params)
    if (rule === null || !isFloat(out.dtype)) return out
    const ctx = { inputs: primals, out, params }
    return this.record(nameOf(prim, params), xs, [out], ([g], need) => need.map((n, i) => (n && g !== null ? rule(g!, ctx, i) : null)))[0]!
  }

  processCustom(call: CustomCall, args: readonly Tensor[]): readonly Tensor[] {
    const primals = args.map((x) => this.primalOf(x))
    const filled = (outs: readonly Tensor[], cts: readonly (Tensor | null)[]) => outs.map((o, i) => cts[i] ?? zeros(o.shape, o.dtype))
    if (call.vjp !== undefined) {
      const [outs, residuals] = call.vjp.fwd(primals)
      return this.record(call.name, args, outs, (cts) => call.vjp!.bwd(residuals, filled(outs, cts)))
    }
    // A custom JVP in reverse mode: its rule is linear in the tangents, so its transpose is the
    // pullback of that linear map — itself computed by reverse mode over the rule's own ops.
    const jvp = call.jvp!
    const [outs] = jvp(primals, primals.map((p) => zeros(p.shape, p.dtype)))
    return this.record(call.name, args, outs, (cts, need) => {
      const floats = primals.filter((p, i) => need[i] === true && isFloat(p.dtype))
      const at = primals.map((p) => zeros(p.shape, p.dtype))
      const [, pullback] = pullbackOf(this.name, (ts) => {
        let k = 0
        return jvp(primals, at.map((z, i) => (need[i] === true && isFloat(primals[i]!.dtype) ? ts[k++]! : z)))[1]
      }, floats.map((p) => zeros(p.shape, p.dtype)))
      const gs = pullback(filled(outs, cts))
      let k = 0
      return primals.map((p, i) => (need[i] === true && isFloat(p.dtype) ? gs[k++]! : null))
    })
  }

  concrete(x: Tensor): Tensor {
    return this.mine(x)!.primal
  }
}

/**
 * Propagates output cotangents back through the recorded graph: the one walk
 * over a graph in grad-ts. Nodes are visited in reverse creation order (a
 * reverse topological order); each node's cotangents are dropped once passed on.
 * @internal
 */
export const backward = (outs: readonly (Port | null)[], cts: readonly Tensor[], ins: readonly Port[], inAvals: readonly Aval[]): Tensor[] => {
  const acc = new Map<Node, (Tensor | null)[]>()
  const push = (p: Port, g: Tensor): void => {
    let slots = acc.get(p.node)
    if (slots === undefined) acc.set(p.node, (slots = []))
    const prev = slots[p.index]
    slots[p.index] = prev == null ? g : add(prev, g)
  }
  outs.forEach((p, i) => {
    if (p !== null) push(p, cts[i]!)
  })
  for (const node of reachable(outs)) {
    const slots = acc.get(node)
    if (node.backward === null || slots === undefined) continue
    acc.delete(node)
    const gs = node.backward(Array.from({ length: Math.max(slots.length, 1) }, (_, i) => slots[i] ?? null), node.parents.map((p) => p !== null))
    node.parents.forEach((p, i) => {
      const gi = gs[i]
      if (p === null || gi == null) return
      checkRuleOutput('vjp', node.name, gi, node.inputs[i]!)
      push(p, gi)
    })
  }
  return ins.map((p, i) => acc.get(p.node)?.[p.index] ?? zeros(inAvals[i]!.shape, inAvals[i]!.dtype))
}

/** The nodes reachable from `outs`, in reverse creation order. */
const reachable = (outs: readonly (Port | null)[]): Node[] => {
  const seen = new Set<Node>()
  const stack = outs.flatMap((p) => (p === null ? [] : [p.node]))
  while (stack.length > 0) {
    const n = stack.pop()!
    if (seen.has(n)) continue
    seen.add(n)
    for (const p of n.parents) if (p !== null && !seen.has(p.node)) stack.push(p.node)
  }
  return [...seen].sort((a, b) => b.id - a.id)
}

/**
 * The value of `f` at flat `xs` and its pullback, under a fresh reverse-mode
 * trace named `name`. The core of `vjp` and `grad`.
 * @internal
 */
export const pullbackOf = (
  name: string,
  f: (xs: readonly Tensor[]) => readonly Tensor[],
  xs: readonly Tensor[],
): readonly [readonly Tensor[], (cts: readonly Tensor[]) => Tensor[]] => {
  const main = new VjpInterpreter(name)
  const args = xs.map((x) => main.input(x))
  const ins = args.map((t) => main.portOf(t)!)
  const ys = within(main, () => f(args))
  const outs = ys.map((y) => main.portOf(y))
  const values = ys.map((y) => main.primalOf(y))
  return [values, (cts) => backward(outs, cts, ins, xs)]
}
