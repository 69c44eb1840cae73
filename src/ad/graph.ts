/**
 * The graph as a value, and shapes without computing. `trace(f)(x)` stages
 * `f` on the avals of its first argument (tensors or `{ shape, dtype }`
 * records) and returns the immutable graph it recorded: nodes in
 * topological order, each with its op, params, input ids, shape and dtype.
 * Print it with `showGraph`, or export Graphviz DOT with `toDot`.
 * `evalShape(f)(…)` stages `f` the same way and returns only the output
 * avals: no kernel runs and nothing is allocated.
 */
import type { Aval } from '../core/aval.js'
import type { DType } from '../core/dtype.js'
import { fmtShape } from '../core/errors.js'
import type { Shape } from '../core/shape.js'
import { type Tensor, elementsIfConcrete } from '../core/tensor.js'
import { type MapLeaves, type Tree, flattenAs, flattenWith, isAbstractLeaf, rebuild } from '../tree/index.js'
import { type Staged, type Var, stage } from './interpreters/stage.js'
import { type ParamsOf, showParams } from './primitives.js'

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

/** Stages `f` on the avals of `args`, passing `rest` through as data. */
const stageTree = <Y>(op: string, f: (args: never, ...rest: readonly unknown[]) => Y, args: unknown, rest: readonly unknown[]) => {
  const leaves = flattenWith(op, args, isAbstractLeaf)
  let out: Y | undefined
  const staged = stage(op, (xs) => {
    out = f(rebuild(args as object, xs, isAbstractLeaf) as never, ...rest)
    return flattenAs(op, out as object).map((l) => l.value)
  }, leaves.map(({ value }) => ({ shape: value.shape, dtype: value.dtype })))
  return { staged, out: out!, inLabels: leaves.map((l) => l.path) }
}

/**
 * The output avals of `f` — shapes and dtypes, as `jax.eval_shape` — without
 * running a kernel or allocating: each argument is a tensor or an aval
 * `{ shape, dtype }`, or a tree of them, and the result has `f`'s output
 * structure with `{ shape, dtype }` leaves. Reading an element inside `f` is
 * a TensorError (there are none).
 * @example
 * import { evalShape, matmul, relu, tensor, type Tensor } from 'grad-ts'
 * const layer = (p: { w: Tensor }, x: Tensor) => relu(matmul(x, p.w))
 * const y = evalShape(layer)({ w: { shape: [784, 1024], dtype: 'float32' } }, { shape: [128, 784], dtype: 'float32' })
 * console.assert(y.shape.join() === '128,1024' && y.dtype === 'float32')
 * const big = evalShape((a: Tensor) => matmul(a, a))({ shape: [100000, 100000], dtype: 'float64' })
 * console.assert(big.shape[0] === 100000 && tensor([1]).size === 1)
 * @since 0.2.0
 */
export const evalShape =
  <A extends readonly unknown[], Y>(f: (...args: A) => Y) =>
  (...args: { readonly [K in keyof A]: AbstractArg<A[K]> }): MapLeaves<Y, Aval> => {
    const { staged, out } = stageTree('evalShape', (a: never) => f(...(a as unknown as A)), args, [])
    return rebuild(out, staged.outputs.map((o) => avalOfAtom(o)), isTensorLeaf) as MapLeaves<Y, Aval>
  }

/** An argument of a function under `evalShape`: what it takes, with avals where it takes tensors. @since 0.2.0 */
export type AbstractArg<T> = [T] extends [Tensor]
  ? Tensor | Aval
  : [Tensor] extends [T]
    ? T | Aval
    : [Tree] extends [T]
      ? T
      : T extends readonly unknown[]
        ? { readonly [K in keyof T]: AbstractArg<T[K]> }
        : T extends object
          ? { readonly [K in keyof T]: AbstractArg<T[K]> }
          : T

const isTensorLeaf = (t: unknown): boolean => typeof t === 'object' && t !== null && 'storage' in t
const avalOfAtom = (a: Staged['outputs'][number]): Aval => {
  const x = a.kind === 'var' ? a.v.aval : a.value
  return { shape: x.shape, dtype: x.dtype }
}

/**
 * Records the graph of `f` at `args` as a value, from avals alone: the first
 * argument (a tensor, an aval `{ shape, dtype }`, or a tree of them) is
 * traced; further arguments are data, and the tensors among them appear as
 * `const` nodes. Only nodes the outputs depend on are kept. Reading an
 * element inside `f` is a TensorError (there are none).
 * @example
 * import { trace, add, matmul, mul, tensor, type Tensor } from 'grad-ts'
 * const g = trace((x: Tensor) => add(mul(x, x), 1))(tensor([1, 2]))
 * console.assert(g.nodes.map((n) => n.op).join() === 'input,mul,const,add')
 * const layer = trace((w: Tensor, x: Tensor) => matmul(x, w))({ shape: [2, 1], dtype: 'float32' }, tensor([[3, 4]]))
 * console.assert(layer.nodes.map((n) => n.op).join() === 'input,const,matmul')
 * @since 0.1.0
 */
export const trace =
  <P, R extends readonly unknown[] = []>(f: (args: P, ...rest: R) => unknown) =>
  (args: AbstractArg<P>, ...rest: R): Graph => {
    const { staged, inLabels, out } = stageTree('trace', f as unknown as (a: never, ...r: readonly unknown[]) => unknown, args, rest)
    const outLabels = flattenAs('trace', out).map((l) => l.path)
    return toGraph(staged, inLabels, outLabels)
  }

/** Numbers the staged equations the outputs need (and their constants) in creation order. */
const toGraph = (staged: Staged, inLabels: readonly string[], outLabels: readonly string[]): Graph => {
  const needed = new Set<Var>()
  const producer = new Map<Var, Staged['eqns'][number]>(staged.eqns.map((e) => [e.out, e]))
  const stack = staged.outputs.flatMap((o) => (o.kind === 'var' ? [o.v] : []))
  while (stack.length > 0) {
    const v = stack.pop()!
    if (needed.has(v)) continue
    needed.add(v)
    for (const a of producer.get(v)?.inputs ?? []) if (a.kind === 'var') stack.push(a.v)
  }
  const nodes: GraphNode[] = []
  const ids = new Map<Var, number>()
  const consts = new Map<Tensor, number>()
  const push = (g: Omit<GraphNode, 'id'>): number => {
    nodes.push({ ...g, id: nodes.length })
    return nodes.length - 1
  }
  staged.inputs.forEach((v, i) => ids.set(v, push({ op: 'input', params: '', inputs: [], shape: v.aval.shape, dtype: v.aval.dtype, label: inLabels[i] ?? '' })))
  for (const e of staged.eqns) {
    if (!needed.has(e.out)) continue
    const inputs = e.inputs.map((a) => {
      if (a.kind === 'var') return ids.get(a.v)!
      const known = consts.get(a.value)
      if (known !== undefined) return known
      const data = a.value.size === 1 ? elementsIfConcrete(a.value) : undefined
      const id = push({ op: 'const', params: data === undefined ? '' : String(data[0]), inputs: [], shape: a.value.shape, dtype: a.value.dtype, label: '' })
      consts.set(a.value, id)
      return id
    })
    ids.set(e.out, push({ op: e.prim === 'user' ? (e.params as ParamsOf['user']).rules.name : e.prim, params: showParams(e.prim, e.params), inputs, shape: e.out.aval.shape, dtype: e.out.aval.dtype, label: '' }))
  }
  const outputs = staged.outputs.map((o) => (o.kind === 'var' ? ids.get(o.v)! : -1))
  const labelled = nodes.map((g) => {
    const k = outputs.indexOf(g.id)
    return k >= 0 && g.label === '' ? { ...g, label: outLabels[k] || 'out' } : g
  })
  return { nodes: labelled, inputs: staged.inputs.map((v) => ids.get(v)!), outputs }
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
