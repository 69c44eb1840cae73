/**
 * Sorting: `argsort`, the stable order of an axis (NaN last, as `lax.sort`).
 * Its output is integer indices, a constant to every derivative.
 */
import { type OneAxisOptions, oneAxisOf } from '../../core/shape.js'
import { type Tensor, tensorArg } from '../../core/tensor.js'
import { bind } from '../trace.js'

/**
 * The indices that sort `x` along one axis (default: the last), stably: equal
 * values keep their order, and NaN sorts last, as `jnp.argsort(x, stable=True)`.
 * @example
 * import { argsort, tensor } from 'grad-ts'
 * console.assert(argsort(tensor([3, 1, 2, 1])).toTypedArray().join() === '1,3,2,0')
 * @since 0.2.0
 */
export const argsort = (x: Tensor, options: OneAxisOptions = {}): Tensor => {
  const t = tensorArg('argsort', 'x', x)
  return bind('argsort', [t], { axis: oneAxisOf('argsort', options, t.rank, -1) })
}
