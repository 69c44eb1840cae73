/**
 * Jacobians and Hessians, as `jax.jacfwd`, `jax.jacrev` and `jax.hessian`:
 * `vmap` of `jvp` over the standard basis of the input (forward), or of the
 * pullback over the standard basis of the output (reverse) — one batched
 * pass, not a loop over basis vectors. The Jacobian of an output of shape `S`
 * with respect to an input of shape `T` has shape `S ++ T`; for trees, the
 * result has the output's structure with each leaf replaced by a tree like
 * the input (JAX's layout).
 */
import { TensorError } from '../core/errors.js'
import { isFloat } from '../core/dtype.js'
import { type Tensor, eye } from '../core/tensor.js'
import { type MapLeaves, type TreeLike, flattenAs, rebuild } from '../tree/index.js'
import { batchFlat } from './interpreters/batch.js'
import { reshape, slice, transpose } from './ops/shape.js'
import { jvp, vjp } from './transforms.js'

/** The standard basis of tensors of these shapes, flattened together: leaf i as `[N, ...shapes[i]]`, N their total size. */
const basis = (xs: readonly Tensor[]): Tensor[] => {
  const sizes = xs.map((x) => x.size)
  const n = sizes.reduce((a, b) => a + b, 0)
  const dtype = xs.some((x) => x.dtype === 'float64') ? 'float64' : 'float32'
  const id = eye(n, n, dtype)
  let at = 0
  return xs.map((x, i) => {
    const cols = slice(id, [0, at], [n, at + sizes[i]!])
    at += sizes[i]!
    return reshape(cols, [n, ...x.shape])
  })
}

/** Rows `[off, off + size)` of a batched `[N, ...s]` tensor, as `[...shape, ...s]`. */
const rowsAs = (t: Tensor, off: number, size: number, shape: readonly number[]): Tensor =>
  reshape(slice(t, [off], [off + size]), [...shape, ...t.shape.slice(1)])

const floats = (op: string, t: object, what: string): Tensor[] =>
  flattenAs(op, t).map(({ path, value }) => {
    if (!isFloat(value.dtype)) throw new TensorError(op, `${what}${path === '' ? '' : ` at ${path}`} has dtype ${value.dtype}; only float32 and float64 tensors are differentiable`)
    return value
  })

/** `[...shape, ...rest]` → `[...rest, ...shape]`: the input's axes after the output's. */
const inputAxesLast = (t: Tensor, inRank: number): Tensor => {
  const r = t.rank
  return transpose(t, [...Array.from({ length: r - inRank }, (_, i) => inRank + i), ...Array.from({ length: inRank }, (_, i) => i)])
}

/**
 * The Jacobian of `f` with respect to its first argument by forward mode:
 * `vmap` of `jvp` over the input's standard basis — cheap for few inputs.
 * @example
 * import { jacfwd, mul, tensor, type Tensor } from 'grad-ts'
 * const J = jacfwd((x: Tensor) => mul(x, x))(tensor([1, 2, 3]))
 * console.assert(J.shape.join() === '3,3' && J.toTypedArray().join() === '2,0,0,0,4,0,0,0,6')
 * @since 0.2.0
 */
export const jacfwd =
  <P extends TreeLike<P> = Tensor, Y extends TreeLike<Y> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Y) =>
  (params: P, ...rest: R): MapLeaves<Y, P> => {
    const op = 'jacfwd'
    const xs = floats(op, params, 'input')
    let yTree: unknown
    const pushed = batchFlat(op, (ts) => {
      const [y, dy] = jvp((p: P) => f(p, ...rest), params, rebuild(params, ts) as P)
      yTree = y
      return flattenAs(op, dy).map((l) => l.value)
    }, basis(xs), xs.map(() => 0), xs.reduce((n, x) => n + x.size, 0))
    // Each output leaf [N, ...y]: the rows of input leaf i, as [...x_i, ...y], then the input's axes last.
    const perOutput = pushed.map((t) => {
      let off = 0
      return rebuild(params, xs.map((x) => {
        const r = rowsAs(t, off, x.size, x.shape)
        off += x.size
        return inputAxesLast(r, x.rank)
      }))
    })
    return rebuild(yTree as object, perOutput) as MapLeaves<Y, P>
  }

/**
 * The Jacobian of `f` with respect to its first argument by reverse mode:
 * `vmap` of the pullback over the output's standard basis — cheap for few outputs.
 * @example
 * import { jacrev, matmul, tensor, type Tensor } from 'grad-ts'
 * const A = tensor([[1, 2], [3, 4], [5, 6]])
 * const J = jacrev((x: Tensor) => matmul(A, x))(tensor([1, 1]))
 * console.assert(J.shape.join() === '3,2' && J.toTypedArray().join() === A.toTypedArray().join())
 * @since 0.2.0
 */
export const jacrev =
  <P extends TreeLike<P> = Tensor, Y extends TreeLike<Y> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Y) =>
  (params: P, ...rest: R): MapLeaves<Y, P> => {
    const op = 'jacrev'
    floats(op, params, 'input')
    const [y, pullback] = vjp((p: P) => f(p, ...rest), params)
    const ys = floats(op, y, 'output')
    const pulled = batchFlat(op, (cs) => flattenAs(op, pullback(rebuild(y, cs) as Y)).map((l) => l.value), basis(ys), ys.map(() => 0), ys.reduce((n, t) => n + t.size, 0))
    // Each input leaf [M, ...x]: the rows of output leaf j, as [...y_j, ...x].
    let off = 0
    const perOutput = ys.map((t) => {
      const rows = rebuild(params, pulled.map((g) => rowsAs(g, off, t.size, t.shape)))
      off += t.size
      return rows
    })
    return rebuild(y, perOutput) as MapLeaves<Y, P>
  }

/**
 * The Hessian of a scalar function with respect to its first argument, as
 * `jax.hessian`: `jacfwd(jacrev(f))`, shape `x.shape ++ x.shape` for a tensor.
 * @example
 * import { hessian, mul, sum, tensor, type Tensor } from 'grad-ts'
 * const H = hessian((x: Tensor) => sum(mul(mul(x, x), x)))(tensor([1, 2]))
 * console.assert(H.shape.join() === '2,2' && H.toTypedArray().join() === '6,0,0,12')
 * @since 0.2.0
 */
export const hessian =
  <P extends TreeLike<P> = Tensor, R extends readonly unknown[] = []>(f: (params: P, ...rest: R) => Tensor) =>
  (params: P, ...rest: R): MapLeaves<P, P> => {
    // The gradient is a tree like P; typed as a tensor here only to keep the instantiation shallow.
    const gradient = (p: P): Tensor => jacrev<P>((q: P) => f(q, ...rest))(p) as unknown as Tensor
    return jacfwd<P>(gradient)(params) as unknown as MapLeaves<P, P>
  }
