/**
 * Clipping by the global norm, as optax's `clip_by_global_norm`, with the
 * global norm computed without overflow or underflow (as `norm` is).
 */
import { concat, reshape } from '../ad/ops/shape.js'
import { cast, div, less, mul, where } from '../ad/ops/elementwise.js'
import { norm } from '../ad/ops/composite.js'
import { type Tensor, scalar } from '../core/tensor.js'
import { type Tree, type TreeLike, flattenAs, map } from '../tree/index.js'
import { type EmptyState, type GradientTransformation, tagState } from './transform.js'
import { TensorError } from '../core/errors.js'

const globalNormAs = (op: string, t: Tree): Tensor => {
  const leaves = flattenAs(op, t).map((l) => norm(l.value))
  if (leaves.length === 0) return scalar(0)
  const dtype = leaves.some((n) => n.dtype === 'float64') ? 'float64' : 'float32'
  // ‖(‖x₁‖, …, ‖xₙ‖)‖ = √Σ‖xᵢ‖²: each norm is scaled by its largest element, so no square overflows.
  return leaves.length === 1 ? leaves[0]! : norm(concat(leaves.map((n) => reshape(cast(n, dtype), [1])), { axis: 0 }))
}

/**
 * The L2 norm of all the leaves of a tree taken together, √(Σᵢ ‖xᵢ‖²), as
 * optax's `global_norm` (`optax.tree.norm`): a scalar tensor, float64 if
 * any leaf is, 0 for a tree without leaves. Computed from each leaf's
 * `norm`, which scales by the largest element, so it neither overflows nor
 * underflows where the norm itself is representable (optax's sum of
 * squares overflows in float32 beyond about 1.8·10¹⁹). Why: the quantity
 * {@link clipByGlobalNorm} bounds, and the one to log.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * console.assert(optim.globalNorm({ w: tensor([3]), b: [tensor([4])] }).item() === 5)
 * console.assert(optim.globalNorm({ w: tensor([3e30, 4e30]) }).item() === Math.fround(5e30)) // (3e30)² overflows float32
 * @since 0.2.0
 */
export const globalNorm = <T extends TreeLike<T>>(t: T): Tensor => globalNormAs('optim.globalNorm', t)

/**
 * Scales the updates so that their global norm is at most `maxNorm`
 * (Pascanu et al. 2013; optax's `clip_by_global_norm`): with n the
 * {@link globalNorm} of the updates, each leaf g is left as it is when
 * n < maxNorm and becomes (g / n)·maxNorm otherwise — g·maxNorm/max(n,
 * maxNorm). Below the threshold the updates keep their bits; a zero norm
 * is below every threshold, so zeros stay zeros. A NaN norm makes every
 * update NaN, as in optax. Deviation: `maxNorm` must be positive (optax
 * accepts 0, which turns zero updates into NaN). Why: the guard against
 * exploding gradients, ahead of the optimizer in a chain.
 *
 * @example
 * import { optim, tensor } from 'grad-ts'
 * const tx = optim.chain(optim.clipByGlobalNorm(1), optim.sgd(1))
 * const g = { w: tensor([3], 'float64'), b: tensor([4], 'float64') }
 * const [u] = tx.update(g, tx.init(g), g) // norm 5 → scaled by 1/5
 * console.assert(u.w.item() === -0.6 && u.b.item() === -0.8)
 * @since 0.2.0
 */
export const clipByGlobalNorm = (maxNorm: number): GradientTransformation<EmptyState> => {
  const op = 'optim.clipByGlobalNorm'
  if (typeof maxNorm !== 'number' || !(Number.isFinite(maxNorm) && maxNorm > 0)) {
    throw new TensorError(op, `maxNorm must be a positive finite number, got ${String(maxNorm)}`)
  }
  const empty = tagState('optim.clipByGlobalNorm', {})
  return {
    init: () => empty,
    update: (grads, state) => {
      const n = globalNormAs(op, grads)
      const inside = less(n, maxNorm)
      return [map((g) => where(inside, g, mul(div(g, cast(n, g.dtype)), maxNorm)))(grads), state]
    },
  }
}
