/**
 * Sorting: `argsort`, the stable order of an axis (NaN last, as `lax.sort`).
 * Its output is integer indices, a constant to every derivative.
 */
import { normAxis } from '../../core/shape.js'
import { type Tensor, tensorArg } from '../../core/tensor.js'
import { bind } from '../trace.js'

/**
 * The indices that sort `x` along an axis (default: the last), stably: equal
 * values keep their order, and NaN sorts last, as `jnp.argsort(x, stable=True)`.
 * @example
 * import { argsort, tensor } from 'grad-ts'
 * console.assert(argsort(tensor([3, 1, 2, 1])).toTypedArray().join() === '1,3,2,0')
 * @since 0.2.0
 */
export const argsort = (x: Tensor, axis = -1): Tensor => {
  const t = tensorArg('argsort', 'x', x)
  return bind('argsort', [t], { axis: normAxis('argsort', axis, Math.max(t.rank, 1)) })
}
