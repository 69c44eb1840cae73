/**
 * Constraints as projections: a constraint set C is enforced by mapping the
 * parameters to the nearest point of C after every update. Projections
 * compose (a Monoid under composition, identity included) and can be applied
 * to selected leaves of a parameter tree — weights, not biases.
 */
import type { Monoid } from 'fp-ts/lib/Monoid.js'
import { getMonoid } from 'fp-ts/lib/Endomorphism.js'
import { isFloat } from '../core/dtype.js'
import { TensorError } from '../core/errors.js'
import { normAxes } from '../core/shape.js'
import type { Tensor } from '../core/tensor.js'
import { div, lessEqual, mul, where } from '../ad/ops/elementwise.js'
import { norm } from '../ad/ops/composite.js'
import { type TreeLike, mapWhere } from '../tree/index.js'

/**
 * A map onto a constraint set: `p ↦` the nearest point of the set. Why: a
 * constraint is then an ordinary function, applied after each update.
 *
 * @example
 * import { optim, tensor, type Tensor } from 'grad-ts'
 * const project: optim.Projection<Tensor> = optim.maxNorm({ c: 1 })
 * console.assert(project(tensor([[0.5]])).item() === 0.5)
 * @since 0.1.0
 */
export type Projection<P> = (p: P) => P

/**
 * Projections under composition: `concat(f, g)` applies `f`, then `g`;
 * `empty` is the identity (no constraint). Why: constraints on different
 * leaves combine into one projection for {@link step}.
 *
 * @example
 * import { optim, tensor, type Tensor } from 'grad-ts'
 * const M = optim.getProjectionMonoid<Tensor>()
 * const columns = optim.maxNorm({ c: 2 })
 * const rows = optim.maxNorm({ c: 1, axis: 1 })
 * const w = tensor([[3, 4], [0, 0]], 'float64')
 * console.assert(M.concat(columns, rows)(w).toTypedArray().join() === rows(columns(w)).toTypedArray().join())
 * console.assert(M.empty(w) === w)
 * @since 0.1.0
 */
export const getProjectionMonoid = <P>(): Monoid<Projection<P>> => getMonoid<P>()

/**
 * Which leaves a projection applies to: a path pattern or a predicate on path
 * and leaf. Why: weights and biases live side by side in one tree.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const matrices: optim.LeafSelector = (_path, leaf) => leaf.rank === 2
 * const q = optim.onLeaves(matrices, optim.maxNorm({ c: 1 }))({ w: tensor([[2]]), b: tensor([2]) })
 * console.assert(q.w.item() === 1 && q.b.item() === 2)
 * @since 0.1.0
 */
export type LeafSelector = RegExp | ((path: string, leaf: Tensor) => boolean)

/**
 * A tensor projection applied to the leaves of a tree whose path matches
 * `select`; other leaves pass through unchanged (the same tensors). Why: the
 * paper constrains weight matrices, not biases.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const project = optim.onLeaves(/(^|\.)w$/, optim.maxNorm({ c: 1 }))
 * const p = { layers: [{ w: tensor([[3], [4]]), b: tensor([10]) }] }
 * const q = project(p)
 * console.assert(q.layers[0]!.b === p.layers[0]!.b && Math.abs(q.layers[0]!.w.toTypedArray()[1]! - 0.8) < 1e-7)
 * @since 0.1.0
 */
export const onLeaves =
  (select: LeafSelector, project: Projection<Tensor>) =>
  <T extends TreeLike<T>>(params: T): T =>
    mapWhere(select, (leaf) => project(leaf))(params)

/**
 * The radius and the axes of a max-norm constraint. Why: one place that
 * says which vector is a unit's incoming vector.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const rows: optim.MaxNormOptions = { c: 1, axis: 1 } // W stored as [out, in]
 * console.assert(optim.maxNorm(rows)(tensor([[0, 2]])).toTypedArray().join() === '0,1')
 * @since 0.1.0
 */
export interface MaxNormOptions {
  /** The radius c > 0 of the ball ‖w‖₂ ≤ c (the paper uses 3–4; 2 in its MNIST runs). */
  readonly c: number
  /**
   * The axes a unit's incoming vector runs along (default 0). For a dense
   * layer y = x·W with W of shape [in, out], unit j's incoming vector is
   * column j, so the norm is taken over axis 0. For a conv kernel
   * [kh, kw, in, out] use [0, 1, 2].
   */
  readonly axis?: number | readonly number[]
}

/**
 * Max-norm: the exact Euclidean projection of each unit's incoming weight
 * vector onto the ball ‖w‖₂ ≤ c. A unit inside the ball is left untouched
 * (its values are copied bit for bit, never multiplied by 1); a unit outside
 * is rescaled to w·c/‖w‖, norm c up to rounding. Why: projection after every
 * update is how the paper trains with dropout at high learning rates.
 *
 * Axes: for a dense layer y = x·W with W of shape [in, out], unit j's
 * incoming vector is column j, W[:, j], so the norm is over axis 0 (the
 * default); give `axis: 1` for W stored as [out, in].
 *
 * Compared with others: Keras and TF.js (`MaxNorm`) compute
 * w·clip(‖w‖, 0, c)/(ε + ‖w‖) with ε = 1e-7, which shrinks every unit, also
 * inside the ball, and leaves outside units just short of c — not a
 * projection (not idempotent, no fixed points). `torch.renorm` keeps units
 * inside (scale 1) and rescales by c/(‖w‖ + 1e-7) outside; optax's
 * `projection_l2_ball` is the exact projection but of the whole tree as one
 * vector, not per unit. Here nothing is added to the norm.
 *
 * Built from differentiable ops, so gradients flow through it (away from the
 * sphere ‖w‖ = c, where it is not differentiable). Errors: c ≤ 0 or not
 * finite, a repeated or non-integer axis (at construction), an axis out of
 * range or a non-float tensor (when applied).
 *
 * @example
 * import { optim, tensor, norm } from 'grad-ts'
 * const w = tensor([[3, 0.6], [4, 0.8]], 'float64') // column norms 5 and 1
 * const p = optim.maxNorm({ c: 2 })(w)
 * const [n0, n1] = norm(p, { axis: 0 }).toTypedArray()
 * console.assert(Math.abs(n0! - 2) < 1e-15 && n1 === 1)
 * console.assert(p.toTypedArray()[1] === 0.6 && p.toTypedArray()[3] === 0.8)
 * @since 0.1.0
 */
export const maxNorm = (options: MaxNormOptions): Projection<Tensor> => {
  const op = 'optim.maxNorm'
  const { c } = options
  const axis = options.axis ?? 0
  if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0) throw new TensorError(op, `the radius c must be a positive finite number, got ${String(c)}`)
  if (typeof axis !== 'number' && !Array.isArray(axis)) throw new TensorError(op, `axis must be an integer or an array of integers, got ${String(axis)}`)
  const list = typeof axis === 'number' ? [axis] : axis
  if (list.length === 0) throw new TensorError(op, 'axis must name at least one axis')
  if (list.some((a) => !Number.isInteger(a))) throw new TensorError(op, `axis must be integers, got [${list.join(',')}]`)
  if (new Set(list).size !== list.length) throw new TensorError(op, `axis [${list.join(',')}] repeats an axis`)
  return (w) => {
    if (!isFloat(w.dtype)) throw new TensorError(op, `needs a float tensor, got ${w.dtype}`)
    const axes = normAxes(op, list, w.rank)
    const n = norm(w, { axis: axes, keepdims: true })
    const inside = lessEqual(n, c)
    // Outside units get w·(c/‖w‖); inside ones get w·1, which is w itself bit for bit, so they never change.
    // The scale is one per unit (small), so the whole matrix is touched once; the divisor is 1 where the
    // unit is inside, so no 0/0 reaches the unused branch or its gradient.
    return mul(w, where(inside, 1, div(c, where(inside, 1, n))))
  }
}
