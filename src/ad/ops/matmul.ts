/**
 * Matrix multiplication, batched with broadcasting. One primitive carries
 * transpose flags, so the backward pass (dy·Wᵀ, xᵀ·dy) reads its operands in
 * place instead of materialising a transpose.
 */
import { alloc } from '../../core/dtype.js'
import { TensorError, fmtShape } from '../../core/errors.js'
import { broadcastKernel } from '../../core/kernels/movement.js'
import { matmulKernel } from '../../core/kernels/matmul.js'
import { type Shape, broadcastShapes, shapeEq, sizeOf } from '../../core/shape.js'
import { type Tensor, wrap } from '../../core/tensor.js'
import { primitive } from '../prim.js'
import { bind } from '../trace.js'
import { type TensorLike, coerce2 } from './elementwise.js'
import { reshape, sumTo } from './shape.js'

/** Whether to read an operand transposed (its last two axes swapped). @since 0.1.0 */
export interface MatmulOptions {
  readonly transposeA?: boolean
  readonly transposeB?: boolean
}

interface Flags {
  readonly ta: boolean
  readonly tb: boolean
}

const dims = (a: Shape, b: Shape, { ta, tb }: Flags) => {
  const [ra, ca] = a.slice(-2) as [number, number]
  const [rb, cb] = b.slice(-2) as [number, number]
  const m = ta ? ca : ra
  const k = ta ? ra : ca
  const kb = tb ? cb : rb
  const n = tb ? rb : cb
  if (k !== kb) {
    const sa = `${fmtShape(a)}${ta ? 'ᵀ' : ''}`
    const sb = `${fmtShape(b)}${tb ? 'ᵀ' : ''}`
    throw new TensorError('matmul', `${sa} × ${sb}: inner dimensions ${k} ≠ ${kb}`)
  }
  return { m, k, n, batch: broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul') }
}

/** An operand's buffer and batch stride for the kernel; broadcast batches are materialised only when the kernel's single stride cannot express them. */
const operand = (x: Tensor, batch: Shape): { data: Float32Array | Float64Array; stride: number } => {
  const mat = x.shape.slice(-2)
  const own = x.shape.slice(0, -2)
  const data = x.data as Float32Array | Float64Array
  if (shapeEq(own, batch) || sizeOf(batch) === sizeOf(own)) return { data, stride: sizeOf(mat) }
  if (sizeOf(own) === 1) return { data, stride: 0 }
  return { data: broadcastKernel(data, x.shape, [...batch, ...mat]) as Float32Array | Float64Array, stride: sizeOf(mat) }
}

const matmulP = primitive<Flags>({
  name: 'matmul',
  shapeRule: ([a, b], f) => {
    if (a!.dtype !== b!.dtype || (a!.dtype !== 'float32' && a!.dtype !== 'float64')) {
      throw new TensorError('matmul', `needs two float tensors of one dtype, got ${a!.dtype} and ${b!.dtype}`)
    }
    const { m, n, batch } = dims(a!.shape, b!.shape, f)
    return { shape: Object.freeze([...batch, m, n]), dtype: a!.dtype }
  },
  kernel: ([a, b], f, shape, dtype) => {
    const { m, k, n, batch } = dims(a!.shape, b!.shape, f)
    const out = alloc(dtype, sizeOf(shape)) as Float32Array | Float64Array
    const A = operand(a!, batch)
    const B = operand(b!, batch)
    matmulKernel(A.data, B.data, out, sizeOf(batch), m, k, n, f.ta, f.tb, A.stride, B.stride)
    return wrap(shape, dtype, out)
  },
  // C = op(A)·op(B). dA = G·op(B)ᵀ (or its transpose when A is read transposed),
  // dB = op(A)ᵀ·G (likewise); batch broadcasting is summed away by sumTo.
  vjp: [
    (g, { inputs: [a, b], params: { ta, tb } }) =>
      sumTo(ta ? mm(b!, g, { ta: tb, tb: true }) : mm(g, b!, { ta: false, tb: !tb }), a!.shape),
    (g, { inputs: [a, b], params: { ta, tb } }) =>
      sumTo(tb ? mm(g, a!, { ta: true, tb: ta }) : mm(a!, g, { ta: !ta, tb: false }), b!.shape),
  ],
  jvp: [(t, { inputs: [, b], params }) => mm(t, b!, params), (t, { inputs: [a], params }) => mm(a!, t, params)],
  showParams: (f) => (f.ta || f.tb ? `${f.ta ? 'Aᵀ' : 'A'}·${f.tb ? 'Bᵀ' : 'B'}` : ''),
})
const mm = (a: Tensor, b: Tensor, f: Flags): Tensor => bind(matmulP, [a, b], f)

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

/** The matmul primitive, for the law table. @internal */
export const matmulPrimitives = { matmulP } as const
