/**
 * The matmul kernel against a naive float64 reference, on random sizes that cross
 * every block boundary of the kernel (micro-tile 4×4, KC = 256, MC = 64, NC between
 * 64 and 512 depending on k, the small-problem path), all four transposes, batches
 * with broadcast strides, float32 and float64.
 *
 * Tolerances come from the standard bound for a sum of k products computed in
 * double precision (Higham, Accuracy and Stability of Numerical Algorithms, §3.1):
 * |ŝ − s| ≤ γ_k · Σ_p |a_p||b_p|, γ_k = k·u / (1 − k·u), u = 2⁻⁵³. Products of
 * float32 or float64 inputs are the same computation in both the kernel and the
 * reference (float32 × float32 is exact in a double), so two correct summation
 * orders differ by at most 2·γ_k·S. A float32 result adds one rounding,
 * |fl32(x) − x| ≤ 2⁻²⁴·|x|, on the kernel's side and on the rounded reference's.
 */
import { describe, expect, it } from 'vitest'
import { test } from '@fast-check/vitest'
import fc from 'fast-check'
import { matmulKernel } from '../../src/backend/js/matmul.js'

type DType = 'float32' | 'float64'
type F = Float32Array | Float64Array

interface Problem {
  readonly dtype: DType
  readonly batch: number
  readonly m: number
  readonly k: number
  readonly n: number
  readonly transA: boolean
  readonly transB: boolean
  /** Batch strides: 0 broadcasts; a stride larger than the matrix leaves gaps. */
  readonly aBatchStride: number
  readonly bBatchStride: number
}

const make = (dtype: DType, len: number): F => (dtype === 'float32' ? new Float32Array(len) : new Float64Array(len))

/** Operand buffer long enough for `batch` matrices `stride` apart. */
const operandLength = (batch: number, stride: number, size: number): number =>
  batch === 0 || size === 0 ? 0 : (batch - 1) * stride + size

/** Element [i,p] of A_t, read through the documented layout (the reference, in plain index arithmetic). */
const aAt = (a: F, q: Problem, t: number, i: number, p: number): number =>
  a[t * q.aBatchStride + (q.transA ? p * q.m + i : i * q.k + p)]!
const bAt = (b: F, q: Problem, t: number, p: number, j: number): number =>
  b[t * q.bBatchStride + (q.transB ? j * q.k + p : p * q.n + j)]!

/** The float64 reference sum and Σ|a||b| for every output element. */
const reference = (a: F, b: F, q: Problem): { sum: Float64Array; abs: Float64Array } => {
  const size = q.batch * q.m * q.n
  const sum = new Float64Array(size), abs = new Float64Array(size)
  for (let t = 0; t < q.batch; t++)
    for (let i = 0; i < q.m; i++)
      for (let j = 0; j < q.n; j++) {
        let s = 0, s1 = 0
        for (let p = 0; p < q.k; p++) {
          const x = aAt(a, q, t, i, p) * bAt(b, q, t, p, j)
          s += x
          s1 += Math.abs(x)
        }
        sum[(t * q.m + i) * q.n + j] = s
        abs[(t * q.m + i) * q.n + j] = s1
      }
  return { sum, abs }
}

const gamma = (k: number): number => (k * 2 ** -53) / (1 - k * 2 ** -53)

/** The largest difference the analysis above allows between the kernel and the reference. */
const tolerance = (dtype: DType, k: number, ref: number, abs: number): number => {
  const sums = 2 * gamma(k) * abs
  return dtype === 'float64' ? sums : sums + 2 ** -24 * (2 * Math.abs(ref) + sums)
}

/** Deterministic values in [-1, 1) from a seed (so fast-check shrinks sizes, not data). */
const fill = (x: F, seed: number, integers = false): F => {
  let s = (seed * 2654435761 + 12345) >>> 0
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    x[i] = integers ? (s >>> 20) - 2048 : s / 2147483648 - 1
  }
  return x
}

const run = (q: Problem, a: F, b: F): F => {
  const out = make(q.dtype, q.batch * q.m * q.n)
  matmulKernel(a, b, out, q.batch, q.m, q.k, q.n, q.transA, q.transB, q.aBatchStride, q.bBatchStride)
  return out
}

const operands = (q: Problem, seed: number, integers = false): { a: F; b: F } => ({
  a: fill(make(q.dtype, operandLength(q.batch, q.aBatchStride, q.m * q.k)), seed, integers),
  b: fill(make(q.dtype, operandLength(q.batch, q.bBatchStride, q.k * q.n)), seed + 1, integers),
})

/** Checks every element of the kernel's output against the reference; returns the first failure. */
const check = (q: Problem, seed: number): string | undefined => {
  const { a, b } = operands(q, seed)
  const a0 = a.slice(), b0 = b.slice()
  const out = run(q, a, b)
  const { sum, abs } = reference(a, b, q)
  if (out.length !== q.batch * q.m * q.n) return `output length ${out.length}`
  if (!a.every((x, i) => Object.is(x, a0[i])) || !b.every((x, i) => Object.is(x, b0[i]))) return 'an input was modified'
  for (let e = 0; e < out.length; e++) {
    const expected = q.dtype === 'float32' ? Math.fround(sum[e]!) : sum[e]!
    const err = Math.abs(out[e]! - expected)
    if (!(err <= tolerance(q.dtype, q.k, sum[e]!, abs[e]!))) return `element ${e}: got ${out[e]}, expected ${expected}`
  }
  return undefined
}

/** Sizes that hit the kernel's edges: 0, 1, primes, tile and block multiples ± 1. */
const edgeSize = fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 13, 17, 31, 63, 64, 65, 67, 129)
const size = fc.oneof(edgeSize, fc.integer({ min: 0, max: 90 }))
const depth = fc.oneof(size, fc.constantFrom(255, 256, 257, 300, 521))

const problem = fc
  .record({
    dtype: fc.constantFrom<DType>('float32', 'float64'),
    batch: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 3 })),
    m: size,
    k: depth,
    n: size,
    transA: fc.boolean(),
    transB: fc.boolean(),
    aStride: fc.constantFrom('dense', 'broadcast', 'gap'),
    bStride: fc.constantFrom('dense', 'broadcast', 'gap'),
  })
  .filter((r) => r.batch * r.m * r.k * r.n <= 400_000)
  .map((r): Problem => {
    const stride = (kind: string, size: number): number => (kind === 'dense' ? size : kind === 'gap' ? size + 3 : 0)
    return {
      dtype: r.dtype, batch: r.batch, m: r.m, k: r.k, n: r.n, transA: r.transA, transB: r.transB,
      aBatchStride: stride(r.aStride, r.m * r.k), bBatchStride: stride(r.bStride, r.k * r.n),
    }
  })

const plain = (dtype: DType, m: number, k: number, n: number, transA = false, transB = false): Problem =>
  ({ dtype, batch: 1, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: k * n })

describe('matmulKernel', () => {
  test.prop([problem, fc.nat()], { numRuns: 300 })('agrees with a float64 reference within the rounding bound', (q, seed) => {
    expect(check(q, seed)).toBeUndefined()
  })

  it.each([
    // each crosses a different boundary: NC (n > 512, or n > 64 when k ≥ 1024), KC (k > 256),
    // MC (m > 64), the small path, vectors
    [2, 2, 1030], [3, 5, 1031], [5, 4100, 70], [70, 300, 9], [130, 257, 66], [1, 513, 70], [70, 513, 1], [5, 1, 1000], [4, 4, 4],
  ])('all transposes at m=%i k=%i n=%i', (m, k, n) => {
    for (const dtype of ['float32', 'float64'] as const)
      for (const transA of [false, true])
        for (const transB of [false, true]) expect(check(plain(dtype, m, k, n, transA, transB), m + k + n)).toBeUndefined()
  })

  it('rounds a float32 result once, after summing in doubles', () => {
    // Integers in [-2048, 2048): every product and every partial sum is exact in a double,
    // but the sums need up to 32 bits, so a kernel that rounded to float32 along the way
    // (or once per K-block: k = 600 spans three) would differ from fround(exact sum).
    for (const [m, k, n, transA, transB] of [[70, 600, 9, false, true], [9, 600, 70, true, false], [2, 40, 2, false, false]] as const) {
      const q = plain('float32', m, k, n, transA, transB)
      const { a, b } = operands(q, 7, true)
      const out = run(q, a, b)
      const { sum } = reference(a, b, q)
      expect(Array.from(out)).toEqual(Array.from(sum, Math.fround))
      expect(Array.from(sum).some((s) => Math.fround(s) !== s)).toBe(true) // the test can tell one rounding from several
    }
  })

  it('is exact in float64 when every partial sum is', () => {
    const q = { ...plain('float64', 3, 700, 67, true, true), batch: 2, bBatchStride: 0 }
    const { a, b } = operands(q, 3, true)
    expect(Array.from(run(q, a, b))).toEqual(Array.from(reference(a, b, q).sum))
  })

  it('propagates NaN and ±Infinity only into the outputs they reach, at tile edges too', () => {
    // 5×5 leaves a 1-wide edge tile that is padded with zeros; 0·∞ there must not leak.
    for (const dtype of ['float32', 'float64'] as const) {
      const q = plain(dtype, 5, 37, 5)
      const { a, b } = operands(q, 11)
      a[4 * 37 + 3] = NaN // row 4 of A
      b[2 * 5 + 4] = Infinity // column 4 of B
      const out = run(q, a, b)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) {
          const v = out[i * 5 + j]!
          if (i === 4) expect(v).toBeNaN()
          else if (j === 4) expect(Math.abs(v)).toBe(Infinity)
          else expect(Number.isFinite(v)).toBe(true)
        }
    }
  })

  it('leaves the zero-filled output alone when k = 0 and writes nothing when m or n = 0', () => {
    const out = new Float32Array(6)
    matmulKernel(new Float32Array(0), new Float32Array(0), out, 1, 2, 0, 3, false, false, 0, 0)
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0])
    expect(() => { matmulKernel(new Float64Array(0), new Float64Array(4), new Float64Array(0), 2, 0, 2, 2, true, true, 0, 4) }).not.toThrow()
  })
})
