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
import { JvpInterpreter } from './interpreters/jvp.js'
import { pullbackOf } from './interpreters/vjp.js'
import { within } from './trace.js'

const zerosLike = (v: Tensor): Tensor => zeros(v.shape, v.dtype)

const floatLeaves = (op: string, t: AnyTree, what: string): readonly Tensor[] =>
  flattenAs(op, t).map(({ path, value }) => {
    if (!isFloat(value.dtype)) throw new TensorError(op, `${what}${path === '' ? '' : ` at ${path}`} has dtype ${value.dtype}; only float32 and float64 tensors are differentiable`)
    return value
  })

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
  let shape: Y | undefined
  const [ys, pull] = pullbackOf(op, (args) => {
    shape = f(rebuild(primals, args) as P)
    return flattenAs(op, shape).map((l) => l.value)
  }, xs)
  const value = rebuild(shape!, ys) as Y
  const pullback = (cotangent: Y): P => {
    const cs = alignedLeaves(op, ['output', 'cotangent'], [value, cotangent])[1]!
    return rebuild(primals, pull(cs.map((c) => c.value))) as P
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

/** Options of {@link valueAndGrad} and {@link grad}. @since 0.2.0 */
export interface GradOptions {
  /**
   * The function returns `[value, aux]`: a scalar to differentiate and any
   * auxiliary result (a tree of tensors, or a plain value) to pass out, not
   * differentiated — as `has_aux=True` in JAX.
   */
  readonly hasAux?: boolean
}

/** `aux`'s tensors (in arrays and plain records, at any depth) as flat outputs of a traced function, and how to rebuild it from their values; other values pass as they are. */
const auxParts = (aux: unknown): { readonly leaves: readonly Tensor[]; readonly rebuild: (xs: readonly Tensor[]) => unknown } => {
  const leaves: Tensor[] = []
  const collect = (v: unknown): void => {
    if (v instanceof Tensor) leaves.push(v)
    else if (Array.isArray(v)) v.forEach(collect)
    else if (isPlainRecord(v)) Object.values(v).forEach(collect)
  }
  collect(aux)
  const rebuild = (xs: readonly Tensor[]): unknown => {
    let i = 0
    const build = (v: unknown): unknown => {
      if (v instanceof Tensor) return xs[i++]
      if (Array.isArray(v)) return v.map(build)
      if (isPlainRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, build(c)]))
      return v
    }
    return build(aux)
  }
  return { leaves, rebuild }
}

const isPlainRecord = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null)

/** The value, the aux output (undefined without hasAux) and the gradient: the one body of grad and valueAndGrad. */
const gradWithAux = <P extends TreeLike<P>>(f: (p: P) => unknown, params: P, hasAux: boolean): readonly [Tensor, unknown, P] => {
  const op = 'grad'
  let aux: ReturnType<typeof auxParts> = { leaves: [], rebuild: () => undefined }
  const [outs, pullback] = vjpAs(op, (p: P) => {
    const r = f(p)
    if (!hasAux) return [scalarOutput(op, r)]
    if (!Array.isArray(r) || r.length !== 2) throw new TensorError(op, `with hasAux the function must return [value, aux], got ${Array.isArray(r) ? `an array of ${r.length}` : typeof r}`)
    aux = auxParts(r[1])
    return [scalarOutput(op, r[0]), ...aux.leaves]
  }, params)
  const [y, ...auxValues] = outs
  const g = pullback([ones([], y.dtype), ...auxValues.map(zerosLike)])
  return [y, aux.rebuild(auxValues), g]
}

/**
 * The value of a scalar function and its gradient with respect to the first
 * argument (a tensor or a parameter tree); other arguments pass through. With
 * `{ hasAux: true }` the function returns `[value, aux]` and the result is
 * `[[value, aux], grad]`, as `jax.value_and_grad(f, has_aux=True)`.
 * @example
 * import { valueAndGrad, sum, mul, tensor, type Tensor } from 'grad-ts'
 * const [v, g] = valueAndGrad((x) => sum(mul(x, x)))(tensor([3, 4]))
 * console.assert(v.item() === 25 && g.toTypedArray().join() === '6,8')
 * const [[loss, metrics], dx] = valueAndGrad((x: Tensor) => [sum(mul(x, x)), { squares: mul(x, x) }] as const, { hasAux: true })(tensor([1, 2]))
 * console.assert(loss.item() === 5 && metrics.squares.toTypedArray().join() === '1,4' && dx.toTypedArray().join() === '2,4')
 * @since 0.1.0
 */
export function valueAndGrad<P extends TreeLike<P> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Tensor, options?: { readonly hasAux?: false }): (params: P, ...rest: R) => readonly [Tensor, P]
export function valueAndGrad<P extends TreeLike<P>, A, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => readonly [Tensor, A], options: { readonly hasAux: true }): (params: P, ...rest: R) => readonly [readonly [Tensor, A], P]
export function valueAndGrad<P extends TreeLike<P>, R extends readonly unknown[]>(f: (params: P, ...rest: R) => unknown, options: GradOptions = {}) {
  const hasAux = options.hasAux === true
  return (params: P, ...rest: R) => {
    const [y, aux, g] = gradWithAux((p: P) => f(p, ...rest), params, hasAux)
    return hasAux ? ([[y, aux], g] as const) : ([y, g] as const)
  }
}

/**
 * The gradient of a scalar function with respect to its first argument, with
 * the same structure and key order. A non-scalar output is an error. With
 * `{ hasAux: true }` the function returns `[value, aux]` and the result is
 * `[grad, aux]`, as `jax.grad(f, has_aux=True)`.
 * @example
 * import { grad, add, mul, sum, tensor, type Tensor } from 'grad-ts'
 * const loss = (p: { w: Tensor; b: Tensor }) => sum(add(mul(p.w, 3), p.b))
 * const g = grad(loss)({ w: tensor([1, 2]), b: tensor(0.5) })
 * console.assert(g.w.toTypedArray().join() === '3,3' && g.b.item() === 2)
 * const [dw, count] = grad((w: Tensor) => [sum(mul(w, w)), w.size] as const, { hasAux: true })(tensor([3]))
 * console.assert(dw.item() === 6 && count === 1)
 * @since 0.1.0
 */
export function grad<P extends TreeLike<P> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Tensor, options?: { readonly hasAux?: false }): (params: P, ...rest: R) => P
export function grad<P extends TreeLike<P>, A, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => readonly [Tensor, A], options: { readonly hasAux: true }): (params: P, ...rest: R) => readonly [P, A]
export function grad<P extends TreeLike<P>, R extends readonly unknown[]>(f: (params: P, ...rest: R) => unknown, options: GradOptions = {}) {
  const hasAux = options.hasAux === true
  return (params: P, ...rest: R) => {
    const [, aux, g] = gradWithAux((p: P) => f(p, ...rest), params, hasAux)
    return hasAux ? ([g, aux] as const) : g
  }
}

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
  const main = new JvpInterpreter('jvp')
  const args = rebuild(primals, xs.map((x, i) => main.lift(x, ts[i]!.value))) as P
  const y = within(main, () => f(args))
  const ys = flatten(y).map(({ value }) => value)
  const value = rebuild(y, ys.map((v) => main.primalOf(v))) as Y
  const tangent = rebuild(y, ys.map((v) => main.tangentOf(v) ?? zerosLike(v))) as Y
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
