/**
 * The differentiation transforms, in JAX's layering: `vjp` is the core of
 * reverse mode; `valueAndGrad` is `vjp` seeded with one; `grad` drops the
 * value; `jvp` is forward mode; `hvp` is forward over reverse. Every call opens
 * its own trace, so transforms nest freely to any order.
 *
 * Functions take and return parameter trees (nested records and arrays of
 * tensors); derivatives come back with the structure and key order of the
 * parameters. `grad(f)(params, ...rest)` differentiates with respect to the
 * first argument and passes the rest through, like `jax.grad`.
 */
import { isFloat } from '../core/dtype.js'
import { TensorError, fmtShape } from '../core/errors.js'
import { Tensor, ones, zeros } from '../core/tensor.js'
import { type AnyTree, type TreeLike, alignedLeaves, flatten, flattenAs, rebuild } from '../tree/index.js'
import { vjpRule } from './prim.js'
import { add } from './ops/elementwise.js'
import { type JvpTracer, MainTrace, type Node, type VjpTracer, checkRuleOutput, inputNode, traced, tracerOf } from './trace.js'

const floatLeaves = (op: string, t: AnyTree, what: string): readonly Tensor[] =>
  flattenAs(op, t).map(({ path, value }) => {
    if (!isFloat(value.dtype)) throw new TensorError(op, `${what}${path === '' ? '' : ` at ${path}`} has dtype ${value.dtype}; only float32 and float64 tensors are differentiable`)
    return value
  })

/** Runs `f` on traced inputs, closing the trace whatever happens. */
const within = <Y>(main: MainTrace, run: () => Y): Y => {
  try {
    return run()
  } finally {
    main.active = false
  }
}

/**
 * Propagates output cotangents back through the recorded graph. Nodes are
 * visited in reverse creation order (a reverse topological order); each
 * node's cotangent is dropped once it has been passed on.
 */
const backward = (outs: readonly (Node | null)[], cts: readonly Tensor[], ins: readonly Node[]): Tensor[] => {
  const acc = new Map<Node, Tensor>()
  const push = (n: Node, g: Tensor): void => {
    const prev = acc.get(n)
    acc.set(n, prev === undefined ? g : add(prev, g))
  }
  const order: Node[] = []
  const seen = new Set<Node>()
  const stack: Node[] = []
  outs.forEach((n, i) => {
    if (n === null) return
    push(n, cts[i]!)
    stack.push(n)
  })
  while (stack.length > 0) {
    const n = stack.pop()!
    if (seen.has(n)) continue
    seen.add(n)
    order.push(n)
    for (const p of n.parents) if (p !== null && !seen.has(p)) stack.push(p)
  }
  order.sort((a, b) => b.id - a.id)
  for (const n of order) {
    const prim = n.prim
    const g = acc.get(n)
    if (prim === null || g === undefined) continue
    acc.delete(n)
    const ctx = { inputs: n.inputs, out: n.out, params: n.params }
    n.parents.forEach((p, i) => {
      if (p === null) return
      const gi = vjpRule(prim, i)!(g, ctx)
      checkRuleOutput('vjp', prim.name, gi, n.inputs[i]!)
      push(p, gi)
    })
  }
  return ins.map((n) => acc.get(n) ?? zeros(n.out.shape, n.out.dtype))
}

/**
 * Reverse mode: the value of `f` at `primals` and its pullback, which maps a
 * cotangent of the output (a tree like the output) to a cotangent of the input
 * (a tree like `primals`). The pullback may be called any number of times.
 * @example
 * import { vjp, mul, tensor } from 'grad-ts'
 * const [y, pullback] = vjp((x) => mul(x, x), tensor([1, 2, 3]))
 * console.assert(y.toTypedArray().join() === '1,4,9')
 * console.assert(pullback(tensor([1, 1, 1])).toTypedArray().join() === '2,4,6')
 * @since 0.1.0
 */
export const vjp = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (primals: P) => Y, primals: P): readonly [Y, (cotangent: Y) => P] => vjpAs('vjp', f, primals)

/** `vjp`, with errors named after the transform the user called (`grad` is built on it). */
const vjpAs = <P extends TreeLike<P>, Y extends TreeLike<Y>>(op: string, f: (primals: P) => Y, primals: P): readonly [Y, (cotangent: Y) => P] => {
  const xs = floatLeaves(op, primals, 'input')
  const main = new MainTrace('vjp')
  const ins = xs.map((x) => inputNode(main, x))
  const args = rebuild(primals, xs.map((x, i) => traced(x, { main, primal: x, node: ins[i]! }))) as P
  const y = within(main, () => f(args))
  const ys = flatten(y)
  const outs = ys.map(({ value }) => (tracerOf(value, main) as VjpTracer | undefined)?.node ?? null)
  const value = rebuild(y, ys.map(({ value }) => tracerOf(value, main)?.primal ?? value)) as Y
  const pullback = (cotangent: Y): P => {
    const cs = alignedLeaves(op, ['output', 'cotangent'], [value, cotangent])[1]!
    return rebuild(primals, backward(outs, cs.map((c) => c.value), ins)) as P
  }
  return [value, pullback]
}

const scalarOutput = (op: string, y: unknown): Tensor => {
  if (!(y instanceof Tensor) || y.rank !== 0 || !isFloat(y.dtype)) {
    const what = y instanceof Tensor ? `${y.dtype}${fmtShape(y.shape)}` : 'a non-tensor value'
    throw new TensorError(op, `the function must return a float scalar (shape []), got ${what}; use vjp for other outputs`)
  }
  return y
}

/**
 * The value of a scalar function and its gradient with respect to the first
 * argument (a tensor or a parameter tree); other arguments pass through.
 * @example
 * import { valueAndGrad, sum, mul, tensor } from 'grad-ts'
 * const [v, g] = valueAndGrad((x) => sum(mul(x, x)))(tensor([3, 4]))
 * console.assert(v.item() === 25 && g.toTypedArray().join() === '6,8')
 * @since 0.1.0
 */
export const valueAndGrad =
  <P extends TreeLike<P> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Tensor) =>
  (params: P, ...rest: R): readonly [Tensor, P] => {
    const [y, pullback] = vjpAs('grad', (p: P) => scalarOutput('grad', f(p, ...rest)), params)
    return [y, pullback(ones([], y.dtype))]
  }

/**
 * The gradient of a scalar function with respect to its first argument, with
 * the same structure and key order. A non-scalar output is an error.
 * @example
 * import { grad, add, mul, sum, tensor, type Tensor } from 'grad-ts'
 * const loss = (p: { w: Tensor; b: Tensor }) => sum(add(mul(p.w, 3), p.b))
 * const g = grad(loss)({ w: tensor([1, 2]), b: tensor(0.5) })
 * console.assert(g.w.toTypedArray().join() === '3,3' && g.b.item() === 2)
 * @since 0.1.0
 */
export const grad =
  <P extends TreeLike<P> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Tensor) =>
  (params: P, ...rest: R): P =>
    valueAndGrad(f)(params, ...rest)[1]

/**
 * Forward mode: the value of `f` at `primals` and its directional derivative
 * along `tangents` (a tree like `primals`), in one pass.
 * @example
 * import { jvp, mul, tensor } from 'grad-ts'
 * const [y, dy] = jvp((x) => mul(x, x), tensor([1, 2]), tensor([1, 0]))
 * console.assert(y.toTypedArray().join() === '1,4' && dy.toTypedArray().join() === '2,0')
 * @since 0.1.0
 */
export const jvp = <P extends TreeLike<P>, Y extends TreeLike<Y>>(f: (primals: P) => Y, primals: P, tangents: P): readonly [Y, Y] => {
  const xs = floatLeaves('jvp', primals, 'input')
  const ts = alignedLeaves('jvp', ['primal', 'tangent'], [primals, tangents])[1]!
  const main = new MainTrace('jvp')
  const args = rebuild(primals, xs.map((x, i) => traced(x, { main, primal: x, tangent: ts[i]!.value }))) as P
  const y = within(main, () => f(args))
  const ys = flatten(y).map(({ value }) => value)
  const value = rebuild(y, ys.map((v) => tracerOf(v, main)?.primal ?? v)) as Y
  const tangent = rebuild(y, ys.map((v) => (tracerOf(v, main) as JvpTracer | undefined)?.tangent ?? zeros(v.shape, v.dtype))) as Y
  return [value, tangent]
}

/**
 * Hessian-vector product `∇²f(params)·v`, forward over reverse: one gradient
 * pass and one tangent pass, never the Hessian itself.
 * @example
 * import { hvp, sum, mul, tensor, type Tensor } from 'grad-ts'
 * const f = (x: Tensor) => sum(mul(mul(x, x), x)) // Hessian diag(6x)
 * console.assert(hvp(f)(tensor([1, 2]), tensor([1, 1])).toTypedArray().join() === '6,12')
 * @since 0.1.0
 */
export const hvp =
  <P extends TreeLike<P> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Tensor) =>
  (params: P, v: P, ...rest: R): P =>
    jvp((p: P) => grad(f)(p, ...rest), params, v)[1]
