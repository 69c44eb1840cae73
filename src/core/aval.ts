/**
 * Abstract values: what every rule sees of a tensor — its shape and dtype,
 * never its elements. Shape rules, staging (`evalShape`, the graph that `jit`
 * will compile) and batching all work on avals alone.
 */
import type { DType } from './dtype.js'
import { fmtShape } from './errors.js'
import type { Shape } from './shape.js'

/**
 * A shape and a dtype: a tensor without its elements (JAX's `ShapedArray`).
 * `evalShape` takes and returns them.
 * @example
 * import { type Aval, evalShape, matmul, type Tensor } from 'grad-ts'
 * const a: Aval = { shape: [100000, 100000], dtype: 'float32' }
 * const out = evalShape((x: Tensor) => matmul(x, x))(a)
 * console.assert(out.shape.join() === '100000,100000' && out.dtype === 'float32')
 * @since 0.2.0
 */
export interface Aval {
  readonly shape: Shape
  readonly dtype: DType
}

/** An aval as messages print it: `float32[2,3]`. @internal */
export const fmtAval = (a: Aval): string => `${a.dtype}${fmtShape(a.shape)}`
