/**
 * The graph as a value. `trace(f)(x)` runs `f` once under a reverse-mode trace
 * and returns the immutable graph it recorded: nodes in topological order,
 * each with its op, params, input ids, shape and dtype. Print it with
 * `showGraph`, or export Graphviz DOT with `toDot` for the docs.
 */
import type { DType } from '../core/dtype.js'
import { fmtShape } from '../core/errors.js'
import type { Shape } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'
import { type TreeLike, flatten } from '../tree/index.js'
import { vjp } from './transforms.js'
import type { Node, VjpTracer } from './trace.js'
import { tracerOf } from './trace.js'

/** One node of a traced graph. `op` is `input`, `const` or a primitive's name. @since 0.1.0 */
export interface GraphNode {
  readonly id: number
  readonly op: string
  /** Params as text (axes, flags, shapes), empty when none. */
  readonly params: string
  readonly inputs: readonly number[]
  readonly shape: Shape
  readonly dtype: DType
  /** For inputs and outputs: the path in the argument or result tree. */
  readonly label: string
}

/** A traced computation: nodes in topological order. @since 0.1.0 */
export interface Graph {
  readonly nodes: readonly GraphNode[]
  readonly inputs: readonly number[]
  readonly outputs: readonly number[]
}

/**
 * Records the graph of `f` at `args` as a value. Only ops that depend on the
 * inputs are nodes; other tensors they read appear as `const` nodes. As with
 * `grad`, the first argument (a tensor or a tree) is traced and any further
 * arguments are data, seen as constants.
 * @example
 * import { trace, add, matmul, mul, tensor, type Tensor } from 'grad-ts'
 * const g = trace((x: Tensor) => add(mul(x, x), 1))(tensor([1, 2]))
 * console.assert(g.nodes.map((n) => n.op).join() === 'input,mul,const,add')
 * const layer = trace((w: Tensor, x: Tensor) => matmul(x, w))(tensor([[1], [2]]), tensor([[3, 4]]))
 * console.assert(layer.nodes.map((n) => n.op).join() === 'input,const,matmul')
 * @since 0.1.0
 */
export const trace =
  <P extends TreeLike<P> = Tensor, Y extends TreeLike<Y> = Tensor, R extends readonly unknown[] = []>(f: (args: P, ...rest: R) => Y) =>
  (args: P, ...rest: R): Graph => {
    let outs: readonly (Node | null)[] = []
    let outLabels: readonly string[] = []
    let inNodes: readonly Node[] = []
    vjp((p: P) => {
      const xs = flatten(p).map(({ value }) => value.tracer as VjpTracer)
      inNodes = xs.map((t) => t.node)
      const y = f(p, ...rest)
      const ys = flatten(y)
      const main = xs[0]?.main
      outs = ys.map(({ value }) => (main === undefined ? null : ((tracerOf(value, main) as VjpTracer | undefined)?.node ?? null)))
      outLabels = ys.map(({ path }) => path)
      return y
    }, args)
    const inLabels = flatten(args).map(({ path }) => path)
    // Collect reachable nodes, then number them (and their constants) in creation order.
    const seen = new Set<Node>()
    const stack = outs.filter((n): n is Node => n !== null)
    while (stack.length > 0) {
      const n = stack.pop()!
      if (seen.has(n)) continue
      seen.add(n)
      for (const p of n.parents) if (p !== null) stack.push(p)
    }
    for (const n of inNodes) seen.add(n)
    const ordered = [...seen].sort((a, b) => a.id - b.id)
    const ids = new Map<Node, number>()
    const consts = new Map<Tensor, number>()
    const nodes: GraphNode[] = []
    const push = (g: Omit<GraphNode, 'id'>): number => {
      nodes.push({ ...g, id: nodes.length })
      return nodes.length - 1
    }
    for (const n of ordered) {
      if (n.prim === null) {
        ids.set(n, push({ op: 'input', params: '', inputs: [], shape: n.out.shape, dtype: n.out.dtype, label: inLabels[inNodes.indexOf(n)] ?? '' }))
        continue
      }
      const inputs = n.parents.map((p, i) => {
        if (p !== null) return ids.get(p)!
        const c = n.inputs[i]!
        const known = consts.get(c)
        if (known !== undefined) return known
        const id = push({ op: 'const', params: c.size === 1 ? String(c.data[0]) : '', inputs: [], shape: c.shape, dtype: c.dtype, label: '' })
        consts.set(c, id)
        return id
      })
      const params = n.prim.showParams?.(n.params) ?? ''
      ids.set(n, push({ op: n.prim.name, params, inputs, shape: n.out.shape, dtype: n.out.dtype, label: '' }))
    }
    const outputs = outs.map((n) => (n === null ? -1 : ids.get(n)!))
    const labelled = nodes.map((g) => {
      const k = outputs.indexOf(g.id)
      return k >= 0 && g.label === '' ? { ...g, label: outLabels[k] || 'out' } : g
    })
    return { nodes: labelled, inputs: inNodes.map((n) => ids.get(n)!), outputs }
  }

const describe = (n: GraphNode): string => `${n.op}${n.params === '' ? '' : `[${n.params}]`}`

/**
 * A text listing of a graph, one node a line: `%3 = add %1 %2 : float32[2]`.
 * @example
 * import { trace, showGraph, exp, tensor, type Tensor } from 'grad-ts'
 * console.assert(showGraph(trace((x: Tensor) => exp(x))(tensor([0]))).includes('%1 = exp %0 : float32[1]'))
 * @since 0.1.0
 */
export const showGraph = (g: Graph): string =>
  g.nodes
    .map((n) => {
      const args = n.inputs.map((i) => `%${i}`).join(' ')
      const label = n.label === '' ? '' : `  # ${n.label}`
      return `%${n.id} = ${describe(n)}${args === '' ? '' : ` ${args}`} : ${n.dtype}${fmtShape(n.shape)}${label}`
    })
    .join('\n')

/**
 * The graph in Graphviz DOT: inputs as ellipses, constants as notes, outputs
 * double-circled.
 * @example
 * import { trace, toDot, exp, tensor, type Tensor } from 'grad-ts'
 * console.assert(toDot(trace((x: Tensor) => exp(x))(tensor([0]))).startsWith('digraph'))
 * @since 0.1.0
 */
export const toDot = (g: Graph): string => {
  const esc = (s: string) => s.replace(/["\\]/g, (c) => `\\${c}`)
  const lines = g.nodes.map((n) => {
    const text = `${n.label === '' ? '' : `${n.label}: `}${describe(n)}\\n${n.dtype}${fmtShape(n.shape)}`
    const shape = n.op === 'input' ? 'ellipse' : n.op === 'const' ? 'note' : g.outputs.includes(n.id) ? 'doubleoctagon' : 'box'
    return `  n${n.id} [label="${esc(text).replace(/\\\\n/g, '\\n')}", shape=${shape}];`
  })
  const edges = g.nodes.flatMap((n) => n.inputs.map((i) => `  n${i} -> n${n.id};`))
  return ['digraph grad_ts {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', ...lines, ...edges, '}'].join('\n')
}
