/**
 * Matrix multiplication, batched with broadcasting. One primitive carries
 * transpose flags, so the backward pass (dy·Wᵀ, xᵀ·dy) reads its operands in
 * place instead of materialising a transpose.
 */
import { TensorError, fmtShape } from '../../core/errors.js'
import type { Tensor } from '../../core/tensor.js'
import type { ParamsOf } from '../primitives.js'
import { bind } from '../trace.js'
import { type TensorLike, coerce2 } from './elementwise.js'
import { reshape } from './shape.js'

/** Whether to read an operand transposed (its last two axes swapped). @since 0.1.0 */
export interface MatmulOptions {
  readonly transposeA?: boolean
  readonly transposeB?: boolean
}

/** The matmul primitive with its transpose flags (the rules' matmul). @internal */
export const mm = (a: Tensor, b: Tensor, f: ParamsOf['matmul']): Tensor => bind('matmul', [a, b], f)

/**
 * Matrix product with NumPy's rules: the last two axes multiply, leading axes
 * broadcast; a 1-D operand is a row (left) or column (right) vector and its
 * axis is dropped from the result. `transposeA`/`transposeB` read an operand
 * with its last two axes swapped, at no cost. Integer operands compute in float32.
 * @example
 * import { matmul, tensor } from 'grad-ts'
 * const a = tensor([[1, 2], [3, 4]])
 * console.assert(matmul(a, tensor([1, 1])).toTypedArray().join() === '3,7')
 * console.assert(matmul(a, a, { transposeB: true }).toTypedArray().join() === '5,11,11,25')
 * @since 0.1.0
 */
export const matmul = (a: TensorLike, b: TensorLike, options: MatmulOptions = {}): Tensor => {
  const [x, y] = coerce2('matmul', a, b, 'float')
  if (x.rank === 0 || y.rank === 0) throw new TensorError('matmul', `${fmtShape(x.shape)} × ${fmtShape(y.shape)}: operands must have at least one axis`)
  const f = { ta: options.transposeA ?? false, tb: options.transposeB ?? false }
  const x2 = x.rank === 1 ? reshape(x, [1, x.size]) : x
  const y2 = y.rank === 1 ? reshape(y, [y.size, 1]) : y
  const out = mm(x2, y2, { ta: x.rank > 1 && f.ta, tb: y.rank > 1 && f.tb })
  if (x.rank > 1 && y.rank > 1) return out
  const s = out.shape
  return reshape(out, [...s.slice(0, -2), ...(x.rank > 1 ? [s[s.length - 2]!] : []), ...(y.rank > 1 ? [s[s.length - 1]!] : [])])
}
