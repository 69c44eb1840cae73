/**
 * fast-check arbitraries for tensors: shapes (with the size-0 and size-1
 * dimensions where broadcasting and reductions break), broadcast-compatible
 * shape lists, matmul operand shapes, and tensors of a dtype and value range
 * that can keep their values away from kinks (|x − k| ≥ margin) and from each
 * other (pairwise distance ≥ separation), so that derivatives are defined and
 * finite differences see one smooth piece; and seeded normal directions.
 */
import fc from 'fast-check'
import type { DType } from '../src/core/dtype.js'
import { TensorError, fmtShape } from '../src/core/errors.js'
import { type Shape, sizeOf } from '../src/core/shape.js'
import { type Tensor, fromTypedArray } from '../src/core/tensor.js'
import { type TreeLike, flatten, rebuild } from '../src/tree/index.js'

/**
 * Ranks and dimensions a shape may have, and a size cap to keep checks cheap.
 * @example
 * import fc from 'fast-check'
 * import { shapeArb, type ShapeArbOptions } from 'grad-ts/laws'
 * const matrices: ShapeArbOptions = { minRank: 2, maxRank: 2, minDim: 1 }
 * fc.assert(fc.property(shapeArb(matrices), (s) => s.length === 2 && s.every((d) => d >= 1)))
 * @since 0.1.0
 */
export interface ShapeArbOptions {
  /** Default 0 (a scalar). */
  readonly minRank?: number
  /** Default 4. */
  readonly maxRank?: number
  /** Default 0, so empty tensors are drawn. */
  readonly minDim?: number
  /** Default 5. */
  readonly maxDim?: number
  /** Caps the number of elements, and the product of the non-zero dimensions (dimensions are clamped, never below `minDim`); default no cap. */
  readonly maxSize?: number
}

const ints = (min: number, max: number) => fc.integer({ min, max })

/**
 * Shapes of rank `minRank..maxRank` with dimensions `minDim..maxDim` — by
 * default rank 0 to 4 and dimensions 0 to 5, so scalars, size-0 and size-1
 * dimensions all come up (fast-check favours small values; a 0, which
 * empties the tensor, is drawn for one dimension in 16).
 * @example
 * import fc from 'fast-check'
 * import { shapeArb } from 'grad-ts/laws'
 * fc.assert(fc.property(shapeArb({ maxRank: 3, maxSize: 24 }), (s) => s.length <= 3 && s.reduce((a, b) => a * Math.max(b, 1), 1) <= 24))
 * @since 0.1.0
 */
export const shapeArb = (options: ShapeArbOptions = {}): fc.Arbitrary<Shape> => {
  const { minRank = 0, maxRank = 4, minDim = 0, maxDim = 5, maxSize = Infinity } = options
  if (!(minRank >= 0 && minRank <= maxRank && minDim >= 0 && minDim <= maxDim)) {
    throw new TensorError('shapeArb', `empty range: rank ${minRank}..${maxRank}, dimensions ${minDim}..${maxDim}`)
  }
  if (minDim > 0 && minDim ** minRank > maxSize) throw new TensorError('shapeArb', `no shape of rank ≥ ${minRank} with dimensions ≥ ${minDim} has at most ${maxSize} elements`)
  const floor = Math.max(minDim, 1)
  // A 0 makes the whole tensor empty, so it gets one draw in 16 rather than one in maxDim + 1.
  const dim = minDim > 0 || maxDim === 0 ? ints(minDim, maxDim) : fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: ints(1, maxDim), weight: 15 })
  return ints(minRank, maxRank)
    .chain((rank) => fc.array(dim, { minLength: rank, maxLength: rank }))
    .map((dims) => {
      // Clamp left to right so the size stays within maxSize, leaving room for the dimensions still to come. A 0 does not
      // lift the bound on the others: their product stays within maxSize too, so the shapes that drop it (a broadcast
      // operand without the leading 0, a slice along it) stay small.
      let size = 1
      return Object.freeze(
        dims.map((d, i) => {
          const room = Math.floor(maxSize / (size * floor ** (dims.length - i - 1)))
          const dim = Math.max(minDim, Math.min(d, room))
          size *= Math.max(dim, 1)
          return dim
        }),
      )
    })
}

/**
 * `count` shapes that broadcast together (NumPy rules): a common shape is
 * drawn, then each operand drops some leading axes and turns some dimensions
 * into 1 (a 0 stays 0 or becomes 1, so empty broadcasts come up too).
 * @example
 * import fc from 'fast-check'
 * import { broadcastShapes } from 'grad-ts'
 * import { broadcastShapesArb } from 'grad-ts/laws'
 * fc.assert(fc.property(broadcastShapesArb(3), ([a, b, c]) => broadcastShapes(broadcastShapes(a!, b!), c!).length <= 4))
 * @since 0.1.0
 */
export const broadcastShapesArb = (count = 2, options: ShapeArbOptions = {}): fc.Arbitrary<readonly Shape[]> => {
  const ones = fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 })
  const operand = (out: Shape) =>
    fc.tuple(ints(0, out.length), fc.array(ones, { minLength: out.length, maxLength: out.length })).map(([drop, one]) =>
      Object.freeze(out.map((d, i) => (one[i] === true ? 1 : d)).slice(drop)),
    )
  return shapeArb(options).chain((out) => fc.tuple(...Array.from({ length: count }, () => operand(out))))
}

/**
 * The operands of one `matmul` call: their shapes and transpose flags, which
 * can be passed as `matmul`'s options.
 * @example
 * import { matmul, zeros } from 'grad-ts'
 * import type { MatmulCase } from 'grad-ts/laws'
 * const c: MatmulCase = { a: [3, 2], b: [4, 3], transposeA: true, transposeB: true }
 * console.assert(matmul(zeros(c.a), zeros(c.b), c).shape.join() === '2,4')
 * @since 0.1.0
 */
export interface MatmulCase {
  readonly a: Shape
  readonly b: Shape
  readonly transposeA: boolean
  readonly transposeB: boolean
}

/**
 * What {@link matmulCaseArb} draws, to aim at one transpose case or at batching.
 * @example
 * import fc from 'fast-check'
 * import { matmulCaseArb, type MatmulCaseOptions } from 'grad-ts/laws'
 * const plain: MatmulCaseOptions = { maxBatchRank: 0, vectors: false, transposeA: false }
 * fc.assert(fc.property(matmulCaseArb(plain), (c) => c.a.length === 2 && !c.transposeA))
 * @since 0.1.0
 */
export interface MatmulCaseOptions {
  /** Default 0. */
  readonly minDim?: number
  /** Default 4. */
  readonly maxDim?: number
  /** Batch axes of each operand, at most; default 2 (0: plain matrices). */
  readonly maxBatchRank?: number
  /** Whether 1-D operands come up; default true. */
  readonly vectors?: boolean
  /** Fix a flag instead of drawing it. */
  readonly transposeA?: boolean
  readonly transposeB?: boolean
}

/**
 * Operand shapes for `matmul`: inner dimensions that match after the
 * transpose flags, batch axes that broadcast (up to `maxBatchRank`), and 1-D
 * operands (a row vector on the left, a column on the right) unless
 * `vectors` is false. Dimensions follow `minDim..maxDim` (default 0..4);
 * batch dimensions are at most 3.
 * @example
 * import fc from 'fast-check'
 * import { matmul, zeros } from 'grad-ts'
 * import { matmulCaseArb } from 'grad-ts/laws'
 * fc.assert(fc.property(matmulCaseArb(), (c) => matmul(zeros(c.a), zeros(c.b), c).rank >= 0))
 * @since 0.1.0
 */
export const matmulCaseArb = (options: MatmulCaseOptions = {}): fc.Arbitrary<MatmulCase> => {
  const { minDim = 0, maxDim = 4, maxBatchRank = 2, vectors = true } = options
  const dim = ints(minDim, maxDim)
  const vector = vectors ? fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }) : fc.constant(false)
  const flag = (v: boolean | undefined) => (v === undefined ? fc.boolean() : fc.constant(v))
  return fc
    .record({
      m: dim, k: dim, n: dim, transposeA: flag(options.transposeA), transposeB: flag(options.transposeB), vecA: vector, vecB: vector,
      batch: broadcastShapesArb(2, { maxRank: maxBatchRank, maxDim: 3 }),
    })
    .map(({ m, k, n, transposeA, transposeB, vecA, vecB, batch: [ba, bb] }) => ({
      a: Object.freeze(vecA ? [k] : [...ba!, ...(transposeA ? [k, m] : [m, k])]),
      b: Object.freeze(vecB ? [k] : [...bb!, ...(transposeB ? [n, k] : [k, n])]),
      transposeA,
      transposeB,
    }))
}

/**
 * The dtype and values of drawn tensors: ranges for domains (log, sqrt),
 * margins around kinks (abs, relu), separations against ties (max, maximum).
 * @example
 * import fc from 'fast-check'
 * import { tensorArb, type TensorArbOptions } from 'grad-ts/laws'
 * const positive: TensorArbOptions = { min: 0.5, max: 3 }
 * fc.assert(fc.property(tensorArb([4], positive), (t) => t.toTypedArray().every((v) => v >= 0.5)))
 * @since 0.1.0
 */
export interface TensorArbOptions {
  /** Default `'float64'`. */
  readonly dtype?: DType
  /** Smallest value; default −2 for floats, −10 for int32. */
  readonly min?: number
  /** Largest value; default 2 for floats, 10 for int32. */
  readonly max?: number
  /** Points to keep away from (kinks: 0 for abs and relu), by `margin`. Floats only. */
  readonly avoid?: readonly number[]
  /** Distance kept from each point of `avoid`; default 0.1. */
  readonly margin?: number
  /** Every two drawn values differ by at least this much (ties of max, min, maximum). Floats only. */
  readonly separation?: number
}

/** [lo, hi] minus the open intervals of radius `margin` around `avoid`, as sorted disjoint intervals. */
const allowedIntervals = (lo: number, hi: number, avoid: readonly number[], margin: number): [number, number][] => {
  let parts: [number, number][] = [[lo, hi]]
  for (const k of avoid) {
    parts = parts.flatMap(([a, b]): [number, number][] => {
      const cut: [number, number][] = []
      if (k - margin > a) cut.push([a, Math.min(b, k - margin)])
      if (k + margin < b) cut.push([Math.max(a, k + margin), b])
      return k + margin <= a || k - margin >= b ? [[a, b]] : cut
    })
  }
  return parts
}

/** Maps s ∈ [0, total length] onto the intervals, monotonically and without shrinking any distance. */
const placeIn = (parts: readonly [number, number][], s: number): number => {
  let rest = s
  for (const [a, b] of parts) {
    if (rest <= b - a) return a + rest
    rest -= b - a
  }
  return parts[parts.length - 1]![1]
}

/**
 * Draws `n` numbers for {@link tensorArb}: uniform positions in the allowed
 * set; with a separation δ, n positions y in [0, L − (n−1)δ] each shifted by
 * its rank times δ, so any two end at least δ apart (in an order fast-check chose).
 */
const valuesArb = (op: string, n: number, o: TensorArbOptions): fc.Arbitrary<number[]> => {
  const dtype = o.dtype ?? 'float64'
  if (dtype === 'bool') return fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bs) => bs.map(Number))
  const float = dtype === 'float32' || dtype === 'float64'
  const min = o.min ?? (float ? -2 : -10)
  const max = o.max ?? (float ? 2 : 10)
  if (!(min <= max)) throw new TensorError(op, `empty value range [${min}, ${max}]`)
  if (!float) {
    if (o.avoid !== undefined || o.separation !== undefined) throw new TensorError(op, 'avoid and separation are for float dtypes')
    return fc.array(ints(Math.ceil(min), Math.floor(max)), { minLength: n, maxLength: n })
  }
  const round = dtype === 'float32' ? Math.fround : (x: number) => x
  const sep = o.separation ?? 0
  if (o.avoid === undefined && sep === 0) {
    const one = dtype === 'float32' ? fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true }) : fc.double({ min, max, noNaN: true })
    return fc.array(one, { minLength: n, maxLength: n })
  }
  const parts = allowedIntervals(min, max, o.avoid ?? [], o.margin ?? 0.1)
  const length = parts.reduce((s, [a, b]) => s + b - a, 0)
  const free = length - Math.max(n - 1, 0) * sep
  if (parts.length === 0 || free < 0) {
    throw new TensorError(op, `cannot place ${n} values ${sep} apart in [${min}, ${max}] away from [${(o.avoid ?? []).join(', ')}] by ${o.margin ?? 0.1}`)
  }
  return fc.array(fc.double({ min: 0, max: free, noNaN: true }), { minLength: n, maxLength: n }).map((ys) => {
    const order = ys.map((y, i) => [y, i] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1])
    const rank = new Array<number>(n)
    order.forEach(([, i], r) => (rank[i] = r))
    return ys.map((y, i) => round(placeIn(parts, Math.min(y + rank[i]! * sep, length))))
  })
}

const arrayOf = (dtype: DType, values: readonly number[]) =>
  dtype === 'float64' ? Float64Array.from(values) : dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values)

/**
 * Tensors of a shape, dtype (float64 by default) and value range. Floats can
 * keep away from kinks (`avoid`, `margin`) and from each other
 * (`separation`); float32 values are float32 numbers (with `avoid` or
 * `separation`, up to one float32 rounding of the bounds).
 * @example
 * import fc from 'fast-check'
 * import { tensorArb } from 'grad-ts/laws'
 * const arb = tensorArb([2, 3], { min: -1, max: 1, avoid: [0], margin: 0.25 })
 * fc.assert(fc.property(arb, (t) => t.dtype === 'float64' && Array.from(t.toTypedArray()).every((v) => Math.abs(v) >= 0.25 && Math.abs(v) <= 1)))
 * @since 0.1.0
 */
export const tensorArb = (shape: Shape, options: TensorArbOptions = {}): fc.Arbitrary<Tensor> => tensorsArb([shape], options).map(([t]) => t!)

/**
 * Several tensors drawn together: with `separation`, values are pairwise
 * apart across all of them (for `maximum(a, b)` under broadcasting, for
 * `clip`), not only within each.
 * @example
 * import fc from 'fast-check'
 * import { tensorsArb } from 'grad-ts/laws'
 * const arb = tensorsArb([[3], [2, 1]], { separation: 0.1 })
 * fc.assert(fc.property(arb, ([a, b]) => {
 *   const vs = [...a!.toTypedArray(), ...b!.toTypedArray()].sort((x, y) => x - y)
 *   return vs.every((v, i) => i === 0 || v - vs[i - 1]! >= 0.1 - 1e-12)
 * }))
 * @since 0.1.0
 */
export const tensorsArb = (shapes: readonly Shape[], options: TensorArbOptions = {}): fc.Arbitrary<readonly Tensor[]> => {
  const dtype = options.dtype ?? 'float64'
  const sizes = shapes.map(sizeOf)
  const total = sizes.reduce((a, b) => a + b, 0)
  return valuesArb(`tensorsArb(${shapes.map(fmtShape).join(', ')})`, total, options).map((vs) => {
    let at = 0
    return shapes.map((s, i) => fromTypedArray(arrayOf(dtype, vs.slice(at, (at += sizes[i]!))), s))
  })
}

/** murmur3's 32-bit finaliser: the mixing step of a counter-based generator. */
const mix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * A tree like `like` of independent standard normal float64 values,
 * determined by `seed` and `stream` (streams of one seed are independent):
 * the random directions of the gradient laws, as JAX draws tangents and
 * cotangents with `randn`. Box–Muller over a hashed counter; no state.
 * @example
 * import { normalLike } from 'grad-ts/laws'
 * import { zeros } from 'grad-ts'
 * const t = normalLike({ w: zeros([1000]) }, 7)
 * const xs = Array.from(t.w.toTypedArray())
 * console.assert(t.w.dtype === 'float64' && Math.abs(xs.reduce((a, b) => a + b) / 1000) < 0.2)
 * console.assert(normalLike(zeros([3]), 7).toTypedArray().join() === normalLike(zeros([3]), 7).toTypedArray().join())
 * console.assert(normalLike(zeros([3]), 7).toTypedArray().join() !== normalLike(zeros([3]), 7, 1).toTypedArray().join())
 * @since 0.1.0
 */
export const normalLike = <T extends TreeLike<T>>(like: T, seed: number, stream = 0): T => {
  const key = mix((mix(seed >>> 0) ^ mix((stream + 0x9e3779b9) >>> 0)) >>> 0)
  let k = 0
  const uniform = (): number => (mix((key + Math.imul(k++, 0x6d2b79f5)) >>> 0) + 0.5) / 2 ** 32 // in (0, 1)
  return rebuild(
    like,
    flatten(like).map(({ value }) => {
      const d = new Float64Array(value.size)
      for (let i = 0; i < d.length; i += 2) {
        const r = Math.sqrt(-2 * Math.log(uniform()))
        const a = 2 * Math.PI * uniform()
        d[i] = r * Math.cos(a)
        if (i + 1 < d.length) d[i + 1] = r * Math.sin(a)
      }
      return fromTypedArray(d, value.shape)
    }),
  ) as T
}
